#!/usr/bin/env node
// Finds libtorch for the addon build, in the order tch-rs uses:
//   1. LIBTORCH=/path (an unpacked official libtorch, CPU or CUDA build)
//   2. Debian's libtorch-dev (/usr/include/torch, /usr/lib/<triplet>/libtorch.so)
// Called by binding.gyp with one of: isystem | cxxflags | libraries | ldflags.
// Called with no argument (npm's install step), it checks and explains.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const triplets = ['x86_64-linux-gnu', 'aarch64-linux-gnu'];

function candidates() {
  const found = [];
  if (process.env.LIBTORCH) {
    const root = process.env.LIBTORCH;
    found.push({
      source: `LIBTORCH=${root}`,
      header: join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'),
      includeDirs: [join(root, 'include'), join(root, 'include', 'torch', 'csrc', 'api', 'include')],
      libDir: join(root, 'lib'),
      rpath: true,
    });
  }
  for (const triplet of triplets) {
    found.push({
      source: 'Debian libtorch-dev',
      header: '/usr/include/torch/csrc/api/include/torch/torch.h',
      includeDirs: ['/usr/include', '/usr/include/torch/csrc/api/include'],
      libDir: `/usr/lib/${triplet}`,
      rpath: false,
    });
  }
  return found;
}

function find() {
  const tried = [];
  // An explicit LIBTORCH that does not hold libtorch is an error, not a reason to use another one.
  const all = candidates();
  const list = process.env.LIBTORCH ? all.slice(0, 1) : all;
  for (const c of list) {
    const lib = join(c.libDir, 'libtorch_cpu.so');
    if (existsSync(c.header) && existsSync(lib)) return { found: c, tried };
    tried.push(`${c.source}: ${c.header} ${existsSync(c.header) ? 'found' : 'missing'}, ${lib} ${existsSync(lib) ? 'found' : 'missing'}`);
  }
  return { found: undefined, tried };
}

const { found, tried } = find();
const mode = process.argv[2];
if (!found) {
  const message = [
    'classifier-training: libtorch was not found, so the native addon cannot be built.',
    'Looked for:',
    ...tried.map((t) => `  - ${t}`),
    process.env.LIBTORCH
      ? "LIBTORCH is set, so only it was tried. Fix: point LIBTORCH at the folder of an unpacked libtorch (it holds include/ and lib/), or unset it to use Debian's libtorch-dev."
      : '  (LIBTORCH is not set)',
    process.env.LIBTORCH ? '' : 'Fix, on Debian 12 as root:  apt-get install -y libtorch-dev libopenblas0-openmp',
    process.env.LIBTORCH ? '' : 'or point LIBTORCH at an unpacked official libtorch:  LIBTORCH=/opt/libtorch npm install',
  ]
    .filter(Boolean)
    .join('\n');
  console.error(message);
  process.exit(1);
}
const libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
if (existsSync(join(found.libDir, 'libtorch_cuda.so'))) libs.push('-ltorch_cuda', '-lc10_cuda');
switch (mode) {
  case 'cxxflags': {
    // Official libtorch zips come in two C++ ABIs; TorchConfig.cmake says which (tch-rs reads the same flag).
    const config = join(found.libDir, '..', 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
    const abi = existsSync(config) ? /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(readFileSync(config, 'utf8')) : null;
    console.log(abi ? `-D_GLIBCXX_USE_CXX11_ABI=${abi[1]}` : '');
    break;
  }
  case 'isystem':
    // libtorch's headers go in as system headers: their warnings are not ours.
    console.log(
      found.includeDirs
        .filter((d) => d !== '/usr/include')
        .map((d) => `-isystem ${d}`)
        .join(' '),
    );
    break;
  case 'libraries':
    console.log(libs.join(' '));
    break;
  case 'ldflags': {
    const flags = [`-L${found.libDir}`, '-Wl,--no-as-needed'];
    if (found.rpath) flags.push(`-Wl,-rpath,${found.libDir}`);
    console.log(flags.join(' '));
    break;
  }
  default:
    console.log(`classifier-training: building against libtorch from ${found.source} (${found.libDir})`);
}
