def preprocess(tensors: List[Tensor], keys: List[str], args: List[str]):
    # A decoded photo (UINT8 [H, W, 3], RGB) to an ImageNet classifier's input (FLOAT [1, 3, 224, 224]):
    # short side 256 (bilinear, antialiased), centre crop 224, (x - 127) / 128, channels first.
    img = tensors[0].permute(2, 0, 1).unsqueeze(0).float()
    h = img.shape[2]
    w = img.shape[3]
    scale = 256.0 / float(min(h, w))
    nh = int(round(h * scale))
    nw = int(round(w * scale))
    img = torch._upsample_bilinear2d_aa(img, [nh, nw], False)  # torch.nn.functional.interpolate(..., antialias=True)
    top = (nh - 224) // 2
    left = (nw - 224) // 2
    img = img[:, :, top:top + 224, left:left + 224]
    return (img - 127.0) / 128.0


def softmax(tensors: List[Tensor], keys: List[str], args: List[str]):
    return torch.softmax(tensors[0], 1)
