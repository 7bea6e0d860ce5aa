/**
 * `libtorchLogits`: the libtorch forward the `Predictor` runs, at fp32 or at
 * bf16 autocast with model and batch in channels-last. bf16 is only worth
 * it where the CPU computes in bfloat16 natively (AVX-512 BF16 or AMX);
 * elsewhere libtorch emulates it and runs slower than fp32, so 'auto' picks
 * it only there (`nativeBf16`). bench:predict measures both paths and their
 * top-1 agreement with fp32.
 *
 * @example
 * const run = libtorchLogits(module, { precision: 'bf16-mixed' });
 * const { data } = run(pixels, [8, 3, 224, 224]);
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { moduleLogits } from './onnx/check-onnx-parity.js';

/** How the libtorch forward runs: '32', 'bf16-mixed' (autocast + channels-last), or 'auto'. */
export type InferencePrecision = 'auto' | '32' | 'bf16-mixed';
export const inferencePrecisions: readonly InferencePrecision[] = ['auto', '32', 'bf16-mixed'];

let nativeBf16Cache: boolean | undefined;

/**
 * Whether this CPU has bfloat16 instructions (AVX-512 BF16 or AMX), from /proc/cpuinfo (false where it cannot be read).
 *
 * @example
 * nativeBf16(); // true on Cooper Lake, Sapphire Rapids, Zen 4
 */
export function nativeBf16(): boolean {
  if (nativeBf16Cache !== undefined) return nativeBf16Cache;
  let flags: string[] = [];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = line?.split(':')[1]?.trim().split(/\s+/) ?? [];
  } catch {
    // No /proc (macOS, Windows): nothing tells us bf16 is native, so fp32 stays.
  }
  nativeBf16Cache = flags.includes('avx512_bf16') || flags.includes('amx_bf16');
  return nativeBf16Cache;
}

/**
 * The precision 'auto' resolves to on this machine: 'bf16-mixed' on a CPU with native bf16, else '32'.
 *
 * @example
 * resolveInferencePrecision('auto'); // 'bf16-mixed' or '32'
 */
export function resolveInferencePrecision(precision: InferencePrecision, component = 'Predictor'): '32' | 'bf16-mixed' {
  if (!inferencePrecisions.includes(precision))
    throw new ConfigError(`${component}: expected precision among ${inferencePrecisions.join(', ')}, but got '${String(precision)}'`);
  if (precision !== 'auto') return precision;
  return nativeBf16() ? 'bf16-mixed' : '32';
}

/**
 * A function from preprocessed pixels [N, C, H, W] to float32 logits through `module` in eval mode, at `precision`.
 * With bf16 the module is moved to channels-last once, here (weights keep their fp32 values).
 *
 * @example
 * const run = libtorchLogits(module, { precision: '32' });
 */
export function libtorchLogits(
  module: Module,
  options: { precision: '32' | 'bf16-mixed' },
): (pixels: Float32Array, shape: readonly number[]) => { data: Float32Array; shape: number[] } {
  if (options.precision === '32') return (pixels, shape) => moduleLogits(module, pixels, shape);
  module.to({ memoryFormat: 'channelsLast' });
  return (pixels, shape) => {
    const modes = [...module.modules()].map((m) => [m, m.training] as const);
    module.eval();
    try {
      return torch.tidy(() =>
        torch.noGrad(() => {
          const x = torch.tensor(pixels, { shape: [...shape] }).contiguous('channelsLast');
          const logits = torch.autocast(() => module.forward(x), { device: 'cpu', dtype: 'bfloat16' }).to({ dtype: 'float32' });
          return { data: logits.data() as Float32Array, shape: logits.shape };
        }),
      );
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
  };
}
