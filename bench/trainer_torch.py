"""PyTorch's reference for bench:trainer's precision table.

torchvision's resnet18 with the small stem that src/models/resnet.ts builds
for stem 'small' (conv1 3x3 stride 1 padding 1, no bias, 1 input channel;
max-pool replaced by identity), 10 classes, batch 64 of random 1x28x28
images, cross-entropy with label smoothing 0.1 and AdamW (lr 1e-3,
weight decay 1e-4) as the ClassificationModule's defaults. fp32 runs as is
(contiguous, or channels_last with --channels-last); bf16 runs the forward
and loss under torch.autocast('cpu', dtype=torch.bfloat16) with the model
and input in channels_last.

Usage: trainer_torch.py --precision 32|bf16 [--channels-last] --threads N --steps S --warmup W
Prints one line: ms_per_step=<float> cpu_ms_per_step=<float> (CPU time of every thread)
"""
import argparse
import time

import torch
import torch.nn.functional as F
import torchvision


def build():
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--precision", choices=["32", "bf16"], default="32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    bf16 = a.precision == "bf16"
    fmt = torch.channels_last if (bf16 or a.channels_last) else torch.contiguous_format
    model = build().train().to(memory_format=fmt)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    x = torch.randn(a.batch, 1, 28, 28).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(a.warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    ms = (time.perf_counter() - start) / a.steps * 1000
    cpu_ms = (time.process_time() - cpu) / a.steps * 1000
    print(f"ms_per_step={ms:.3f} cpu_ms_per_step={cpu_ms:.3f}")


main()
