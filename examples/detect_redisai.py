"""Object detection with redisai-py, RedisAI's own Python client: the same pipeline as
examples/detect.py (one DAG: TorchScript preprocessing, SSD MobileNetV2 on TFLITE, TorchScript
decoding), written with the client's DAG builder.

    python3 examples/detect_redisai.py test/fixtures/redisai/dog.jpg dog-boxes.png [port]

Needs deps/models (get_deps.sh --with-models), redisai-py (deps/python-clients: PYTHONPATH), numpy
and Pillow.
"""
import os
import sys

import numpy as np
import redisai
from PIL import Image, ImageDraw

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
MODELS = os.path.join(ROOT, 'deps', 'models')

photo, out = sys.argv[1], sys.argv[2]
con = redisai.Client(port=int(sys.argv[3]) if len(sys.argv) > 3 else 6379)
with open(os.path.join(MODELS, 'ssd_mobilenetv2_oidv4_fp16.tflite'), 'rb') as f:
    con.modelstore('ssd', 'TFLITE', 'CPU', f.read())
with open(os.path.join(ROOT, 'examples', 'scripts', 'ssd_detector.py')) as f:
    con.scriptstore('ssd_steps', 'CPU', f.read(), entry_points=['preprocess', 'detect'])
labels = open(os.path.join(MODELS, 'ssd_labels.txt')).read().split('\n')

image = Image.open(photo).convert('RGB')
dag = con.dag(routing='photo')
dag.tensorset('photo', np.asarray(image, dtype=np.uint8))
dag.scriptexecute('ssd_steps', 'preprocess', inputs=['photo'], outputs=['x'])
dag.modelexecute('ssd', inputs=['x'], outputs=['encodings', 'class_scores'])
dag.scriptexecute('ssd_steps', 'detect', inputs=['encodings', 'class_scores'], outputs=['boxes', 'scores', 'classes'])
dag.tensorget('boxes')
dag.tensorget('scores')
dag.tensorget('classes')
boxes, scores, classes = dag.execute()[-3:]

draw = ImageDraw.Draw(image)
w, h = image.size
for (ymin, xmin, ymax, xmax), score, c in zip(boxes.reshape(-1, 4), scores, classes):
    box = [max(0, xmin * w), max(0, ymin * h), min(w - 1, xmax * w), min(h - 1, ymax * h)]
    draw.rectangle(box, outline=(255, 64, 0), width=3)
    draw.text((box[0] + 4, box[1] + 2), f'{labels[c]} {score:.2f}', fill=(255, 64, 0))
    print(f'{labels[c]} {score:.2f} at {[round(float(v), 3) for v in (ymin, xmin, ymax, xmax)]}')
image.save(out)
