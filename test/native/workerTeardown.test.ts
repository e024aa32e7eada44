// A Worker that loaded the addon can be terminated while its runs are still on a device thread:
// those runs finish after the Worker's environment is gone, and must not call into it.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { Engine, Tensor } from '../../src';
import { native } from '../../src/native';
import { ROOT } from '../helpers/servers';
import { slowModel } from '../helpers/torchModels';

const DEVICE = 'CPU:9'; // a queue of its own, so its emptying is what this test waits for

describe('worker threads', () => {
  it('survives a Worker terminated with model runs in flight, and keeps serving', async () => {
    const blob = await slowModel();
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const { Engine, Tensor } = require(workerData.library);
      (async () => {
        const engine = new Engine();
        await engine.storeModel('slow', { backend: 'TORCH', device: '${DEVICE}', blob: Buffer.from(workerData.blob) });
        const x = Tensor.fromArray([1], 'FLOAT');
        const rounds = Tensor.fromArray([100], 'INT64');
        for (let i = 0; i < 4; i++) engine.runModel('slow', [x, rounds]).catch(() => undefined);
        parentPort.postMessage('running');
      })();
    `, { eval: true, workerData: { library: path.join(ROOT, 'dist', 'src'), blob } });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    // The runs end on their device thread with nobody left to tell.
    const busy = () => native.queueStats().some((q) => q.device === DEVICE && q.pending + q.running > 0);
    while (busy()) await new Promise((r) => setTimeout(r, 20));

    const engine = new Engine();
    await engine.storeModel('again', { backend: 'TORCH', device: DEVICE, blob });
    const [y] = await engine.runModel('again', [Tensor.fromArray([5], 'FLOAT'), Tensor.fromArray([1], 'INT64')]);
    assert.deepEqual(Array.from(y.data as Float32Array), [5]);
  });
});
