import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Engine, Server, Tensor } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture, fixturePath } from '../helpers/fixtures';

const PT_MINIMAL = fixture('pt-minimal.pt');

let server: Server;
let c: RawClient;
let bin: RawClient;

beforeAll(async () => {
  const started = await startServer();
  server = started.server;
  c = await RawClient.connect(started.port);
  bin = await RawClient.connect(started.port, { returnBuffers: true });
  await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
});
afterAll(async () => {
  await c.close();
  await bin.close();
  await server.close();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

describe('TORCH models (spec §4, transcripts)', () => {
  it('stores, describes, returns and runs pt-minimal.pt as RedisAI does', async () => {
    assert.equal(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'TAG', 'v1', 'BATCHSIZE', 4, 'BLOB', PT_MINIMAL), 'OK');
    const meta = ['backend', 'TORCH', 'device', 'CPU', 'tag', 'v1', 'batchsize', 4, 'minbatchsize', 0,
      'inputs', ['a', 'b'], 'outputs', [''], 'minbatchtimeout', 0];
    assert.deepEqual(await c.call('AI.MODELGET', 'm', 'META'), meta);
    const whole = (await bin.call('AI.MODELGET', 'm')) as Buffer[];
    assert.equal(whole.length, 18);
    assert.ok(whole[17].equals(PT_MINIMAL));
    assert.ok(((await bin.call('AI.MODELGET', 'm', 'BLOB')) as Buffer).equals(PT_MINIMAL));
    assert.deepEqual(await c.call('AI.MODELGET', 'm', 'LABELS'), [null]); // TorchScript outputs name no columns
    assert.equal(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'c', 'VALUES'), ['4', '6', '4', '6']);
    const info = (await c.call('AI.INFO', 'm')) as Parsed[];
    assert.deepEqual(info.slice(0, 10), ['key', 'm', 'type', 'MODEL', 'backend', 'TORCH', 'device', 'CPU', 'tag', 'v1']);
    assert.equal(info[10], 'duration');
    assert.ok((info[11] as number) > 0);
    assert.deepEqual(info.slice(12), ['samples', 2, 'calls', 1, 'errors', 0]);
    assert.equal(await c.call('AI.INFO', 'm', 'RESETSTAT'), 'OK');
    assert.deepEqual(((await c.call('AI.INFO', 'm')) as Parsed[]).slice(10), ['duration', 0, 'samples', 0, 'calls', 0, 'errors', 0]);
    assert.equal(await c.call('TYPE', 'm'), 'AI__MODEL');
    assert.deepEqual(await c.call('AI._MODELSCAN'), [['m', 'v1']]);
  });

  it('keeps the device as typed and accepts lower-case keywords', async () => {
    assert.equal(await c.call('ai.modelstore', 'lc', 'torch', 'cpu', 'tag', 't', 'blob', PT_MINIMAL), 'OK');
    const meta = (await c.call('AI.MODELGET', 'lc', 'META')) as Parsed[];
    assert.deepEqual(meta.slice(0, 6), ['backend', 'TORCH', 'device', 'cpu', 'tag', 't']);
    assert.equal(await c.call('AI.MODELEXECUTE', 'lc', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'lc_out'), 'OK');
  });

  it('runs the deprecated AI.MODELRUN', async () => {
    assert.equal(await c.call('AI.MODELRUN', 'm', 'INPUTS', 'a', 'a', 'OUTPUTS', 'run_out'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'run_out', 'VALUES'), ['4', '6', '4', '6']);
    assert.equal(message(await c.call('AI.MODELRUN', 'm', 'INPUTS', 'a', 'OUTPUTS', 'x')), 'Number of keys given as INPUTS here does not match model definition');
  });

  it('answers a pipelined TENSORGET with the output of the MODELEXECUTE before it', async () => {
    const replies = await c.pipeline([
      ['AI.TENSORSET', 'p_in', 'FLOAT', 2, 'VALUES', 1, 2],
      ['AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'p_in', 'p_in', 'OUTPUTS', 1, 'p_out'],
      ['AI.TENSORGET', 'p_out', 'VALUES'],
      ['PING'],
    ]);
    assert.deepEqual(replies, ['OK', 'OK', ['2', '4'], 'PONG']);
  });

  it('returns long blobs in MODEL_CHUNK_SIZE chunks, never with an empty trailing chunk (DESIGN.md deviation 3)', async () => {
    assert.equal(await c.call('AI.CONFIG', 'GET', 'MODEL_CHUNK_SIZE'), 535822336);
    assert.equal(await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE', 500), 'OK');
    const chunks = (await bin.call('AI.MODELGET', 'm', 'BLOB')) as Buffer[];
    assert.deepEqual(chunks.map((b) => b.length), [500, 500, PT_MINIMAL.length - 1000]);
    assert.ok(Buffer.concat(chunks).equals(PT_MINIMAL));
    await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE', PT_MINIMAL.length / 2);
    assert.deepEqual(((await bin.call('AI.MODELGET', 'm', 'BLOB')) as Buffer[]).map((b) => b.length), [PT_MINIMAL.length / 2, PT_MINIMAL.length / 2]);
    // A chunk size of 1 would make one chunk per byte: the reply stays at 1024 chunks at most.
    await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE', 1);
    const bounded = (await bin.call('AI.MODELGET', 'm', 'BLOB')) as Buffer[];
    assert.equal(bounded.length, Math.ceil(PT_MINIMAL.length / Math.ceil(PT_MINIMAL.length / 1024)));
    assert.ok(bounded.length <= 1024 && Buffer.concat(bounded).equals(PT_MINIMAL));
    await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE', 535822336);
  });

  it('refuses garbage and truncated blobs with one clean line, and keeps serving', async () => {
    for (const blob of [Buffer.from('junk'), PT_MINIMAL.subarray(0, 700), Buffer.alloc(2000, 0xff)]) {
      const reply = await c.call('AI.MODELSTORE', 'bad', 'TORCH', 'CPU', 'BLOB', blob);
      assert.ok(reply instanceof Error, 'a bad blob is an error');
      assert.doesNotMatch(reply.message, /Exception raised from|frame #|\.cpp|\.cc:/, 'no C++ backtrace or source paths (DESIGN.md deviation 9)');
    }
    assert.equal(message(await c.call('AI.MODELSTORE', 'bad', 'TORCH', 'CPU', 'BLOB', 'junk')), 'istream reader failed: getting the current position.');
    assert.equal(await c.call('EXISTS', 'bad'), 0);
    assert.equal(await c.call('PING'), 'PONG');
  });

  it('reports a failing run as the backend\'s message without a backtrace, and counts the error', async () => {
    await c.call('AI.TENSORSET', 'x3', 'FLOAT', 3, 'VALUES', 1, 2, 3);
    const reply = await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'x3', 'OUTPUTS', 1, 'y');
    assert.match(message(reply), /^The following operation failed in the TorchScript interpreter\..*The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 1/);
    assert.equal(await c.call('EXISTS', 'y'), 0, 'no output is written when the run fails');
    const info = (await c.call('AI.INFO', 'm')) as Parsed[];
    assert.equal(info[info.length - 1], 1);
  });
});

describe('model command errors (spec §14, verbatim)', () => {
  it('AI.MODELSTORE', async () => {
    const store = (...args: Array<string | number | Buffer>) => c.call('AI.MODELSTORE', 'e', ...args);
    assert.equal(message(await c.call('AI.MODELSTORE', 'e', 'TORCH', 'CPU')), "ERR wrong number of arguments for 'AI.MODELSTORE' command");
    assert.equal(message(await c.call('AI.MODELSTORE', 'e', 'TORCH', 'BLOB', PT_MINIMAL)), "ERR wrong number of arguments for 'AI.MODELSTORE' command");
    assert.equal(message(await store('PYTHON', 'CPU', 'BLOB', 'junk')), 'ERR unsupported backend');
    for (const device of ['TPU', 'bad_device', 'CPU::', 'CPU:1.8', 'CPU:123456']) {
      assert.equal(message(await store('TORCH', device, 'BLOB', PT_MINIMAL)), 'ERR Invalid DEVICE', device);
    }
    assert.equal(message(await store('TORCH', 'CPU', 'MINBATCHSIZE', 2, 'BLOB', PT_MINIMAL)), 'ERR MINBATCHSIZE specified without BATCHSIZE');
    assert.equal(message(await store('TORCH', 'CPU', 'BATCHSIZE', 'x', 'BLOB', PT_MINIMAL)), 'ERR Invalid argument for BATCHSIZE');
    assert.equal(message(await store('TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 'x', 'BLOB', PT_MINIMAL)), 'ERR Invalid argument for MINBATCHSIZE');
    assert.equal(message(await store('TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHTIMEOUT', 1000, 'BLOB', PT_MINIMAL)), 'ERR MINBATCHTIMEOUT specified without MINBATCHSIZE');
    assert.equal(message(await store('TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 1, 'MINBATCHTIMEOUT', 'x', 'BLOB', PT_MINIMAL)), 'ERR Invalid argument for MINBATCHTIMEOUT');
    assert.equal(message(await store('TORCH', 'CPU', 'INPUTS', 1, 'a', 'BLOB', PT_MINIMAL)), 'ERR INPUTS argument should not be specified for this backend');
    assert.equal(message(await store('TORCH', 'CPU', 'TAG', 't', 'NOTBLOB', PT_MINIMAL)), 'ERR Invalid argument, expected BLOB');
    assert.equal(message(await store('TORCH', 'CPU', 'TAG', 't', 'BLOB')), 'ERR Insufficient arguments, missing model BLOB');
    assert.equal(message(await store('TORCH', 'CPU', 'TAG', 't', 'BATCHSIZE', 2)), 'ERR Insufficient arguments, missing model BLOB');
    assert.equal(message(await store('TF', 'CPU', 'BLOB', 'x')), 'ERR INPUTS not specified for TF');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 0, 'BLOB', 'x')), 'ERR Invalid argument for input_count');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 3, 'a', 'b')), 'ERR number of model inputs does not match the number of given arguments');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 1, 'a', 'BLOB', 'x')), 'ERR OUTPUTS not specified for TF');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 2, 'a', 'b')), 'ERR OUTPUTS not specified for TF', 'arguments ending after the inputs');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 1, 'a', 'OUTPUTS')), 'ERR Invalid argument for output_count');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 1, 'a', 'OUTPUTS', 'x', 'BLOB')), 'ERR Invalid argument for output_count');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 1, 'a', 'OUTPUTS', 2, 'mul')), 'ERR number of model outputs does not match the number of given arguments');
    assert.equal(message(await store('TF', 'CPU', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'mul')), 'ERR Invalid argument, expected BLOB');
    assert.equal(message(await store('TFLITE', 'CPU', 'BLOB', 'x')), 'Failed to load model from buffer');
    await c.call('AI.TENSORSET', 'tensor_key', 'FLOAT', 1);
    assert.equal(message(await c.call('AI.MODELSTORE', 'tensor_key', 'TORCH', 'CPU', 'BLOB', PT_MINIMAL)), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  it('AI.MODELSET (deprecated)', async () => {
    const set = (...args: Array<string | number | Buffer>) => c.call('AI.MODELSET', 'ms', ...args);
    assert.equal(message(await c.call('AI.MODELSET', 'ms', 'TORCH')), "ERR wrong number of arguments for 'AI.MODELSET' command");
    assert.equal(message(await set('PYTHON', 'CPU', 'BLOB', PT_MINIMAL)), 'ERR unsupported backend');
    assert.equal(message(await set('TORCH', 'BLOB', PT_MINIMAL)), 'ERR Invalid DEVICE');
    assert.equal(message(await set('TORCH', 'CPU_DEVICE_X', 'BLOB', PT_MINIMAL)), 'ERR Invalid DEVICE');
    assert.equal(message(await set('TORCH', 'TPU', 'BLOB', PT_MINIMAL)), 'ERR unsupported device');
    assert.equal(message(await set('TFLITE', 'CPU', 'BATCHSIZE', 2, 'BLOB', 'x')), 'ERR Auto-batching not supported by the TFLITE backend');
    assert.equal(message(await set('TORCH', 'CPU', 'MINBATCHSIZE', 2, 'BLOB', PT_MINIMAL)), 'ERR MINBATCHSIZE specified without BATCHSIZE');
    assert.equal(message(await set('TORCH', 'CPU', 'MINBATCHTIMEOUT', 2, 'BLOB', PT_MINIMAL)), 'ERR MINBATCHTIMEOUT specified without BATCHSIZE');
    assert.equal(message(await set('TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHTIMEOUT', 2, 'BLOB', PT_MINIMAL)), 'ERR MINBATCHTIMEOUT specified without MINBATCHSIZE');
    assert.equal(message(await set('TORCH', 'CPU', 'BATCHSIZE', 2, 'NOT_BLOB')), 'ERR Insufficient arguments, missing model BLOB');
    assert.equal(message(await set('TF', 'CPU', 'BLOB', 'x')), 'ERR Insufficient arguments, INPUTS and OUTPUTS not specified');
    assert.equal(message(await set('TF', 'CPU', 'a', 'BLOB', 'x')), 'ERR INPUTS not specified');
    assert.equal(message(await set('TF', 'CPU', 'INPUTS', 'a', 'BLOB', 'x')), 'ERR OUTPUTS not specified');
    assert.equal(await set('TORCH', 'CPU', 'TAG', 'old', 'INPUTS', 'ignored', 'BLOB', PT_MINIMAL), 'OK');
    const meta = (await c.call('AI.MODELGET', 'ms', 'META')) as Parsed[];
    assert.deepEqual(meta.slice(4, 6), ['tag', 'old']);
    assert.deepEqual(meta.slice(10, 14), ['inputs', ['a', 'b'], 'outputs', ['']]);
  });

  it('AI.MODELGET, AI.MODELDEL, AI._MODELSCAN, AI.INFO', async () => {
    assert.equal(message(await c.call('AI.MODELGET')), "ERR wrong number of arguments for 'AI.MODELGET' command");
    assert.equal(message(await c.call('AI.MODELGET', 'nope')), 'ERR model key is empty');
    assert.equal(message(await c.call('AI.MODELGET', 'a')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.deepEqual(((await c.call('AI.MODELGET', 'm', 'META', 'IGNORED')) as Parsed[]).length, 16);
    assert.equal(message(await c.call('AI.MODELDEL', 'm', 'x')), "ERR wrong number of arguments for 'AI.MODELDEL' command");
    assert.equal(message(await c.call('AI.MODELDEL', 'a')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(message(await c.call('AI._MODELSCAN', 'x')), "ERR wrong number of arguments for 'AI._MODELSCAN' command");
    assert.equal(message(await c.call('AI.INFO', 'a')), 'ERR cannot find run info for key');
    assert.equal(message(await c.call('AI.INFO')), "ERR wrong number of arguments for 'AI.INFO' command");
  });

  it('AI.MODELEXECUTE', async () => {
    const run = (...args: Array<string | number>) => c.call('AI.MODELEXECUTE', 'm', ...args);
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS')), "ERR wrong number of arguments for 'AI.MODELEXECUTE' command");
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 1)), 'ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments');
    assert.equal(message(await run('INPUTS', 'x', 'a', 'OUTPUTS', 1, 'c')), 'ERR Invalid argument for input_count');
    assert.equal(message(await run('INPUTS', 0, 'a', 'OUTPUTS', 1, 'c')), 'ERR Input count must be a positive integer');
    assert.equal(message(await run('INPUTS', 1, 'a', 'OUTPUTS', 1, 'c')), 'Number of keys given as INPUTS here does not match model definition');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 2, 'c', 'd')), 'Number of keys given as OUTPUTS here does not match model definition');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 0, 'c')), 'ERR Output count must be a positive integer');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 'x', 'c')), 'ERR Invalid argument for output_count');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'NOTOUTPUTS', 1, 'c')), 'ERR OUTPUTS not specified');
    assert.equal(message(await run('TIMEOUT', 1000, 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c')), 'ERR INPUTS not specified');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c', 'TIMEOUT', 0)), 'ERR Invalid value for TIMEOUT');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c', 'TIMEOUT')), 'ERR No value provided for TIMEOUT');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c', 'FOO')), 'Invalid argument: FOO');
    assert.equal(message(await run('INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c', 'TIMEOUT', 100, 'BAR')), 'Invalid argument: BAR');
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'nope', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'c')), 'ERR model key is empty');
    await c.call('SET', 'str', 'v');
    assert.equal(message(await run('INPUTS', 2, 'a', 'str', 'OUTPUTS', 1, 'c')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(message(await run('INPUTS', 2, 'a', 'missing', 'OUTPUTS', 1, 'c')), 'ERR tensor key is empty or in a different shard');
  });

  it('a wrong-typed output key fails before anything runs (DESIGN.md deviation 5)', async () => {
    const before = ((await c.call('AI.INFO', 'm')) as Parsed[])[15];
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'str')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await c.call('GET', 'str'), 'v');
    assert.equal(((await c.call('AI.INFO', 'm')) as Parsed[])[15], before, 'the model did not run');
  });

  it('AI.CONFIG', async () => {
    assert.equal(await c.call('AI.CONFIG', 'GET', 'FOO'), null);
    assert.equal(message(await c.call('AI.CONFIG', 'FOO')), 'ERR unsupported subcommand');
    assert.equal(message(await c.call('AI.CONFIG')), "ERR wrong number of arguments for 'AI.CONFIG' command");
    assert.equal(message(await c.call('AI.CONFIG', 'BACKENDSPATH')), 'ERR BACKENDSPATH: missing path argument');
    assert.equal(message(await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE')), 'ERR MODEL_CHUNK_SIZE: missing chunk size');
    assert.equal(message(await c.call('AI.CONFIG', 'MODEL_CHUNK_SIZE', 0)), 'ERR MODEL_CHUNK_SIZE: invalid chunk size');
    assert.equal(message(await c.call('AI.CONFIG', 'LOADBACKEND', 'FOO', 'x.so')), 'ERR unsupported backend');
    assert.equal(message(await c.call('AI.CONFIG', 'LOADBACKEND', 'TORCH', 'x.so')), 'ERR error loading backend');
    assert.equal(message(await c.call('AI.CONFIG', 'LOADBACKEND', 'ONNX', 'nowhere.so')), 'ERR error loading backend');
    const path0 = await c.call('AI.CONFIG', 'GET', 'BACKENDSPATH');
    assert.equal(await c.call('AI.CONFIG', 'BACKENDSPATH', '/tmp/elsewhere'), 'OK');
    assert.equal(await c.call('AI.CONFIG', 'GET', 'BACKENDSPATH'), '/tmp/elsewhere');
    await c.call('AI.CONFIG', 'BACKENDSPATH', path0 as string);
  });

  it('AI.MODELDEL deletes the model and its statistics', async () => {
    assert.equal(await c.call('AI.MODELDEL', 'lc'), 'OK');
    assert.equal(message(await c.call('AI.MODELDEL', 'lc')), 'ERR model key is empty');
    assert.equal(message(await c.call('AI.INFO', 'lc')), 'ERR cannot find run info for key');
  });
});

describe('models from the library', () => {
  it('stores and runs a model with tensors, off the event loop', async () => {
    const engine = new Engine();
    await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: PT_MINIMAL });
    assert.deepEqual(engine.getModel('m').inputs, ['a', 'b']);
    const a = Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT');
    const [sum] = await engine.runModel('m', [a, a]);
    assert.deepEqual(sum.shape, [2, 2]);
    assert.deepEqual(sum.toArray(), [2, 4, 6, 8]);
    await assert.rejects(engine.runModel('nope', [a]), { name: 'StormbreakerError', message: 'ERR model key is empty' });
    await assert.rejects(engine.storeModel('b', { backend: 'TORCH', device: 'CPU', blob: Buffer.from('junk') }), { name: 'StormbreakerError' });
  });
});

describe('TORCH load failures users meet', () => {
  it('refuses a blob of another backend, and names the fix when the backend library is missing', async () => {
    const started = await startServer();
    const client = await RawClient.connect(started.port);
    const onnx = fixture('mnist.onnx');
    const reply = await client.call('AI.MODELSTORE', 'o', 'TORCH', 'CPU', 'BLOB', onnx);
    assert.ok(reply instanceof Error, 'an ONNX file is not a TorchScript model');
    assert.equal(await client.call('PING'), 'PONG');
    await client.close();
    await started.server.close();
    const { startServerProcess } = await import('../helpers/servers');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-nobackends-'));
    const proc = await startServerProcess(['--backendspath', empty]);
    const bare = await RawClient.connect(proc.port);
    assert.equal(message(await bare.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', PT_MINIMAL)),
      `ERR Could not load backend TORCH: ${empty}/libstormbreaker_torch.so not found (install libtorch (Debian's libtorch-dev, or set LIBTORCH); ` +
      `in a project that installed stormbreaker: npx stormbreaker-deps (fetches the libraries and builds what is missing); in a clone of its repository: npm run build:native)`);
    assert.equal(await bare.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1), 'OK', 'every other command keeps working');
    assert.deepEqual(await bare.call('AI.TENSORGET', 't', 'VALUES'), ['1']);
    await bare.close();
    await proc.stop();
    fs.rmSync(empty, { recursive: true });
  });

  it('explains a model saved by a newer PyTorch, and GPU without CUDA', async () => {
    const { run } = await import('../helpers/servers');
    const script = `
import sys, zipfile, io
src = zipfile.ZipFile(sys.argv[1])
out = io.BytesIO()
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
    for n in src.namelist():
        z.writestr(n, b'100\\n' if n.endswith('/version') else src.read(n))
open(sys.argv[2], 'wb').write(out.getvalue())
`;
    const file = path.join(os.tmpdir(), `stormbreaker-newer-${process.pid}.pt`);
    const made = await run('/usr/bin/python3', ['-c', script, fixturePath('pt-minimal.pt'), file]);
    assert.equal(made.code, 0, made.stderr);
    const newer = fs.readFileSync(file);
    fs.unlinkSync(file);
    const started = await startServer();
    const client = await RawClient.connect(started.port);
    const reply = await client.call('AI.MODELSTORE', 'n', 'TORCH', 'CPU', 'BLOB', newer);
    assert.equal(message(reply),
      "the model was saved by a newer PyTorch (file format 100) than this server's libtorch reads (up to 10): save it with an older PyTorch, or run the server with a newer libtorch (LIBTORCH)");
    assert.equal(message(await client.call('AI.MODELSTORE', 'g', 'TORCH', 'GPU', 'BLOB', PT_MINIMAL)), "GPU requested but Torch couldn't find CUDA");
    assert.equal(message(await client.call('AI.MODELSTORE', 'g', 'TORCH', 'GPU:1', 'BLOB', PT_MINIMAL)), "GPU requested but Torch couldn't find CUDA");
    await client.close();
    await started.server.close();
  });
});
