"""torchvision's side of `npm run bench:data`: ImageFolder + DataLoader with the
same transforms as bench/data.ts (`--recipe`, see bench/data-recipes.ts), timed
per epoch. Prints one JSON line.

Run with Debian's Python (it has torch and torchvision):
    /usr/bin/python3 bench/data_torchvision.py --root .bench/fmnist-jpeg-2000 --workers 2 --recipe hue
"""
import argparse
import json
import resource
import time

import PIL
import torch
import torchvision
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def process_tree_cpu() -> float:
    """User + system seconds of this process and its reaped children: the
    loader's worker processes are joined (reaped) at the end of each epoch."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


NORMALIZE = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def recipe_transforms(name: str) -> transforms.Compose:
    """The recipes of bench/data-recipes.ts, with torchvision's classes on PIL images."""
    tail = [transforms.ToTensor(), transforms.Normalize(*NORMALIZE)]
    if name == "eval":
        return transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), *tail])
    middle = {
        "basic": [transforms.ColorJitter(0.4, 0.4, 0.4)],
        "hue": [transforms.ColorJitter(0.4, 0.4, 0.4, 0.1)],
        "trivialaugment": [transforms.TrivialAugmentWide()],
        "randaugment": [transforms.RandAugment(num_ops=2, magnitude=9)],
        "autoaugment": [transforms.AutoAugment(transforms.AutoAugmentPolicy.IMAGENET)],
        "augmix": [transforms.AugMix()],
        "erasing": [],
    }[name]
    erasing = [transforms.RandomErasing(p=0.5)] if name == "erasing" else []
    return transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), *middle, *tail, *erasing])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--recipe", default="basic",
                        choices=["basic", "hue", "trivialaugment", "randaugment", "autoaugment", "augmix", "erasing", "eval"])
    args = parser.parse_args()
    torch.manual_seed(0)
    dataset = datasets.ImageFolder(f"{args.root}/train", transform=recipe_transforms(args.recipe))
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=args.recipe != "eval", num_workers=args.workers)
    epochs = []
    cpu_seconds = 0.0
    images_seen = 0
    for _ in range(args.epochs):
        cpu = process_tree_cpu()
        start = time.perf_counter()
        count = 0
        for images, _labels in loader:
            count += images.shape[0]
        epochs.append(count / (time.perf_counter() - start))
        cpu_seconds += process_tree_cpu() - cpu
        images_seen += count
    print(json.dumps({"imagesPerSecond": max(epochs), "epochs": epochs, "images": len(dataset), "workers": args.workers, "recipe": args.recipe,
                      "cpuMsPerImage": 1000 * cpu_seconds / images_seen,
                      "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": PIL.__version__}}))


if __name__ == "__main__":
    main()
