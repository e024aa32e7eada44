// The TFLITE backend (spec §4, §10.6) with RedisAI's quantized MNIST and a model converted from
// Keras at test time.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { run, startServerProcess } from '../helpers/servers';
import { tfliteSumModel } from '../helpers/tfModels';
import { fixture, fixturePath } from '../helpers/fixtures';

const MNIST = fixture('mnist_model_quant.tflite');
const ONE = fixture('one.raw');

// A server process of its own: TFLite's C library prints its own complaint about a broken model
// to the process's stderr (its C API takes no error reporter for that), which the process keeps.
let stop: () => Promise<void>;
let port: number;
let c: RawClient;
let c2: RawClient;

beforeAll(async () => {
  ({ port, stop } = await startServerProcess());
  [c, c2] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
});
afterAll(async () => {
  await Promise.all([c.close(), c2.close()]);
  await stop();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

describe('TFLITE models', () => {
  it('loads the backend on first use and names inputs and outputs as the interpreter does', async () => {
    assert.doesNotMatch(String(await c.call('INFO', 'MODULES')), /ai_TensorFlowLite_version/);
    assert.equal(await c.call('AI.MODELSTORE', 'mnist', 'TFLITE', 'CPU', 'BLOB', MNIST), 'OK');
    assert.match(String(await c.call('INFO', 'MODULES')), /ai_TensorFlowLite_version:\d+\.\d+\.\d+\r\n/);
    const meta = (await c.call('AI.MODELGET', 'mnist', 'META')) as Parsed[];
    assert.deepEqual(meta.slice(10, 14), ['inputs', ['Placeholder'], 'outputs', ['ArgMax', 'Softmax']]);
  });

  it('reads one.raw as a 1 whatever shape it is sent in: the input tensor is resized', async () => {
    for (const shape of [[1, 28, 28], [1, 1, 28, 28], [784]]) {
      await c.call('AI.TENSORSET', 'one', 'FLOAT', ...shape, 'BLOB', ONE);
      assert.equal(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'one', 'OUTPUTS', 2, 'digit', 'scores'), 'OK', `shape ${shape}`);
      assert.deepEqual(await c.call('AI.TENSORGET', 'digit', 'META', 'VALUES'), ['dtype', 'INT64', 'shape', [1], 'values', [1]]);
      const scores = ((await c.call('AI.TENSORGET', 'scores', 'VALUES')) as string[]).map(Number);
      assert.equal(scores.indexOf(Math.max(...scores)), 1);
    }
  });

  it('gives the spec\'s errors: dtype, input count, garbage, GPU, MODELSET batching', async () => {
    await c.call('AI.TENSORSET', 'ints', 'INT32', 1, 28, 28, 'BLOB', Buffer.alloc(784 * 4));
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'ints', 'OUTPUTS', 2, 'x', 'y')),
      'Input tensor type doesn\'t match the type expected by the model definition');
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 2, 'one', 'one', 'OUTPUTS', 2, 'x', 'y')),
      'Number of keys given as INPUTS here does not match model definition');
    assert.equal(message(await c.call('AI.MODELSTORE', 'bad', 'TFLITE', 'CPU', 'BLOB', 'garbage')), 'Failed to load model from buffer');
    assert.equal(message(await c.call('AI.MODELSTORE', 'bad', 'TFLITE', 'GPU', 'BLOB', MNIST)), 'Failed to set GPU delegate');
    assert.equal(message(await c.call('AI.MODELSET', 'bad', 'TFLITE', 'CPU', 'BATCHSIZE', 2, 'BLOB', MNIST)),
      'ERR Auto-batching not supported by the TFLITE backend');
    const stats = (await c.call('AI.INFO', 'mnist')) as Parsed[];
    assert.equal(stats[stats.indexOf('errors') + 1], 1);
  });

  it('refuses an input the model cannot be resized to, every time, and then runs a good one', async () => {
    // A resize the interpreter accepts but cannot plan: the second identical request must not
    // skip the allocation because the input's dims already match (that copied past the buffer).
    await c.call('AI.TENSORSET', 'huge', 'FLOAT', 1, 290, 290, 'BLOB', Buffer.alloc(290 * 290 * 4));
    for (let i = 0; i < 2; i++) {
      const reply = await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'huge', 'OUTPUTS', 2, 'x', 'y');
      assert.ok(reply instanceof Error, `attempt ${i + 1}: ${JSON.stringify(reply)}`);
    }
    await c.call('AI.TENSORSET', 'one', 'FLOAT', 1, 28, 28, 'BLOB', ONE);
    assert.equal(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'one', 'OUTPUTS', 2, 'digit', 'scores'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'digit', 'VALUES'), [1]);
  });

  it('never crashes on garbage: every kind of wrong blob is refused and the backend still runs', async () => {
    const garbage = [
      Buffer.alloc(64), Buffer.alloc(4096, 0xff), MNIST.subarray(0, MNIST.length >> 1), MNIST.subarray(0, 64),
      fixture('graph.pb'), fixture('mnist.onnx'), fixture('pt-minimal.pt'),
      Buffer.concat([MNIST.subarray(0, 8), Buffer.alloc(1024, 0x7f)]),
    ];
    for (const blob of garbage) {
      const reply = await c.call('AI.MODELSTORE', 'junk', 'TFLITE', 'CPU', 'BLOB', blob);
      assert.ok(reply instanceof Error, `refused a ${blob.length}-byte blob`);
    }
    assert.equal(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'one', 'OUTPUTS', 2, 'digit', 'scores'), 'OK');
  });

  it('runs a model converted from Keras at test time, alone and autobatched (MODELSTORE allows BATCHSIZE)', async () => {
    const model = await tfliteSumModel();
    await c.call('AI.MODELSTORE', 'sum', 'TFLITE', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', model);
    await c.call('AI.TENSORSET', 'x1', 'FLOAT', 1, 4, 'VALUES', 1, 2, 3, 4);
    await c2.call('AI.TENSORSET', 'x2', 'FLOAT', 1, 4, 'VALUES', 10, 20, 30, 40);
    const replies = await Promise.all([
      c.call('AI.MODELEXECUTE', 'sum', 'INPUTS', 1, 'x1', 'OUTPUTS', 1, 'y1'),
      c2.call('AI.MODELEXECUTE', 'sum', 'INPUTS', 1, 'x2', 'OUTPUTS', 1, 'y2'),
    ]);
    assert.deepEqual(replies, ['OK', 'OK']);
    assert.deepEqual(await c.call('AI.TENSORGET', 'y1', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [1, 2], 'values', ['10', '11']]);
    assert.deepEqual(await c.call('AI.TENSORGET', 'y2', 'VALUES'), ['100', '101']);
    assert.match(String(await c.call('INFO', 'MODULES')), /ai_queue_CPU_batches:1\r\n/);
    // Three rows at once, alone: the interpreter resizes from the model's [1, 4].
    await c.call('AI.MODELSTORE', 'sum_alone', 'TFLITE', 'CPU', 'BLOB', model);
    await c.call('AI.TENSORSET', 'x3', 'FLOAT', 3, 4, 'VALUES', 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0);
    assert.equal(await c.call('AI.MODELEXECUTE', 'sum_alone', 'INPUTS', 1, 'x3', 'OUTPUTS', 1, 'y3'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'y3', 'VALUES'), ['4', '5', '8', '9', '0', '1']);
  });

  it('redis-py runs the quantized MNIST', async () => {
    const script = `
import sys, numpy as np, redis
r = redis.Redis(port=int(sys.argv[1]))
r.execute_command('AI.MODELSTORE', 'py_mnist', 'TFLITE', 'CPU', 'BLOB', open(sys.argv[2], 'rb').read())
r.execute_command('AI.TENSORSET', 'py_one', 'FLOAT', 1, 28, 28, 'BLOB', np.fromfile(sys.argv[3], dtype=np.float32).tobytes())
r.execute_command('AI.MODELEXECUTE', 'py_mnist', 'INPUTS', 1, 'py_one', 'OUTPUTS', 2, 'py_digit', 'py_scores')
print(r.execute_command('AI.TENSORGET', 'py_digit', 'VALUES')[0])
`;
    const result = await run('/usr/bin/python3', ['-c', script, String(port), fixturePath('mnist_model_quant.tflite'), fixturePath('one.raw')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '1');
  });
});
