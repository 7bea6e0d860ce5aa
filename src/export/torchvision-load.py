"""Loads exported weights into torchvision's model, as a PyTorch user would, and writes its logits.

Usage: torchvision-load.py WEIGHTS ARCH NUM_CLASSES ADAPTATION INPUT OUTPUT [KWARGS]
  WEIGHTS     safetensors written by exportTorchvisionWeights
  ADAPTATION  Python lines run verbatim on `model` before loading ('' for none)
  INPUT       safetensors holding the tensor 'images' [N, C, H, W]
  OUTPUT      raw little-endian float32 logits
  KWARGS      JSON of further keyword arguments of the model's builder, e.g. '{"image_size": 32}' for a ViT

The safetensors Python package may be missing (Debian has none): the format is an
8-byte little-endian header length, a JSON header, then raw little-endian bytes.
"""
import json
import struct
import sys

import torch
import torchvision

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[entry["dtype"]])
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def main():
    weights, arch, num_classes, adaptation, input_path, output_path = sys.argv[1:7]
    kwargs = json.loads(sys.argv[7]) if len(sys.argv) > 7 else {}
    model = getattr(torchvision.models, arch)(num_classes=int(num_classes), **kwargs)
    exec(adaptation, {"torch": torch, "model": model})
    model.load_state_dict(load_safetensors(weights), strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(load_safetensors(input_path)["images"])
    with open(output_path, "wb") as f:
        f.write(logits.contiguous().numpy().astype("<f4").tobytes())


main()
