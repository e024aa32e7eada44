# What the reference implementation (TensorFlow's own TFLite interpreter, with MediaPipe's anchors,
# box decoding and NMS written out in numpy) finds on the fixtures' photos, for the detector tests.
# Run by get_deps.sh --with-models when the TF Python package is there (--with-test-tools):
#   PYTHONPATH=deps/python-tf python3 reference_ssd.py <model.tflite> <labels.txt> <out.json> <photos...>
import json, math, os, sys

import numpy as np
import tensorflow as tf
from PIL import Image


def anchors():
    strides, mn, mx, ratios = [16, 32, 64, 128, 256, 512], 0.2, 0.95, [1.0, 2.0, 0.5, 3.0, 0.3333]
    scale = lambda i: mn + (mx - mn) * i / 5  # noqa: E731
    out = []
    for layer in range(6):
        if layer == 0:
            rs, ss = [1.0, 2.0, 0.5], [0.1, scale(0), scale(0)]
        else:
            nxt = 1.0 if layer == 5 else scale(layer + 1)
            rs, ss = ratios + [1.0], [scale(layer)] * 5 + [math.sqrt(scale(layer) * nxt)]
        f = math.ceil(300 / strides[layer])
        for y in range(f):
            for x in range(f):
                for r, s in zip(rs, ss):
                    out.append(((y + 0.5) / f, (x + 0.5) / f, s / math.sqrt(r), s * math.sqrt(r)))
    return np.array(out, np.float32)


def iou(a, b):
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


model, labels_file, out_file = sys.argv[1:4]
labels = open(labels_file).read().split('\n')
interpreter = tf.lite.Interpreter(model_path=model)
interpreter.allocate_tensors()
a = anchors()
reference = {}
for photo in sys.argv[4:]:
    rgb = np.asarray(Image.open(photo).convert('RGB'), dtype=np.uint8)
    x = (np.asarray(Image.fromarray(rgb).resize((300, 300), Image.BILINEAR), np.float32) / 127.5 - 1.0)[None]
    interpreter.set_tensor(interpreter.get_input_details()[0]['index'], x)
    interpreter.invoke()
    outputs = [interpreter.get_tensor(d['index'])[0] for d in interpreter.get_output_details()]
    raw = next(o for o in outputs if o.shape[-1] == 4)
    scores = 1 / (1 + np.exp(-next(o for o in outputs if o.shape[-1] == len(labels) - 1)))
    y = raw[:, 0] / 10 * a[:, 2] + a[:, 0]
    xc = raw[:, 1] / 10 * a[:, 3] + a[:, 1]
    h = np.exp(raw[:, 2] / 5) * a[:, 2]
    w = np.exp(raw[:, 3] / 5) * a[:, 3]
    boxes = np.stack([y - h / 2, xc - w / 2, y + h / 2, xc + w / 2], 1)
    classes = scores[:, 1:].argmax(1) + 1
    best = scores[np.arange(len(classes)), classes]
    kept = []
    for i in np.argsort(-best):
        if best[i] <= 0.5:
            break
        if all(classes[j] != classes[i] or iou(boxes[i], boxes[j]) <= 0.45 for j in kept):
            kept.append(i)
    name = os.path.basename(photo)
    rgb.tofile(os.path.join(os.path.dirname(out_file), name + '.rgb'))
    reference[name] = {'shape': list(rgb.shape), 'detections': [
        {'class': int(classes[i]), 'label': labels[classes[i]], 'score': float(best[i]), 'box': [float(v) for v in boxes[i]]} for i in kept]}
with open(out_file, 'w') as f:
    json.dump(reference, f, indent=1)
