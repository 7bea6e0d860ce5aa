"""PyTorch's side of bench:models, one model and one precision per process: torchvision's
model by name (0.14's definitions, which ours are built to equal), the ClassificationModule's
defaults in plain PyTorch eager (cross-entropy with label smoothing 0.1, AdamW lr 1e-4 with
weight decay 1e-4 on parameters of more than one dimension only), one fixed random batch.
The training step: forward and loss (under torch.autocast('cpu', bfloat16) with --precision
bf16), backward, optimizer step, zero grad. Eval: eval mode, torch.no_grad (as our
evaluation loop runs), the same autocast. --channels-last puts model and batch in
channels_last.

Usage: models_torch.py --model resnet50 --precision 32|bf16 [--channels-last] --batch 32 --size 224
                       --steps 10 --warmup 2 --eval-steps 10 --threads T
Prints one line: result={"trainMs":..,"trainCpuMs":..,"evalMs":..,"evalCpuMs":..} (ms per batch)
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
import torchvision


def timed(fn, warm, count):
    for _ in range(warm):
        fn()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        fn()
    return (time.perf_counter() - start) / count * 1000, (time.process_time() - cpu) / count * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="resnet50")
    p.add_argument("--precision", choices=["32", "bf16"], default="32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--eval-steps", type=int, default=10)
    p.add_argument("--threads", type=int, required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = getattr(torchvision.models, a.model)(num_classes=a.classes).to(memory_format=fmt)
    decay = [q for q in model.parameters() if q.ndim > 1]
    no_decay = [q for q in model.parameters() if q.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    x = torch.randn(a.batch, 3, a.size, a.size).contiguous(memory_format=fmt)
    y = torch.randint(0, a.classes, (a.batch,))
    bf16 = a.precision == "bf16"

    def train_step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def eval_step():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            model(x).float()

    model.train()
    train_ms, train_cpu = timed(train_step, a.warmup, a.steps)
    model.eval()
    eval_ms, eval_cpu = timed(eval_step, min(a.warmup, 2), a.eval_steps)
    print("result=" + json.dumps({"trainMs": train_ms, "trainCpuMs": train_cpu, "evalMs": eval_ms, "evalCpuMs": eval_cpu}))


main()
