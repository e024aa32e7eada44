// A run's small tensors cross to and from the device thread as bytes, larger ones and strings as
// handles (native/addon/run_tensors.h): both ways must give back exactly what went in.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, it } from '@jest/globals';
import { Engine, Tensor } from '../../src';
import { native, RunTensor, runScratch } from '../../src/native';

const IDENTITY = 'def same(x):\n    return x\n\ndef none_of(x):\n    return x[0:0]\n';

describe('run tensors between JS and a device thread', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = new Engine();
    await engine.storeScript('id', { device: 'CPU', source: IDENTITY, entryPoints: [] });
  });

  it('gives back every dtype TorchScript holds, small (bytes) and large (handles), unchanged', async () => {
    const cases: Array<[string, Tensor]> = [
      ['FLOAT', Tensor.from(new Float32Array([1.5, -2, 3.25]), [3])],
      ['DOUBLE', Tensor.from(new Float64Array([Math.PI, -0]), [1, 2])],
      ['INT8', Tensor.from(new Int8Array([-128, 127]), [2])],
      ['INT16', Tensor.from(new Int16Array([-32768, 32767]), [2])],
      ['INT32', Tensor.from(new Int32Array([-(2 ** 31), 2 ** 31 - 1]), [2])],
      ['INT64', Tensor.from(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]), [2])],
      ['UINT8', Tensor.from(new Uint8Array([0, 255]), [2])],
      ['BOOL', Tensor.from(Buffer.from([1, 0, 1]), [3], 'BOOL')],
      ['over the inline limit', Tensor.from(new Float32Array(4096).map((_, i) => i), [4, 1024])],
    ];
    for (const [what, input] of cases) {
      const [output] = await engine.runScript('id', 'same', [input]);
      assert.equal(output.dtype, input.dtype, what);
      assert.deepEqual(output.shape, input.shape, what);
      assert.deepEqual(Buffer.from(output.bytes), Buffer.from(input.bytes), what);
    }
    const [empty] = await engine.runScript('id', 'none_of', [Tensor.from(new Float32Array(8), [2, 4])]);
    assert.deepEqual([empty.dtype, empty.shape, empty.byteLength], ['FLOAT', [0, 4], 0], 'an empty output');
  });

  it('a kept-bytes input crosses as bytes in its first run, even twice in it, and borrows one native tensor from the next run on', async () => {
    const t = Tensor.fromBlob('FLOAT', [2], Buffer.from(new Float32Array([1.5, -2]).buffer));
    const first = Tensor.runInputs([t, t]);
    assert.ok(first.every((x) => x instanceof Uint8Array), 'both inputs of the first run are bytes');
    const second = Tensor.runInputs([t, t]);
    assert.ok(second.every((x) => !(x instanceof Uint8Array)), 'the next run borrows a handle');
    assert.equal(second[0], second[1], 'one native tensor for both');
    assert.equal(Tensor.runInputs([t])[0], second[0], 'made once');
    // And the runs see the same values either way.
    await engine.storeScript('sum', { device: 'CPU', source: 'def add(a, b):\n    return a + b\n', entryPoints: [] });
    for (let i = 0; i < 2; i++) {
      const [y] = await engine.runScript('sum', 'add', [t, t]);
      assert.deepEqual(Array.from(y.data as Float32Array), [3, -4]);
    }
  });

  it('a BOOL output (a handle) feeds another run', async () => {
    await engine.storeScript('b', { device: 'CPU', source: 'def positive(x):\n    return x > 0\n\ndef invert(b):\n    return ~b\n', entryPoints: [] });
    const [mask] = await engine.runScript('b', 'positive', [Tensor.from(new Float32Array([1, -1, 2]), [3])]);
    assert.equal(mask.dtype, 'BOOL');
    const [inverted] = await engine.runScript('b', 'invert', [mask]);
    assert.deepEqual(Array.from(inverted.bytes), [0, 1, 0]);
  });

  it('outputs that came back as bytes stay distinct tensors when many runs end together', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => Tensor.from(new Float32Array([i, i + 0.5]), [2]));
    const outputs = await Promise.all(inputs.map((t) => engine.runScript('id', 'same', [t])));
    outputs.forEach(([y], i) => assert.deepEqual(Array.from(y.data as Float32Array), [i, i + 0.5]));
  });

  it('refuses a malformed inline input with a TypeError, holding nothing', async () => {
    const blob = fs.readFileSync(path.join(__dirname, '../fixtures/redisai/pt-minimal.pt'));
    await native.loadBackend('TORCH', null);
    const queue = { threads: 1, limit: 0 };
    const model = await native.modelCreate('TORCH', blob, 'CPU', queue, {
      batchsize: 0, minbatchsize: 0, minbatchtimeout: 0, intraOpThreads: 0, interOpThreads: 0, executionTimeoutMs: 0,
      memoryLimitBytes: 0, inputs: [], outputs: [],
    });
    // A byte input's header ([dtypeCode, rank, dim…]) is the next one in the run scratch.
    const good = new Uint8Array(new Float32Array([1, 2]).buffer);
    const GOOD_HEADER = [0, 1, 2];
    const REFUSED = /a run input is a tensor handle, or bytes with their dtype and shape in the run scratch/;
    const bad: Array<[string, number[], Uint8Array]> = [
      ['bytes shorter than the shape', [0, 1, 3], new Uint8Array(8)],
      ['a product that would overflow', [0, 2, 2 ** 40, 2 ** 40], new Uint8Array(8)],
      ['one even if a later dim is 0', [0, 3, 2 ** 52, 2 ** 52, 0], new Uint8Array(0)],
      ['more dims than a tensor may have', [0, 65, ...new Array(65).fill(1)], new Uint8Array(4)],
      ['not a whole dimension', [0, 1, 1.5], new Uint8Array(4)],
      ['not a whole rank', [0, 1.5, 1], new Uint8Array(4)],
      ['BOOL never crosses as bytes', [8, 1, 1], new Uint8Array(1)],
      ['no such dtype', [99, 1, 1], new Uint8Array(4)],
    ];
    for (const [what, header, bytes] of bad) {
      runScratch.set([...GOOD_HEADER, ...header], 0);
      const attempt = async () => native.modelRun(model, queue.limit, [good, bytes], 0);
      await assert.rejects(attempt, REFUSED, what);
    }
    // More byte inputs than the scratch has headers for: the one past its end is refused.
    const fitting = Math.floor(runScratch.length / GOOD_HEADER.length);
    for (let i = 0; i < fitting; i++) runScratch.set(GOOD_HEADER, i * GOOD_HEADER.length);
    await assert.rejects(async () => native.modelRun(model, queue.limit, new Array(fitting + 1).fill(good), 0), REFUSED, 'past the scratch');
    runScratch.set([...GOOD_HEADER, ...GOOD_HEADER], 0);
    const result = await native.modelRun(model, queue.limit, [good, good], 0);
    const [sum] = result.slice(1).map((output) => Tensor.fromRun(output as RunTensor));
    assert.deepEqual(Array.from(sum.data as Float32Array), [2, 4], 'the model still runs');
  });
});
