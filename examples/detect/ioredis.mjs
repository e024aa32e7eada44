// Object detection against a server (Stormbreaker or RedisAI) with ioredis: the same pipeline as
// examples/detect.py, one AI.DAGEXECUTE, from the repository root:
//   node examples/detect/ioredis.mjs test/fixtures/redisai/dog.jpg dog-boxes.jpg [port]
// Needs deps/models (./get_deps.sh --with-models).
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { readPhoto, writeWithBoxes } from './photo.mjs';

const [photoFile, outFile, port = '6379'] = process.argv.slice(2);
const models = new URL('../../deps/models/', import.meta.url);
const labels = readFileSync(new URL('ssd_labels.txt', models), 'utf8').split('\n');
const redis = new Redis(Number(port));

await redis.call('AI.MODELSTORE', 'ssd', 'TFLITE', 'CPU', 'BLOB', readFileSync(new URL('ssd_mobilenetv2_oidv4_fp16.tflite', models)));
await redis.call('AI.SCRIPTSTORE', 'ssd_steps', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'detect', 'SOURCE',
  readFileSync(new URL('../scripts/ssd_detector.py', import.meta.url)));

const photo = readPhoto(photoFile);
const reply = await redis.callBuffer('AI.DAGEXECUTE', 'ROUTING', 'photo', '|>',
  'AI.TENSORSET', 'photo', 'UINT8', photo.height, photo.width, 3, 'BLOB', photo.rgb, '|>',
  'AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
  'AI.MODELEXECUTE', 'ssd', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores', '|>',
  'AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'OUTPUTS', 3, 'boxes', 'scores', 'classes', '|>',
  'AI.TENSORGET', 'boxes', 'BLOB', '|>', 'AI.TENSORGET', 'scores', 'BLOB', '|>', 'AI.TENSORGET', 'classes', 'BLOB');
const [boxes, scores, classes] = reply.slice(-3).map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const box = new Float32Array(boxes);
const found = [...new Float32Array(scores)].map((score, i) => ({
  label: labels[Number(new BigInt64Array(classes)[i])], score, box: [...box.slice(4 * i, 4 * i + 4)],
}));
for (const d of found) console.log(`${d.label} ${d.score.toFixed(2)} at [${d.box.map((v) => v.toFixed(3)).join(', ')}]`);
writeWithBoxes(outFile, photo, found.map((d) => d.box));
redis.disconnect();
