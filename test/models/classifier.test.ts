// EfficientNet-Lite0 (ImageNet-1k), a real pretrained classifier from PyPI exported by
// get_deps.sh --with-models to TorchScript and ONNX (deps/models), on the fixtures' photos.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { RawClient } from '../helpers/RawClient';
import { ROOT, startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';

const MODELS = path.join(ROOT, 'deps', 'models');
const model = (file: string) => fs.readFileSync(path.join(MODELS, file));
interface Reference { shape: [number, number, number]; top5: number[]; probabilities: number[] }
const REFERENCE = JSON.parse(fs.readFileSync(path.join(MODELS, 'efficientnet-lite0.reference.json'), 'utf8')) as Record<string, Reference>;
const PHOTOS = Object.keys(REFERENCE);
const PREPROCESS = fs.readFileSync(path.join(ROOT, 'examples', 'scripts', 'imagenet_preprocess.py'));
const GIANT_PANDA = 388;

const floats = (reply: unknown) => {
  const b = reply as Buffer;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const top = (p: Float32Array) => p.indexOf(Math.max(...p));

describe('EfficientNet-Lite0, a real ImageNet classifier, on TORCH and ONNX', () => {
  it('answers as the reference implementation on every photo: same top-5 classes, probabilities within 1e-4', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    closeAfterFile(() => c.close());
    assert.equal(String(await c.call('AI.MODELSTORE', 'torch', 'TORCH', 'CPU', 'BLOB', model('efficientnet-lite0.pt'))), 'OK');
    assert.equal(String(await c.call('AI.MODELSTORE', 'onnx', 'ONNX', 'CPU', 'BLOB', model('efficientnet-lite0.onnx'))), 'OK');
    assert.equal(String(await c.call('AI.SCRIPTSTORE', 'pre', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'softmax', 'SOURCE', PREPROCESS)), 'OK');
    for (const photo of PHOTOS) {
      const reference = REFERENCE[photo];
      await c.call('AI.TENSORSET', 'x', 'FLOAT', 1, 3, 224, 224, 'BLOB', model(`${photo}.input`));
      for (const backend of ['torch', 'onnx']) {
        const reply = await c.call('AI.DAGEXECUTE', 'LOAD', 1, 'x', '|>', 'AI.MODELEXECUTE', backend, 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'logits',
          '|>', 'AI.SCRIPTEXECUTE', 'pre', 'softmax', 'INPUTS', 1, 'logits', 'OUTPUTS', 1, 'p', '|>', 'AI.TENSORGET', 'p', 'BLOB');
        const p = floats((reply as unknown[])[2]);
        const order = [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 5);
        assert.deepEqual(order, reference.top5, `${backend} on ${photo}`);
        reference.probabilities.forEach((expected, i) => assert.ok(Math.abs(p[order[i]] - expected) < 1e-4, `${backend} on ${photo}: ${p[order[i]]} vs ${expected}`));
      }
    }
  });

  it('classifies a decoded photo in one DAGEXECUTE: preprocessing script, model, softmax; giant panda on both backends', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    closeAfterFile(() => c.close());
    await c.call('AI.MODELSTORE', 'torch', 'TORCH', 'CPU', 'BLOB', model('efficientnet-lite0.pt'));
    await c.call('AI.MODELSTORE', 'onnx', 'ONNX', 'CPU', 'BLOB', model('efficientnet-lite0.onnx'));
    await c.call('AI.SCRIPTSTORE', 'pre', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'softmax', 'SOURCE', PREPROCESS);
    for (const photo of ['panda.jpg', 'panda-224x224.jpg']) {
      const [h, w] = REFERENCE[photo].shape;
      for (const backend of ['torch', 'onnx']) {
        const reply = await c.call('AI.DAGEXECUTE', 'PERSIST', 1, 'probabilities', '|>',
          'AI.TENSORSET', 'photo', 'UINT8', h, w, 3, 'BLOB', model(`${photo}.rgb`), '|>',
          'AI.SCRIPTEXECUTE', 'pre', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
          'AI.MODELEXECUTE', backend, 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'logits', '|>',
          'AI.SCRIPTEXECUTE', 'pre', 'softmax', 'INPUTS', 1, 'logits', 'OUTPUTS', 1, 'probabilities', '|>',
          'AI.TENSORGET', 'probabilities', 'BLOB');
        const p = floats((reply as unknown[])[4]);
        assert.equal(top(p), GIANT_PANDA, `${backend} on ${photo}`);
        assert.ok(p[GIANT_PANDA] > 0.9, `${backend} on ${photo}: ${p[GIANT_PANDA]}`);
      }
    }
    assert.deepEqual((await c.call('AI.TENSORGET', 'probabilities', 'META')) as unknown[], [Buffer.from('dtype'), Buffer.from('FLOAT'), Buffer.from('shape'), [1, 1000]]);
  });
});
