// Inputs found in review that once could crash the server or grow it without bound.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it } from '@jest/globals';
import { encodeCommand, Parsed, RawClient } from '../helpers/RawClient';
import { ROOT, startServerProcess, toolEnv } from '../helpers/servers';
import { fileReadingModel, fileWritingModel, moduleListModel, slowModel } from '../helpers/torchModels';
import { tfReadFileGraph, tfWriteInFunctionGraph } from '../helpers/tfModels';
import { fixture, fixturePath } from '../helpers/fixtures';

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const SOURCE = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0][0:0]\n';

/** Sends `*count` then empty arguments as fast as the server reads them, until it closes the connection. */
function floodEmptyArguments(port: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunk = Buffer.from('$0\r\n\r\n'.repeat(100_000));
    let sent = 0;
    const pump = () => {
      while (sent < count && !socket.destroyed) {
        sent += 100_000;
        if (!socket.write(chunk)) return socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      socket.write(`*${count}\r\n`);
      pump();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(sent));
  });
}

const ENTRY = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    x = tensors[0]\n    return ';
const NESTED = 'brackets and unary operators nested more than 200 deep at line 3';

/** pt-minimal.pt with `from` replaced by `to` in its TorchScript code (code/__torch__.py). */
async function modelWithCode(from: string, to: string): Promise<Buffer> {
  const script = `
import io, sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
out = io.BytesIO()
with zipfile.ZipFile(out, 'w') as z:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith('/code/__torch__.py'):
            data = data.replace(sys.argv[2].encode(), sys.argv[3].encode())
        z.writestr(info, data)
sys.stdout.buffer.write(out.getvalue())`;
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script, fixturePath('pt-minimal.pt'), from, to], { env: toolEnv() });
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(parts)) : reject(new Error(`python exited with ${code}`))));
  });
}

/** pt-minimal.pt with its forward's `return` expression wrapped in `depth` parentheses. */
const deeplyNestedModel = (depth: number) => modelWithCode('return torch.add(a, b, alpha=1)',
  'return ' + '('.repeat(depth) + 'torch.add(a, b, alpha=1)' + ')'.repeat(depth));

describe('hardening', () => {
  it('refuses TorchScript nested past the bounds before it reaches the compiler, and compiles what is within them', async () => {
    // Each of these once overflowed a device thread's stack inside libtorch's compiler (SIGSEGV).
    const { port, stop, child } = await startServerProcess();
    const c = await RawClient.connect(port);
    const store = async (source: string) => c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source);
    const refused = [
      ['3,000 nested [', ENTRY + '['.repeat(3000) + 'x' + ']'.repeat(3000) + '\n', NESTED],
      ['5,369 nested (', ENTRY + '('.repeat(5369) + 'x' + ')'.repeat(5369) + '\n', NESTED],
      ['5,369 unary -', ENTRY + '-'.repeat(5369) + 'x\n', NESTED],
      ['11,812 not', ENTRY + 'not '.repeat(11812) + 'True\n', NESTED],
      ['unary - inside brackets', ENTRY + '('.repeat(150) + '-'.repeat(60) + 'x' + ')'.repeat(150) + '\n', NESTED],
      ['a flat chain of 9,078 + terms', ENTRY + Array(9078).fill('x').join(' + ') + '\n', 'more than 1000 operators in one statement at line 3'],
      ['5,000 chained calls', ENTRY + 'x' + '.abs()'.repeat(5000) + '\n', 'more than 1000 operators in one statement at line 3'],
    ];
    for (const [what, source, reason] of refused) {
      assert.equal(message(await store(source)), `script refused: ${reason}`, what);
    }
    const elifs = Array.from({ length: 1001 }, (_, i) => `    elif args[0] == '${i}':\n        x = x + ${i}\n`).join('');
    assert.equal(message(await store(`${ENTRY}x\n    if args[0] == 'a':\n        x = x * 2\n${elifs}`.replace('    return x\n', ''))),
      'script refused: more than 1000 elif branches at line 2005');
    // Within the bounds, on a device thread's stack: 199 brackets, 199 unary operators, 999 operators in a statement.
    for (const source of [
      ENTRY + '('.repeat(199) + 'x' + ')'.repeat(199) + '\n',
      ENTRY + '-'.repeat(199) + 'x\n',
      ENTRY + '('.repeat(150) + Array(800).fill('x').join(' + ') + ')'.repeat(150) + '\n',
      '# a comment ((((( and a string are not code\n' + ENTRY + "x if '" + '('.repeat(5000) + "' == '' else x\n",
    ]) {
      assert.equal(await store(source), 'OK', source.slice(0, 120));
    }
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'b'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'b', 'VALUES'), ['1', '2']);
    // A model archive's code is held to the same bounds (its code is compiled when it loads).
    assert.equal(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await deeplyNestedModel(20000))),
      'model code code/__torch__.py refused: brackets and unary operators nested more than 200 deep at line 8');
    assert.equal(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await deeplyNestedModel(190)), 'OK');
    assert.equal(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'sum'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'sum', 'VALUES'), ['2', '4']);
    assert.equal(child.exitCode, null, 'the server is still running');
    await c.close();
    await stop();
  });

  it('closes clients whose empty arguments would exhaust the heap together, each under its own limit, and keeps serving', async () => {
    // The reported attack: six clients, each *8000001 and then empty arguments (about 288 MB in
    // all). Each stays under client-query-buffer-limit; together they once ran the heap out.
    const { port, stop, child, output } = await startServerProcess();
    const sent = await Promise.all(Array.from({ length: 6 }, () => floodEmptyArguments(port, 8_000_001)));
    assert.equal(child.exitCode, null, 'the server is still running');
    assert.ok(sent.every((n) => n < 8_000_001), `every flood was cut short by the server: ${sent}`);
    const c = await RawClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('ECHO', 'still here'), 'still here');
    assert.match(output(), /Closing client that reached max query buffer length: addr=127\.0\.0\.1:\d+ \((total )?query buffer limit/);
    await c.close();
    await stop();
  });

  it('bounds the number of device queues a client can make, and keeps serving', async () => {
    const { port, stop, child } = await startServerProcess();
    const c = await RawClient.connect(port);
    const replies = await c.pipeline(Array.from({ length: 80 }, (_, i) => ['AI.SCRIPTSET', `s${i}`, `CPU${i}`, 'SOURCE', SOURCE]));
    assert.ok(replies.slice(0, 60).every((r) => r === 'OK'));
    assert.equal(message(replies[79]), 'ERR Could not initialize queue on requested device');
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(child.exitCode, null);
    await c.close();
    await stop();
  });

  it('replies an empty tensor a model or script produced', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port, { returnBuffers: true });
    await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', SOURCE);
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.deepEqual(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'e'), Buffer.from('OK'));
    assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'BLOB'), Buffer.alloc(0));
    assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'VALUES'), []);
    await c.close();
    await stop();
  });

  it('answers the requests before a protocol error that arrives while the client is blocked', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel());
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'rounds', 'INT64', 'VALUES', 300);
    const bytes = Buffer.concat([
      encodeCommand(['AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'rounds', 'OUTPUTS', 1, 'y']),
      encodeCommand(['SET', 'after', 'yes']),
      Buffer.from('*abc\r\n'),
    ]);
    const reply = (await c.raw(bytes, 100)).toString();
    assert.equal(reply, '+OK\r\n+OK\r\n-ERR Protocol error: invalid multibulk length\r\n');
    const d = await RawClient.connect(port);
    assert.equal(await d.call('GET', 'after'), 'yes');
    await d.close();
    await stop();
  });

  it('refuses a tensor of more than 64 dimensions with a normal error, not an internal one', async () => {
    const { port, stop, output } = await startServerProcess();
    const c = await RawClient.connect(port);
    assert.equal(message(await c.call('AI.TENSORSET', 't', 'FLOAT', ...Array(65).fill(1))), 'ERR a tensor has at most 64 dimensions');
    assert.equal(await c.call('AI.TENSORSET', 't', 'FLOAT', ...Array(64).fill(1)), 'OK');
    assert.doesNotMatch(output(), /internal error|    at /, 'no stack trace in the log');
    await c.close();
    await stop();
  });

  it('loads backends only from the backends path fixed at start-up, never from scripts, unless told otherwise', async () => {
    const trusted = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-trusted-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-outside-'));
    const torch = path.join(ROOT, 'build', 'Release', 'libstormbreaker_torch.so');
    fs.copyFileSync(torch, path.join(trusted, 'libstormbreaker_torch.so'));
    fs.copyFileSync(torch, path.join(outside, 'evil.so'));
    fs.symlinkSync(path.join(outside, 'evil.so'), path.join(trusted, 'link.so'));
    const outsideError = (file: string) => `AI.CONFIG LOADBACKEND TORCH: ERR Could not load backend TORCH: ${file} is outside the backends path ` +
      `fixed at start-up (${trusted}); start the server with --enable-loadbackend-any-path yes to allow it`;

    const guarded = await startServerProcess(['--backendspath', trusted]);
    const c = await RawClient.connect(guarded.port);
    for (const file of [path.join(outside, 'evil.so'), 'link.so', '../' + path.basename(outside) + '/evil.so']) {
      assert.equal(message(await c.call('AI.CONFIG', 'LOADBACKEND', 'TORCH', file)), 'ERR error loading backend', file);
    }
    assert.ok(guarded.output().includes(outsideError(path.join(outside, 'evil.so'))), guarded.output());
    // A BACKENDSPATH changed at run time is not trusted either.
    assert.equal(await c.call('AI.CONFIG', 'BACKENDSPATH', outside), 'OK');
    fs.copyFileSync(torch, path.join(outside, 'libstormbreaker_torch.so'));
    assert.match(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'))), /is outside the backends path fixed at start-up/);
    // Scripts may not load backends (nor change any setting).
    assert.equal(await c.call('AI.CONFIG', 'BACKENDSPATH', trusted), 'OK');
    assert.equal(await c.call('AI.CONFIG', 'LOADBACKEND', 'TORCH', 'libstormbreaker_torch.so'), 'OK', 'the trusted path loads');
    const source = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n' +
      '    redis.execute("AI.CONFIG", "LOADBACKEND", "ONNX", args[0])\n    return tensors[0]\n';
    assert.equal(await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source), 'OK');
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 1, 'VALUES', 1);
    assert.match(message(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a', 'ARGS', 1, path.join(outside, 'evil.so'), 'OUTPUTS', 1, 'b')),
      /This Redis command is not allowed from script/);
    await c.close();
    await guarded.stop();

    const open = await startServerProcess(['--backendspath', trusted, '--enable-loadbackend-any-path', 'yes']);
    const d = await RawClient.connect(open.port);
    assert.equal(await d.call('AI.CONFIG', 'LOADBACKEND', 'TORCH', path.join(outside, 'evil.so')), 'OK', 'allowed when the switch is on');
    await d.close();
    await open.stop();
  });

  it('refuses TF graphs with ops that reach the file system, wherever they hide, unless allowed', async () => {
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-secret-')), 'secret.txt');
    fs.writeFileSync(secret, 'the server\'s secret');
    const guarded = await startServerProcess();
    const c = await RawClient.connect(guarded.port);
    const store = async (key: string, blob: Buffer, inputs: string[], outputs: string[]) =>
      c.call('AI.MODELSTORE', key, 'TF', 'CPU', 'INPUTS', inputs.length, ...inputs, 'OUTPUTS', outputs.length, ...outputs, 'BLOB', blob);
    assert.equal(message(await store('r', await tfReadFileGraph(), ['path'], ['contents'])),
      "ERR TF graph node 'contents' is a ReadFile op, which reaches the file system, the network or a process: " +
      'refused (start the server with --enable-tf-io-ops yes to allow it)');
    assert.match(message(await store('w', await tfWriteInFunctionGraph(), ['path', 'data'], ['written'])),
      /^ERR TF graph node '.*' \(in a function\) is a WriteFile op, which reaches the file system/);
    // A graph hidden behind protobuf groups nested past what the check reads is refused, not let through.
    const deepGroups = Buffer.concat([Buffer.from(Array(40).fill(0x1b)), Buffer.from(Array(40).fill(0x1c)), await tfReadFileGraph()]);
    assert.equal(message(await store('g', deepGroups, ['path'], ['contents'])), 'Invalid GraphDef');
    assert.equal(await store('ok', fixture('graph.pb'), ['a', 'b'], ['mul']), 'OK', 'ordinary graphs still load');
    await c.close();
    await guarded.stop();

    const open = await startServerProcess(['--enable-tf-io-ops', 'yes']);
    const d = await RawClient.connect(open.port);
    assert.equal(await d.call('AI.MODELSTORE', 'r', 'TF', 'CPU', 'INPUTS', 1, 'path', 'OUTPUTS', 1, 'contents', 'BLOB', await tfReadFileGraph()), 'OK');
    assert.equal(await d.call('AI.TENSORSET', 'p', 'STRING', 'VALUES', secret), 'OK');
    assert.equal(await d.call('AI.MODELEXECUTE', 'r', 'INPUTS', 1, 'p', 'OUTPUTS', 1, 'out'), 'OK', 'what the switch allows really runs');
    assert.deepEqual(await d.call('AI.TENSORGET', 'out', 'VALUES'), ['the server\'s secret']);
    await d.close();
    await open.stop();
  });

  it('refuses TorchScript scripts and models that call file operations, unless allowed', async () => {
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-written-')), 'dump.sbdb');
    const source = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n' +
      '    if len(args) > 0:\n        torch.save(tensors[0], args[0])\n    return tensors[0]\n';
    const guarded = await startServerProcess();
    const c = await RawClient.connect(guarded.port);
    assert.equal(message(await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source)),
      'script refused: f calls torch.save (aten::save), which reaches the file system (start the server with --enable-torchscript-file-ops yes to allow it)');
    assert.match(message(await c.call('AI.SCRIPTSET', 's', 'CPU', 'SOURCE', source)), /^script refused: f calls torch\.save/);
    assert.equal(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await fileWritingModel())),
      'model refused: dump calls torch.save (aten::save), which reaches the file system (start the server with --enable-torchscript-file-ops yes to allow it)');
    assert.match(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await fileReadingModel())),
      /^model refused: forward calls torch\.from_file \(aten::from_file\)/);
    assert.equal(await c.call('EXISTS', 's', 'm'), 0);
    await c.close();
    await guarded.stop();

    const open = await startServerProcess(['--enable-torchscript-file-ops', 'yes']);
    const d = await RawClient.connect(open.port);
    assert.equal(await d.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source), 'OK');
    await d.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.equal(await d.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a', 'ARGS', 1, target, 'OUTPUTS', 1, 'b'), 'OK');
    assert.ok(fs.existsSync(target), 'what the switch allows really runs');
    await d.close();
    await open.stop();
  });

  it('answers TIMEDOUT at the deadline a request waits past, even while every device thread is busy', async () => {
    const { port, stop } = await startServerProcess(['--model-execution-timeout', '120000']); // the slow run is not stopped
    const busy = await RawClient.connect(port);
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel());
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', SOURCE);
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'rounds', 'INT64', 'VALUES', 3000); // seconds of work on the one CPU thread
    const order: string[] = [];
    const long = busy.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'rounds', 'OUTPUTS', 1, 'y').then((r) => (order.push('slow'), r));
    await new Promise((r) => setTimeout(r, 100)); // the slow run has the thread
    const d = await RawClient.connect(port);
    assert.match(String(await d.call('INFO', 'clients')), /blocked_clients:1\r\n/, 'the client waiting for the slow run is blocked');
    const [model, script] = await Promise.all([
      c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'z', 'TIMEOUT', 200).then((r) => (order.push('model'), r)),
      d.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'w', 'TIMEOUT', 200).then((r) => (order.push('script'), r)),
    ]);
    assert.equal(model, 'TIMEDOUT');
    assert.equal(script, 'TIMEDOUT');
    assert.deepEqual([...order].sort(), ['model', 'script'], 'both were answered while the slow run still held the thread');
    assert.equal(await long, 'OK');
    assert.equal(await c.call('EXISTS', 'z', 'w'), 0, 'nothing ran for them');
    await Promise.all([busy.close(), c.close(), d.close()]);
    await stop();
  });

  it('stops TorchScript scripts and models that run past MODEL_EXECUTION_TIMEOUT, and their queue serves again', async () => {
    const { port, stop } = await startServerProcess(['--model-execution-timeout', '1000']);
    const c = await RawClient.connect(port);
    const spinning = 'def spin(tensors: List[Tensor], keys: List[str], args: List[str]):\n' +
      '    i = 0\n    while i >= 0:\n        i = i + 1\n    return tensors[0]\n';
    assert.equal(await c.call('AI.SCRIPTSTORE', 'spin', 'CPU', 'ENTRY_POINTS', 1, 'spin', 'SOURCE', spinning), 'OK');
    assert.equal(await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', SOURCE), 'OK');
    assert.equal(await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel()), 'OK');
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'forever', 'INT64', 'VALUES', 1_000_000_000);

    const script = await c.call('AI.SCRIPTEXECUTE', 'spin', 'spin', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'y');
    assert.match(message(script), /^script run stopped: it ran longer than MODEL_EXECUTION_TIMEOUT \(1000 ms\)$/);
    const model = await c.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'forever', 'OUTPUTS', 1, 'y');
    assert.match(message(model), /^model run stopped: it ran longer than MODEL_EXECUTION_TIMEOUT \(1000 ms\)$/);
    // Inside a DAG the stopped op's reply is its error, and nothing is persisted.
    const dag = await c.call('AI.DAGEXECUTE', 'LOAD', 1, 'x', 'PERSIST', 1, 'y', '|>',
      'AI.SCRIPTEXECUTE', 'spin', 'spin', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'y');
    assert.ok(Array.isArray(dag));
    assert.match(message(dag[0]), /^script run stopped/);
    assert.equal(await c.call('EXISTS', 'y'), 0);
    // The CPU queue's thread is free again: a short script and the model with a few rounds run.
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'w'), 'OK');
    await c.call('AI.TENSORSET', 'few', 'INT64', 'VALUES', 2);
    assert.equal(await c.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'few', 'OUTPUTS', 1, 'z'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'z', 'VALUES'), ['1', '2']);
    const info = String(await c.call('AI.INFO', 'spin'));
    assert.match(info, /calls,2,errors,2$/, 'both stopped runs count as errors of the script');
    await c.close();
    await stop();
  });

  it('refuses a model archive whose class body libtorch would crash importing (found by the blob fuzzer)', async () => {
    const { port, stop, child } = await startServerProcess();
    const c = await RawClient.connect(port);
    assert.equal(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await modelWithCode('__parameters__', '__paramlaers__'))),
      "model code code/__torch__.py refused: class attribute '__paramlaers__' at line 3 has a value but no type (a damaged model archive)");
    assert.equal(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    // A ModuleList's children are written as \`__annotations__["0"] = T\`: typed, and kept (EfficientNet has them).
    assert.equal(await c.call('AI.MODELSTORE', 'list', 'TORCH', 'CPU', 'BLOB', await moduleListModel()), 'OK');
    assert.equal(child.exitCode, null);
    await c.close();
    await stop();
  });

  it('refuses a model archive whose pickle would corrupt libtorch\'s heap (found by the blob fuzzer under ASan)', async () => {
    const { port, stop, child } = await startServerProcess();
    const c = await RawClient.connect(port);
    // One flipped bit in data.pkl (stored uncompressed): EMPTY_TUPLE ')' becomes MARK '(' before NEWOBJ,
    // which then pops from an empty stack; libtorch's unpickler freed a bad pointer ("free(): invalid size").
    const blob = Buffer.from(fixture('pt-minimal.pt'));
    const at = blob.indexOf(Buffer.from('MyModule\nq\x00)\x81', 'latin1'));
    assert.ok(at > 0);
    blob[at + 11] = '('.charCodeAt(0);
    assert.equal(message(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', blob)),
      'model data.pkl refused: a damaged pickle (an opcode that needs 2 objects where 0 are at byte 25)');
    assert.equal(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.equal(child.exitCode, null);
    await c.close();
    await stop();
  });

  it('refuses a proto-max-bulk-len no Buffer can hold', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    assert.match(message(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '100gb')), /^ERR CONFIG SET failed \(possibly related to argument 'proto-max-bulk-len'\) - argument must be between 1 and \d+ inclusive$/);
    await c.close();
    await stop();
  });
});
