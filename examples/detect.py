"""Object detection against a Stormbreaker (or RedisAI) server with redis-py, as RedisAI's launch
example did: the photo goes in as a UINT8 tensor, one AI.DAGEXECUTE preprocesses it (TorchScript),
runs SSD MobileNetV2 (TFLite) and decodes the boxes (TorchScript), and the boxes are drawn.

    python3 examples/detect.py test/fixtures/redisai/dog.jpg dog-boxes.png [port]

Needs deps/models (get_deps.sh --with-models), redis-py, numpy and Pillow (Debian's python3-redis,
python3-numpy, python3-pil).
"""
import os
import sys

import numpy as np
import redis
from PIL import Image, ImageDraw

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
MODELS = os.path.join(ROOT, 'deps', 'models')

photo, out = sys.argv[1], sys.argv[2]
r = redis.Redis(port=int(sys.argv[3]) if len(sys.argv) > 3 else 6379)
with open(os.path.join(MODELS, 'ssd_mobilenetv2_oidv4_fp16.tflite'), 'rb') as f:
    r.execute_command('AI.MODELSTORE', 'ssd', 'TFLITE', 'CPU', 'BLOB', f.read())
with open(os.path.join(ROOT, 'examples', 'scripts', 'ssd_detector.py')) as f:
    r.execute_command('AI.SCRIPTSTORE', 'ssd_steps', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'detect', 'SOURCE', f.read())
labels = open(os.path.join(MODELS, 'ssd_labels.txt')).read().split('\n')

image = Image.open(photo).convert('RGB')
pixels = np.asarray(image, dtype=np.uint8)
boxes, scores, classes = r.execute_command(
    'AI.DAGEXECUTE', 'ROUTING', 'photo', '|>',
    'AI.TENSORSET', 'photo', 'UINT8', *pixels.shape, 'BLOB', pixels.tobytes(), '|>',
    'AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
    'AI.MODELEXECUTE', 'ssd', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores', '|>',
    'AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'OUTPUTS', 3, 'boxes', 'scores', 'classes', '|>',
    'AI.TENSORGET', 'boxes', 'BLOB', '|>', 'AI.TENSORGET', 'scores', 'BLOB', '|>', 'AI.TENSORGET', 'classes', 'BLOB')[4:]
boxes = np.frombuffer(boxes, dtype=np.float32).reshape(-1, 4)
scores = np.frombuffer(scores, dtype=np.float32)
classes = np.frombuffer(classes, dtype=np.int64)

draw = ImageDraw.Draw(image)
w, h = image.size
for (ymin, xmin, ymax, xmax), score, c in zip(boxes, scores, classes):
    box = [max(0, xmin * w), max(0, ymin * h), min(w - 1, xmax * w), min(h - 1, ymax * h)]
    draw.rectangle(box, outline=(255, 64, 0), width=3)
    draw.text((box[0] + 4, box[1] + 2), f'{labels[c]} {score:.2f}', fill=(255, 64, 0))
    print(f'{labels[c]} {score:.2f} at {[round(float(v), 3) for v in (ymin, xmin, ymax, xmax)]}')
image.save(out)
