"""PyTorch's side of bench/model-layers.ts: torchvision's model by name, one eval forward
(eval mode, torch.no_grad, the precision's autocast, as bench:models' eval), each leaf layer's
forward (and each SqueezeExcitation as a whole) timed in process CPU time, keyed by layer type
and its input and output dtype and memory format, as the TypeScript side keys its own.

Usage: model_layers_torch.py --model efficientnet_b0 --precision 32|bf16 [--channels-last]
                             --batch 8 --size 224 --reps 3 --threads 1
Prints one line: result={"totalMs":..,"layers":{"<type> <in> -> <out>":{"ms":..,"calls":..}}}
"""
import argparse
import json
import time

import torch
import torchvision

DTYPES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}


def fmt(t):
    layout = "CL" if t.is_contiguous(memory_format=torch.channels_last) else ("C" if t.is_contiguous() else "strided")
    return f"{DTYPES.get(t.dtype, str(t.dtype))}/{layout}"


def instrument(module, rows):
    kids = list(module.children())
    if kids and type(module).__name__ != "SqueezeExcitation":
        for kid in kids:
            instrument(kid, rows)
        return
    forward = module.forward

    def timed(x):
        start = time.process_time()
        out = forward(x)
        row = rows.setdefault(f"{type(module).__name__} {fmt(x)} -> {fmt(out)}", {"ms": 0.0, "calls": 0})
        row["ms"] += (time.process_time() - start) * 1000
        row["calls"] += 1
        return out

    module.forward = timed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="efficientnet_b0")
    p.add_argument("--precision", choices=["32", "bf16"], default="32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fmt_ = torch.channels_last if a.channels_last else torch.contiguous_format
    model = getattr(torchvision.models, a.model)(num_classes=1000).to(memory_format=fmt_).eval()
    x = torch.randn(a.batch, 3, a.size, a.size).contiguous(memory_format=fmt_)
    bf16 = a.precision == "bf16"

    def step():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            model(x).float()

    step()
    start = time.process_time()
    for _ in range(a.reps):
        step()
    total = (time.process_time() - start) * 1000 / a.reps
    rows = {}
    instrument(model, rows)
    for _ in range(a.reps):
        step()
    layers = {k: {"ms": v["ms"] / a.reps, "calls": v["calls"] / a.reps} for k, v in rows.items()}
    print("result=" + json.dumps({"totalMs": total, "layers": layers}))


main()
