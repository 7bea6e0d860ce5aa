"""PyTorch's reference for bench:ddp: DistributedDataParallel on Gloo.

torchvision's resnet18 with the small stem src/models/resnet.ts builds for
stem 'small' (conv1 3x3 stride 1, 1 input channel, no max-pool), 10 classes,
random 1x28x28 images (one fixed batch per rank), cross-entropy, SGD
(lr 0.01, momentum 0.9), one intra-op thread per process. --world 1 is the
plain one-process loop (no DDP); --world N > 1 starts N processes with
torch.multiprocessing, each wrapping the model in DDP (default buckets,
broadcast_buffers) over a Gloo group on 127.0.0.1.

Usage: ddp_torch.py --world N --batch B --steps S --warmup W --port P
Prints one line from rank 0: ms_per_step=<float>
"""
import argparse
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
import torchvision


def build():
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
    return model


def run(rank, a):
    torch.set_num_threads(1)
    torch.manual_seed(rank)
    if a.world > 1:
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        os.environ["MASTER_PORT"] = str(a.port)
        dist.init_process_group("gloo", rank=rank, world_size=a.world)
    model = build()
    if a.world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    if a.world > 1:
        dist.barrier()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    if a.world > 1:
        dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        print(f"ms_per_step={elapsed / a.steps * 1000:.3f}", flush=True)
    if a.world > 1:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--world", type=int, default=2)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--port", type=int, default=29512)
    a = p.parse_args()
    if a.world == 1:
        run(0, a)
    else:
        mp.spawn(run, args=(a,), nprocs=a.world, join=True)


if __name__ == "__main__":
    main()
