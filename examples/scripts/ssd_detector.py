# Pre- and post-processing for SSD MobileNetV2 (Open Images, 24 classes; MediaPipe's
# object_detection_ssd_mobilenetv2_oidv4_fp16.tflite): a decoded photo in, boxes out.


def preprocess(tensors: List[Tensor], keys: List[str], args: List[str]):
    # UINT8 [H, W, 3] RGB -> FLOAT [1, 300, 300, 3] in [-1, 1] (bilinear, antialiased).
    img = tensors[0].permute(2, 0, 1).unsqueeze(0).float()
    img = torch._upsample_bilinear2d_aa(img, [300, 300], False)
    return (img / 127.5 - 1.0).permute(0, 2, 3, 1).contiguous()


def anchors() -> Tensor:
    # MediaPipe's SsdAnchorsCalculator for this model: 6 layers, scales 0.2-0.95, strides 16-512,
    # aspect ratios 1, 2, 0.5, 3, 1/3 plus an interpolated scale, 3 boxes in the lowest layer:
    # 1917 anchors as [y_center, x_center, height, width], y-major, then x, then anchor.
    strides = [16, 32, 64, 128, 256, 512]
    ratios = [1.0, 2.0, 0.5, 3.0, 0.3333]
    layers: List[Tensor] = []
    for layer in range(6):
        scale = 0.2 + (0.95 - 0.2) * layer / 5.0
        if layer == 0:
            rs = [1.0, 2.0, 0.5]
            ss = [0.1, scale, scale]
        else:
            next_scale = 1.0 if layer == 5 else 0.2 + (0.95 - 0.2) * (layer + 1) / 5.0
            rs = ratios + [1.0]
            ss = [scale, scale, scale, scale, scale, (scale * next_scale) ** 0.5]
        r = torch.tensor(rs).sqrt()
        s = torch.tensor(ss)
        heights = s / r
        widths = s * r
        f = (300 + strides[layer] - 1) // strides[layer]
        k = len(rs)
        centres = (torch.arange(f).float() + 0.5) / f
        y = centres.view(f, 1, 1).expand(f, f, k)
        x = centres.view(1, f, 1).expand(f, f, k)
        h = heights.view(1, 1, k).expand(f, f, k)
        w = widths.view(1, 1, k).expand(f, f, k)
        layers.append(torch.stack([y, x, h, w], 3).reshape(-1, 4))
    return torch.cat(layers, 0)


def iou(box: Tensor, others: Tensor) -> Tensor:
    top = torch.maximum(box[0], others[:, 0])
    left = torch.maximum(box[1], others[:, 1])
    bottom = torch.minimum(box[2], others[:, 2])
    right = torch.minimum(box[3], others[:, 3])
    inter = (bottom - top).clamp(min=0.0) * (right - left).clamp(min=0.0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / (area + areas - inter)


def detect(tensors: List[Tensor], keys: List[str], args: List[str]):
    # tensors: raw box encodings [1, 1917, 4] and class scores [1, 1917, 24] (class 0: background).
    # args: [score threshold (0.5), IoU above which a box of the same class is dropped (0.45)].
    # Returns boxes [N, 4] as [ymin, xmin, ymax, xmax] in 0-1, scores [N] and classes [N], best first.
    threshold = float(args[0]) if len(args) > 0 else 0.5
    overlap = float(args[1]) if len(args) > 1 else 0.45
    a = anchors()
    raw = tensors[0][0]
    probabilities = torch.sigmoid(tensors[1][0])[:, 1:]
    y = raw[:, 0] / 10.0 * a[:, 2] + a[:, 0]
    x = raw[:, 1] / 10.0 * a[:, 3] + a[:, 1]
    h = torch.exp(raw[:, 2] / 5.0) * a[:, 2]
    w = torch.exp(raw[:, 3] / 5.0) * a[:, 3]
    boxes = torch.stack([y - h / 2, x - w / 2, y + h / 2, x + w / 2], 1)
    scores, classes = probabilities.max(1)
    classes = classes + 1
    keep = scores > threshold
    boxes = boxes[keep]
    scores = scores[keep]
    classes = classes[keep]
    order = scores.argsort(descending=True)
    boxes = boxes[order]
    scores = scores[order]
    classes = classes[order]
    alive = torch.zeros(scores.shape[0]) == 0.0
    for i in range(scores.shape[0]):
        if bool(alive[i]):
            same = (classes == classes[i]) & (iou(boxes[i], boxes) > overlap)
            same[i] = False
            alive = alive & ~same
    return boxes[alive], scores[alive], classes[alive]
