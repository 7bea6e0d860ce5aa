/**
 * `assertSameLayouts`: DDP moves a module's tensors as the memory they lie in
 * (rank 0's weights broadcast without a copy, gradients all-reduced in bucket
 * views with each parameter's strides), so every rank must lay each tensor out
 * as rank 0 does: a channels-last weight on one rank and a contiguous one on
 * another would exchange scrambled values. PyTorch's DDP checks the same
 * (`_verify_param_shape_across_processes`: sizes and strides). Every rank
 * fails together, naming the first tensor that differs.
 *
 * @example
 * assertSameLayouts(group, [...module.namedParameters(), ...module.namedBuffers()]);
 */
import { ConfigError } from '../../errors.js';
import { tensor, tidy } from '../../torch/index.js';
import type { ProcessGroupGloo } from '../../torch/distributed/index.js';
import type { Tensor } from '../../torch/tensor.js';

const hint = 'convert the module the same way on every rank (module.to({ memoryFormat })) before DdpStrategy.setupModule';

/** Each tensor as [ndim, ...shape, ...strides]. */
function encode(named: readonly (readonly [string, Tensor])[]): number[] {
  return named.flatMap(([, t]) => [t.ndim, ...t.shape, ...t.strides()]);
}

/** Rank 0's `values` on every rank (the same length on every rank). */
function fromRankZero(group: ProcessGroupGloo, values: readonly number[]): Float64Array {
  return tidy(() => {
    const t = tensor(Float64Array.from(values));
    group.broadcast([t], { src: 0 });
    return t.data() as Float64Array;
  });
}

/** For each rank, the `value` it contributed (the others' slots are 0). */
function perRank(group: ProcessGroupGloo, value: number): number[] {
  return tidy(() => {
    const slots = new Float64Array(group.worldSize);
    slots[group.rank] = value;
    const t = tensor(slots);
    group.allReduce([t]);
    return Array.from(t.data() as Float64Array);
  });
}

/** Throws on every rank unless every rank holds `named` with rank 0's count, shapes and strides (4 small collectives). */
export function assertSameLayouts(group: ProcessGroupGloo, named: readonly (readonly [string, Tensor])[]): void {
  const mine = encode(named);
  const [count, length] = fromRankZero(group, [named.length, mine.length]);
  const counts = perRank(group, named.length === count && mine.length === length ? 0 : named.length + 1);
  const odd = counts.findIndex((c) => c !== 0);
  if (odd >= 0) {
    const n = counts[odd] - 1;
    throw new ConfigError(
      `DdpStrategy.setupModule: expected every rank's module to hold rank 0's ${count} parameters and buffers, but rank ${odd} holds ${n}${n === count ? ' with other numbers of dims' : ''}; ${hint}`,
    );
  }
  const reference = fromRankZero(group, mine);
  let first = -1;
  for (let i = 0, at = 0; i < named.length && first < 0; i++) {
    const size = 1 + 2 * named[i][1].ndim;
    if (mine.slice(at, at + size).some((v, k) => v !== reference[at + k])) first = i;
    at += size;
  }
  const firsts = perRank(group, first + 1);
  const rank = firsts.findIndex((f) => f !== 0);
  if (rank < 0) return;
  const index = firsts[rank] - 1;
  const [name, t] = named[index];
  const at = encode(named.slice(0, index)).length;
  const ndim = reference[at];
  const shape = Array.from(reference.slice(at + 1, at + 1 + ndim));
  const strides = Array.from(reference.slice(at + 1 + ndim, at + 1 + 2 * ndim));
  const own = rank === group.rank ? `: [${t.shape.join(', ')}] with strides [${t.strides().join(', ')}]` : '';
  throw new ConfigError(
    `DdpStrategy.setupModule: expected every rank to lay out ${name} as rank 0 does (shape [${shape.join(', ')}], strides [${strides.join(', ')}]), but rank ${rank} differs${own}; ${hint}`,
  );
}
