// The GPU check (scripts/gpu-check.sh builds against a CUDA libtorch and runs
// dist/scripts/gpu-check.js) on this machine, which has no GPU: every check runs on CPU queues
// instead, and the output says why the GPU part was skipped. On a GPU machine the same script
// checks GPU:0 against CPU (README, "GPU").
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { ROOT, run } from '../helpers/servers';

describe('the GPU check, CPU half', () => {
  it('runs every check on CPU queues and says why the GPU part was skipped', async () => {
    const r = await run(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'gpu-check.js')]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out);
    assert.match(out, /GPU part skipped: GPU requested but Torch couldn't find CUDA \(no CUDA device, or a TORCH backend built without CUDA\)/);
    for (const line of [
      'ok TorchScript model on CPU:1 equals CPU',
      'ok TorchScript script on CPU:1 equals CPU',
      'ok autobatching on CPU:1: 16 clients each get their own row back',
      'ok a DAG with one op on CPU and one on CPU:1',
      'ok 32 clients × 25 runs on CPU:1, every answer right',
    ]) assert.ok(out.includes(line), `${line}\n${out}`);
    assert.match(out, /ai_queue_CPU:1_mean_batch_size:\d/, 'the batched queue reports its batches');
    if (fs.existsSync(path.join(ROOT, 'deps', 'models', 'efficientnet-lite0.pt'))) {
      assert.match(out, /CPU:1 over CPU, same run: batch 1 [\d.]+× faster, batched [\d.]+× the throughput/);
    }
    assert.match(out, /gpu-check passed in [\d.]+ s \(CPU half only\)/);
  });
});
