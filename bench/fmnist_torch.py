"""bench:fmnist's PyTorch side: the default config's recipe in plain PyTorch.

The recipe of conf/train.yaml: torchvision's resnet18 (ImageNet stem, conv1
replaced by a 1-channel 7x7 stride-2 conv with torchvision's kaiming_normal_
fan_out init), 10 classes; Fashion-MNIST's IDX files from Debian's package
read with numpy/gzip, a stratified 10% val split of train (seed 42);
torchvision transforms on PIL images as torchvision.datasets.FashionMNIST
gives them: RandomCrop(28, padding=2) + RandomHorizontalFlip + ToTensor +
Normalize(0.286, 0.353), a DataLoader with 2 (persistent) workers, batch 128,
shuffled, last partial batch kept; AdamW lr 2e-3, betas (0.9, 0.999),
weight decay 0.05 on weights with ndim > 1 and 0 on biases and norm
weights; SequentialLR(LinearLR from 1e-3 over round(0.3 x batches per
epoch) steps, CosineAnnealingLR down to lr x 0.01) stepped per batch; cross
entropy with label smoothing 0.1; torch.manual_seed(--seed, default 42; the
val split keeps seed 42, as our data.seed does when trainer.seed changes);
torch.set_num_threads(--threads).

--precision picks how the model runs:
- bf16 (default; the same recipe as our default run): forward and loss
  under torch.autocast('cpu', dtype=torch.bfloat16) with model and input in
  channels_last;
- fp32: the script as a PyTorch user writes it, contiguous tensors in fp32.
Val (6000) and test (10000) run after each epoch with batch 512 on
pre-normalized tensors (eval transforms are only Normalize), in the same
precision and memory format; the test pass is the bench's own and is timed
apart.

Usage: fmnist_torch.py --threads N --epochs E [--precision bf16|fp32] [--seed S] [--limit-train-batches B]
Prints one line per epoch: epoch={json}, with Date.now()-style ms stamps
(epochEndMs: after training and val; testStartMs/testEndMs around the test).
"""
import argparse
import gzip
import json
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from PIL import Image

# SequentialLR in torch 1.13 steps its schedulers with an epoch argument and warns about it on every milestone.
warnings.filterwarnings("ignore", message="The epoch parameter in `scheduler.step\\(\\)`")

ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def now_ms():
    return time.time() * 1000


def read_idx(name):
    with gzip.open(f"{ROOT}/{name}", "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def stratified_split(labels, fraction, seed):
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = round(len(idx) * fraction)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


class TrainSet(torch.utils.data.Dataset):
    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.transform = T.Compose(
            [T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize((MEAN,), (STD,))]
        )

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i], mode="L")), int(self.labels[i])


def build_model():
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    torch.nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    return model


def eval_tensors(images, memory_format):
    x = torch.from_numpy(images.copy()).float().div_(255).sub_(MEAN).div_(STD).unsqueeze(1)
    return x.contiguous(memory_format=memory_format)


@torch.no_grad()
def top1(model, x, y, bf16, batch=512):
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x[i : i + batch])
        correct += (logits.argmax(1) == y[i : i + batch]).sum().item()
    model.train()
    return correct / len(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--limit-train-batches", type=int, default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    a = p.parse_args()
    bf16 = a.precision == "bf16"
    memory_format = torch.channels_last if bf16 else torch.contiguous_format
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    images, labels = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    train_idx, val_idx = stratified_split(labels, 0.1, 42)
    loader = torch.utils.data.DataLoader(
        TrainSet(images[train_idx], labels[train_idx]),
        batch_size=128,
        shuffle=True,
        num_workers=a.workers,
        persistent_workers=a.workers > 0,
    )
    val_x, val_y = eval_tensors(images[val_idx], memory_format), torch.from_numpy(labels[val_idx].astype(np.int64))
    test_x = eval_tensors(read_idx("t10k-images-idx3-ubyte.gz"), memory_format)
    test_y = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = build_model().to(memory_format=memory_format).train()
    params = [q for q in model.parameters() if q.requires_grad]
    groups = [
        {"params": [q for q in params if q.ndim > 1], "weight_decay": 0.05},
        {"params": [q for q in params if q.ndim <= 1], "weight_decay": 0.0},
    ]
    lr = 2e-3
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999))
    steps_per_epoch = len(loader) if a.limit_train_batches is None else min(a.limit_train_batches, len(loader))
    total = a.epochs * steps_per_epoch
    warmup = min(round(0.3 * steps_per_epoch), total - 1)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=lr * 0.01)
    if warmup > 0:
        linear = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1e-3, end_factor=1.0, total_iters=warmup)
        sched = torch.optim.lr_scheduler.SequentialLR(opt, schedulers=[linear, cosine], milestones=[warmup])
    else:
        sched = cosine

    for epoch in range(a.epochs):
        loss_sum, n = 0.0, 0
        for i, (x, y) in enumerate(loader):
            if i >= steps_per_epoch:
                break
            x = x.contiguous(memory_format=memory_format)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            loss_sum += loss.item() * len(y)
            n += len(y)
        val_top1 = top1(model, val_x, val_y, bf16)
        epoch_end = now_ms()
        test_top1 = top1(model, test_x, test_y, bf16)
        line = {
            "epoch": epoch,
            "testTop1": test_top1,
            "valTop1": val_top1,
            "trainLoss": loss_sum / max(n, 1),
            "testStartMs": epoch_end,
            "testEndMs": now_ms(),
            "epochEndMs": epoch_end,
        }
        print(f"epoch={json.dumps(line)}", flush=True)


main()
