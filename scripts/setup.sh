#!/usr/bin/env bash
# Installs everything classifier-training needs on Debian 12, as root:
# system packages (libtorch, OpenBLAS, the default data set), then npm packages
# and the native addon. With --test it also installs the PyTorch reference the
# tests compare against. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js 20.9+ comes with the machine: Debian 12's own nodejs is 18, too old.
node_major=$(node -p 'process.versions.node.split(".").map(Number)[0] * 100 + process.versions.node.split(".").map(Number)[1]' 2>/dev/null || echo 0)
if (( node_major < 2009 )); then
  echo "setup: expected Node.js >= 20.9 on PATH, but got $(node --version 2>/dev/null || echo none)." >&2
  echo "setup: install Node.js 20 (for example from nodejs.org or NodeSource), then run this again." >&2
  exit 1
fi

packages=(libtorch-dev libgloo-dev libopenblas0-openmp libjpeg62-turbo-dev dataset-fashion-mnist g++ make python3 fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(python3-torch python3-torchvision python3-onnx python3-sklearn chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node's postinstall would try to download CUDA parts.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund

# The `classifier-training` command on PATH, pointing at this checkout (`npx` would reinstall the
# package into npm's cache and rebuild the addon). Without root, run node bin/classifier-training.js.
if [[ $(id -u) -eq 0 ]]; then
  ln -sf "$PWD/bin/classifier-training.js" /usr/local/bin/classifier-training
  echo "setup: classifier-training is on PATH (/usr/local/bin/classifier-training -> $PWD/bin/classifier-training.js)"
fi
