"""PyTorch's side of bench:predict: torchvision's ResNet18 with the weights our export wrote, in
eval mode under torch.inference_mode, fp32, the same threads and batch.

Usage: predict_torch.py --weights W.safetensors --adaptation "python lines" --channels C --size S
                        [--resize R] --mean M.. --std S.. --images DIR --threads N --batch B --iters I
Prints one line: forward_ms=<ms per batch> e2e_images_per_s=<float> top1=<comma-separated indices>
The end-to-end series is the loop a PyTorch user writes: PIL decode, torchvision's Resize /
CenterCrop / ToTensor / Normalize, a stacked batch, the forward, softmax and top-5.
"""
import argparse
import json
import os
import struct
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--adaptation", default="")
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--channels", type=int, required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--resize", type=int, default=0)
    p.add_argument("--mean", type=float, nargs="+", required=True)
    p.add_argument("--std", type=float, nargs="+", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--iters", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = torchvision.models.resnet18(num_classes=a.classes)
    exec(a.adaptation, {"torch": torch, "model": model})
    model.load_state_dict(load_safetensors(a.weights), strict=True)
    model.eval()

    x = torch.sin(torch.arange(a.batch * a.channels * a.size * a.size, dtype=torch.float32)).reshape(
        a.batch, a.channels, a.size, a.size
    )
    with torch.inference_mode():
        for _ in range(2):
            model(x)
        start = time.perf_counter()
        for _ in range(a.iters):
            model(x)
        forward_ms = (time.perf_counter() - start) / a.iters * 1000

    steps = ([T.Resize(a.resize)] if a.resize > 0 else []) + [T.CenterCrop(a.size), T.ToTensor(), T.Normalize(a.mean, a.std)]
    preprocess = T.Compose(steps)
    mode = "RGB" if a.channels == 3 else "L"
    paths = sorted(os.path.join(a.images, f) for f in os.listdir(a.images) if f.endswith(".jpg"))

    def predict(batch_paths):
        top1 = []
        with torch.inference_mode():
            for i in range(0, len(batch_paths), a.batch):
                images = [preprocess(Image.open(f).convert(mode)) for f in batch_paths[i : i + a.batch]]
                probs = torch.softmax(model(torch.stack(images)), dim=1)
                top1 += probs.topk(min(5, a.classes), dim=1).indices[:, 0].tolist()
        return top1

    predict(paths[: a.batch])  # warm-up
    start = time.perf_counter()
    top1 = predict(paths)
    e2e = len(paths) / (time.perf_counter() - start)
    print(f"forward_ms={forward_ms:.3f} e2e_images_per_s={e2e:.3f} top1={','.join(map(str, top1))}")


main()
