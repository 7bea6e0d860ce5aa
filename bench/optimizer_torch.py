"""PyTorch's side of bench:optimizer: torch.optim.AdamW's step on torchvision's resnet18
(10 classes) with fixed gradients, foreach=False and foreach=True in alternating blocks.

Usage: optimizer_torch.py --threads N --steps S --warmup W --rounds R
Prints one line per mode: foreach=<False|True> ms_per_step=<median over rounds>
"""
import argparse
import statistics
import time

import torch
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    params = list(torchvision.models.resnet18(num_classes=10).parameters())
    for q in params:
        q.grad = torch.randn_like(q) * 1e-3
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-2)

    def block(foreach, n):
        opt.param_groups[0]["foreach"] = foreach
        start = time.perf_counter()
        for _ in range(n):
            opt.step()
        return (time.perf_counter() - start) / n * 1000

    block(False, a.warmup)
    block(True, a.warmup)
    times = {False: [], True: []}
    for r in range(a.rounds):
        for foreach in ([False, True] if r % 2 == 0 else [True, False]):
            times[foreach].append(block(foreach, a.steps))
    for foreach, ms in times.items():
        # Upper median, as the TypeScript side takes.
        print(f"foreach={foreach} ms_per_step={sorted(ms)[len(ms) // 2]:.3f}")


main()
