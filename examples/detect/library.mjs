// Object detection with the embedded library, no server: SSD MobileNetV2 (TFLITE) between the two
// TorchScript functions of examples/scripts/ssd_detector.py, as one DAG, from the repository root:
//   node examples/detect/library.mjs test/fixtures/redisai/dog.jpg dog-boxes.jpg
// Needs deps/models (./get_deps.sh --with-models).
import { readFileSync } from 'node:fs';
import { Engine, Tensor } from 'stormbreaker';
import { readPhoto, writeWithBoxes } from './photo.mjs';

const [photoFile, outFile] = process.argv.slice(2);
const models = new URL('../../deps/models/', import.meta.url);
const labels = readFileSync(new URL('ssd_labels.txt', models), 'utf8').split('\n');

const engine = new Engine();
await engine.storeModel('ssd', { backend: 'TFLITE', device: 'CPU', blob: readFileSync(new URL('ssd_mobilenetv2_oidv4_fp16.tflite', models)) });
await engine.storeScript('ssd_steps', {
  device: 'CPU', source: readFileSync(new URL('../scripts/ssd_detector.py', import.meta.url)), entryPoints: ['preprocess', 'detect'],
});

const photo = readPhoto(photoFile);
const results = await engine.dag()
  .tensorset('photo', Tensor.from(photo.rgb, [photo.height, photo.width, 3], 'UINT8'))
  .scriptExecute('ssd_steps', 'preprocess', { inputs: ['photo'], outputs: ['x'] })
  .modelExecute('ssd', ['x'], ['encodings', 'class_scores'])
  .scriptExecute('ssd_steps', 'detect', { inputs: ['encodings', 'class_scores'], outputs: ['boxes', 'scores', 'classes'] })
  .tensorget('boxes').tensorget('scores').tensorget('classes')
  .run();
const [boxes, scores, classes] = results.slice(-3);
const found = [...scores.data].map((score, i) => ({ label: labels[Number(classes.data[i])], score, box: [...boxes.data.slice(4 * i, 4 * i + 4)] }));
for (const d of found) console.log(`${d.label} ${d.score.toFixed(2)} at [${d.box.map((v) => v.toFixed(3)).join(', ')}]`);
writeWithBoxes(outFile, photo, found.map((d) => d.box));
