/**
 * `classifier-training doctor`: what a user needs to know before training —
 * libtorch version and path, threads, BLAS and a measured matmul GFLOP/s,
 * the JPEG decoder, CPU features, CUDA, the distributed backends (Gloo,
 * NCCL) — with a fix for each thing that is wrong.
 *
 * @example
 * classifier-training doctor --json
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import sharp from 'sharp';
import { jpegLibraryVersion } from '../../data/native-image.js';
import * as torch from '../../torch/index.js';

/** One line of the report; `fix` is set when something is wrong. */
export interface DoctorCheck {
  name: string;
  value: string;
  ok: boolean;
  fix?: string;
}

function loadedLibraries(): string[] {
  try {
    const paths = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[5] ?? '');
    return [...new Set(paths.filter((p) => p.endsWith('.so') || /\.so\.[\d.]+$/.test(p)))];
  } catch {
    return [];
  }
}

function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** Times float32 matmuls of size n and returns GFLOP/s (best of a few runs). */
export function measureMatmulGflops(n = 512, repeats = 5): number {
  return torch.tidy(() => {
    const a = torch.randn([n, n]);
    const b = torch.randn([n, n]);
    torch.mm(a, b).dispose();
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const start = process.hrtime.bigint();
      torch.mm(a, b).dispose();
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    }
    return (2 * n ** 3) / best / 1e9;
  });
}

function blasCheck(libraries: string[], gflops: number): DoctorCheck {
  // Debian picks libblas.so.3 through alternatives: openblas-openmp/ is fast, blas/ is the reference BLAS.
  const fast = libraries.find((p) => /openblas|libmkl|libblis/.test(p));
  const reference = libraries.find((p) => /\/blas\/libblas\.so/.test(p));
  const value = `${fast ?? reference ?? 'none loaded yet'}; matmul 512x512 float32: ${gflops.toFixed(1)} GFLOP/s`;
  const ok = fast !== undefined;
  return {
    name: 'BLAS',
    value,
    ok,
    fix: ok ? undefined : 'the reference BLAS is ~20x slower: apt-get install -y libopenblas0-openmp (as root)',
  };
}

function threadsCheck(threads: number, cores: number): DoctorCheck {
  const requested = process.env.OMP_NUM_THREADS;
  const value = `${threads} intra-op threads on ${cores} cores${requested ? ` (OMP_NUM_THREADS=${requested})` : ''}`;
  if (threads === cores) return { name: 'threads', value, ok: true };
  if (requested && threads < cores) {
    return {
      name: 'threads',
      value,
      ok: true,
      fix: `OMP_NUM_THREADS limits training to ${threads} of ${cores} cores; unset it to use them all`,
    };
  }
  return { name: 'threads', value, ok: false, fix: `call torch.setNumThreads(${cores}) or unset OMP_NUM_THREADS` };
}

/**
 * Whether c10d's Gloo backend works here: a one-rank group on a loopback
 * TCPStore runs one all-reduce (what `strategy: 'ddp'` needs on CPU).
 *
 * @example
 * probeGloo(); // { ok: true, detail: 'ProcessGroupGloo: one-rank allreduce ok' }
 */
export async function probeGloo(): Promise<{ ok: boolean; detail: string }> {
  try {
    const { ProcessGroupGloo, TcpStore } = await import('../../torch/distributed/index.js');
    using store = TcpStore.create({ host: '127.0.0.1', port: 0, worldSize: 1, isServer: true, timeoutMs: 5000 });
    using group = ProcessGroupGloo.create(store, {
      rank: 0,
      worldSize: 1,
      timeoutMs: 5000,
      device: { kind: 'hostname', value: '127.0.0.1' },
    });
    const sum = torch.tidy(() => {
      const t = torch.tensor([2]);
      group.allReduce([t]);
      return t.item();
    });
    return sum === 2 ? { ok: true, detail: 'ProcessGroupGloo: one-rank allreduce ok' } : { ok: false, detail: `allreduce gave ${sum}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message.split('\n')[0] };
  }
}

/**
 * The distributed line of the report from the Gloo probe, libtorch's build settings and the GPU count.
 *
 * @example
 * distributedCheck(await probeGloo(), torch.showConfig(), torch.cuda.deviceCount());
 */
export function distributedCheck(gloo: { ok: boolean; detail: string }, config: string, cudaCount: number): DoctorCheck {
  // libtorch records whether it was built with NCCL in its build settings (USE_NCCL=ON / 1).
  const nccl = /USE_NCCL=(ON|1)\b/.test(config);
  const value = `Gloo: ${gloo.ok ? 'yes' : `no (${gloo.detail})`}; NCCL: ${nccl ? (cudaCount > 0 ? 'yes' : 'built in, no GPU') : 'no (not in this libtorch build)'}`;
  return {
    name: 'distributed',
    value,
    ok: gloo.ok,
    fix: gloo.ok
      ? nccl
        ? undefined
        : "strategy 'ddp' runs on Gloo (CPU); NCCL for GPUs needs an official CUDA libtorch: LIBTORCH=/path/to/libtorch-cuda npm rebuild"
      : "strategy 'ddp' needs c10d's Gloo: apt-get install -y libgloo-dev (scripts/setup.sh), then npm rebuild",
  };
}

/** Runs every check. */
export async function runDoctor(): Promise<DoctorCheck[]> {
  const threads = torch.getNumThreads(); // loads libtorch (the addon loads on first use), so the maps list it
  const libraries = loadedLibraries();
  const libtorch = libraries.find((p) => p.includes('libtorch_cpu')) ?? 'unknown';
  const cores = availableParallelism();
  const flags = cpuFlags();
  const cudaCount = torch.cuda.deviceCount();
  const gloo = await probeGloo();
  const features = ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'].map((f) => `${f}:${flags.has(f) ? 'yes' : 'no'}`).join(' ');
  return [
    { name: 'libtorch', value: `${torch.version()} at ${libtorch}`, ok: libtorch !== 'unknown' },
    threadsCheck(threads, cores),
    blasCheck(libraries, measureMatmulGflops()),
    { name: 'JPEG decoder', value: `${jpegLibraryVersion()} (image addon; sharp ${sharp.versions.sharp} for other formats)`, ok: true },
    {
      name: 'CPU features',
      value: features,
      ok: flags.has('avx2') || flags.size === 0,
      fix: flags.has('avx2') || flags.size === 0 ? undefined : 'this CPU lacks AVX2: training will be slow',
    },
    {
      name: 'bfloat16 autocast',
      value: flags.has('avx512_bf16') || flags.has('amx_bf16') ? 'native bf16 instructions' : 'emulated (slower than float32)',
      ok: true,
    },
    {
      name: 'CUDA',
      value: cudaCount > 0 ? `${cudaCount} device(s)` : 'not available (CPU-only libtorch or no GPU)',
      ok: true,
      fix: cudaCount > 0 ? undefined : 'for a GPU: LIBTORCH=/path/to/libtorch-cuda npm rebuild (an official CUDA build of libtorch)',
    },
    distributedCheck(gloo, torch.showConfig(), cudaCount),
  ];
}

export function formatDoctor(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map(
      (c) =>
        `${c.ok ? 'ok  ' : 'FIX '} ${c.name.padEnd(width)}  ${c.value}${c.fix && !c.ok ? `\n     ${' '.repeat(width)}  fix: ${c.fix}` : c.fix ? `\n     ${' '.repeat(width)}  note: ${c.fix}` : ''}`,
    )
    .join('\n');
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check libtorch, threads, BLAS speed, CPU features, CUDA and the distributed backends before training')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const checks = await runDoctor();
      console.log(options.json ? JSON.stringify(checks, null, 2) : formatDoctor(checks));
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
