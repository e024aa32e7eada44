// SSD MobileNetV2 (Open Images, 24 classes), a real pretrained detector cut from npm's
// @mediapipe/objectron by get_deps.sh --with-models, run on TFLITE and on its ONNX copy (tf2onnx)
// between two TorchScript scripts
// (examples/scripts/ssd_detector.py): a decoded photo in, boxes out, held to the reference
// implementation (TensorFlow's own TFLite interpreter with the same decoding, deps/models).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { RawClient } from '../helpers/RawClient';
import { ROOT, startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';

const MODELS = path.join(ROOT, 'deps', 'models');
const file = (name: string) => fs.readFileSync(path.join(MODELS, name));
interface Detection { class: number; label: string; score: number; box: number[] }
const REFERENCE = JSON.parse(fs.readFileSync(path.join(MODELS, 'ssd.reference.json'), 'utf8')) as Record<string, { shape: number[]; detections: Detection[] }>;
const SCRIPT = fs.readFileSync(path.join(ROOT, 'examples', 'scripts', 'ssd_detector.py'));

const floats = (b: Buffer) => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
const ints = (b: Buffer) => Array.from(new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), Number);

function iou(a: number[], b: number[]): number {
  const inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** The detections a reply of three BLOBs (boxes, scores, classes) holds, best first. */
function detections(boxes: Buffer, scores: Buffer, classes: Buffer): Detection[] {
  const b = floats(boxes);
  return floats(scores).map((score, i) => ({ class: ints(classes)[i], label: '', score, box: b.slice(4 * i, 4 * i + 4) }));
}

/** Our detections agree with the reference: the same classes in order, scores within 0.03, boxes overlapping by IoU > 0.9. */
function assertAgrees(ours: Detection[], photo: string, what: string): void {
  const reference = REFERENCE[photo].detections;
  assert.deepEqual(ours.map((d) => d.class), reference.map((d) => d.class), `${what}: classes on ${photo}`);
  ours.forEach((d, i) => {
    assert.ok(Math.abs(d.score - reference[i].score) < 0.03, `${what}: score ${d.score} vs ${reference[i].score} on ${photo}`);
    assert.ok(iou(d.box, reference[i].box) > 0.9, `${what}: IoU ${iou(d.box, reference[i].box)} on ${photo}`);
  });
}

async function detectorServer(): Promise<RawClient & { port: number }> {
  const { port } = await startServer();
  const c = await RawClient.connect(port, { returnBuffers: true });
  closeAfterFile(() => c.close());
  assert.equal(String(await c.call('AI.MODELSTORE', 'ssd_tflite', 'TFLITE', 'CPU', 'BLOB', file('ssd_mobilenetv2_oidv4_fp16.tflite'))), 'OK');
  assert.equal(String(await c.call('AI.MODELSTORE', 'ssd_onnx', 'ONNX', 'CPU', 'BLOB', file('ssd_mobilenetv2_oidv4.onnx'))), 'OK');
  assert.equal(String(await c.call('AI.SCRIPTSTORE', 'ssd_steps', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'detect', 'SOURCE', SCRIPT)), 'OK');
  return Object.assign(c, { port });
}

describe('SSD MobileNetV2, a real detector, on TFLITE and ONNX with TorchScript pre- and post-processing', () => {
  it('finds what the reference finds on each photo, in one AI.DAGEXECUTE: the dog on dog.jpg, the cat on cat.jpg', async () => {
    const c = await detectorServer();
    for (const [photo, model] of Object.keys(REFERENCE).flatMap((p) => [[p, 'ssd_tflite'], [p, 'ssd_onnx']])) {
      const [h, w] = REFERENCE[photo].shape;
      const reply = (await c.call('AI.DAGEXECUTE', 'ROUTING', 'photo', '|>',
        'AI.TENSORSET', 'photo', 'UINT8', h, w, 3, 'BLOB', file(`${photo}.rgb`), '|>',
        'AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
        'AI.MODELEXECUTE', model, 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores', '|>',
        'AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'ARGS', 2, '0.5', '0.45',
        'OUTPUTS', 3, 'boxes', 'scores', 'classes', '|>',
        'AI.TENSORGET', 'boxes', 'BLOB', '|>', 'AI.TENSORGET', 'scores', 'BLOB', '|>', 'AI.TENSORGET', 'classes', 'BLOB')) as Buffer[];
      assertAgrees(detections(reply[4], reply[5], reply[6]), photo, `DAG on ${model}`);
    }
    const labels = file('ssd_labels.txt').toString().split('\n');
    assert.equal(labels[REFERENCE['dog.jpg'].detections[0].class], 'Dog');
    assert.equal(labels[REFERENCE['cat.jpg'].detections[0].class], 'Cat');
  });

  it('gives each of four clients its own boxes when their photos are autobatched into one ONNX run', async () => {
    const c = await detectorServer();
    // All four wait for each other (MINBATCHSIZE 4), so one backend call runs the four photos.
    assert.equal(String(await c.call('AI.MODELSTORE', 'ssd_batched', 'ONNX', 'CPU', 'BATCHSIZE', 4, 'MINBATCHSIZE', 4, 'MINBATCHTIMEOUT', 10_000,
      'BLOB', file('ssd_mobilenetv2_oidv4.onnx'))), 'OK');
    const photos = ['dog.jpg', 'cat.jpg', 'cat.jpg', 'dog.jpg'];
    const clients = await Promise.all(photos.map(async () => {
      const client = await RawClient.connect(c.port, { returnBuffers: true });
      closeAfterFile(() => client.close());
      return client;
    }));
    const replies = await Promise.all(photos.map((photo, i) => {
      const [h, w] = REFERENCE[photo].shape;
      return clients[i].call('AI.DAGEXECUTE', 'ROUTING', 'photo', '|>',
        'AI.TENSORSET', 'photo', 'UINT8', h, w, 3, 'BLOB', file(`${photo}.rgb`), '|>',
        'AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
        'AI.MODELEXECUTE', 'ssd_batched', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores', '|>',
        'AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'OUTPUTS', 3, 'boxes', 'scores', 'classes', '|>',
        'AI.TENSORGET', 'boxes', 'BLOB', '|>', 'AI.TENSORGET', 'scores', 'BLOB', '|>', 'AI.TENSORGET', 'classes', 'BLOB') as Promise<Buffer[]>;
    }));
    replies.forEach((reply, i) => assertAgrees(detections(reply[4], reply[5], reply[6]), photos[i], `batched client ${i}`));
    const info = String(await c.call('INFO', 'MODULES'));
    assert.match(info, /\r\nai_queue_CPU_batched_runs:4\r\n/, 'the four runs were one batch');
  });

  it('finds the same with separate commands, as RedisAI\'s launch example ran it', async () => {
    const c = await detectorServer();
    const photo = 'dog.jpg';
    const [h, w] = REFERENCE[photo].shape;
    assert.equal(String(await c.call('AI.TENSORSET', 'photo', 'UINT8', h, w, 3, 'BLOB', file(`${photo}.rgb`))), 'OK');
    assert.equal(String(await c.call('AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x')), 'OK');
    assert.deepEqual((await c.call('AI.TENSORGET', 'x', 'META')) as unknown[], [Buffer.from('dtype'), Buffer.from('FLOAT'), Buffer.from('shape'), [1, 300, 300, 3]]);
    assert.equal(String(await c.call('AI.MODELEXECUTE', 'ssd_tflite', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores')), 'OK');
    assert.equal(String(await c.call('AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'OUTPUTS', 3, 'boxes', 'scores', 'classes')), 'OK');
    const [boxes, scores, classes] = await Promise.all(['boxes', 'scores', 'classes'].map((k) => c.call('AI.TENSORGET', k, 'BLOB')));
    assertAgrees(detections(boxes as Buffer, scores as Buffer, classes as Buffer), photo, 'commands');
  });
});
