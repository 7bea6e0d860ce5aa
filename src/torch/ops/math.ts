/**
 * Elementwise arithmetic, comparisons, unary functions and their in-place
 * variants. Binary ops broadcast and accept a scalar on the right.
 *
 * @example
 * add(x, y, 2);   // x + 2 * y
 * x.mul_(0.9);    // in place
 */
import { dtypeCode, isFloatingPoint } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { run, runT } from './dispatch.js';
import type { Arg } from './dispatch.js';

/** A tensor or a scalar operand. */
export type Operand = Tensor | number | boolean;

const isScalar = (v: Operand): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

function binary(name: string, a: Tensor, b: Operand, extra: Arg[] = []): Tensor {
  return runT(name, isScalar(b) ? 'Scalar' : 'Tensor', [a, b, ...extra]);
}

/** Runs an in-place operator and returns its first argument. */
export function inPlace(name: string, overload: string, self: Tensor, args: Arg[]): Tensor {
  const out = run(name, overload, [self, ...args]) as Tensor;
  if (out !== self) out.dispose();
  return self;
}

function binaryInPlace(name: string, a: Tensor, b: Operand, extra: Arg[] = []): Tensor {
  return inPlace(name, isScalar(b) ? 'Scalar' : 'Tensor', a, [b, ...extra]);
}

export const add = (a: Tensor, b: Operand, alpha = 1): Tensor => binary('aten::add', a, b, [alpha]);
export const sub = (a: Tensor, b: Operand, alpha = 1): Tensor => binary('aten::sub', a, b, [alpha]);
export const mul = (a: Tensor, b: Operand): Tensor => binary('aten::mul', a, b);
/** Division; `roundingMode` 'trunc' or 'floor' gives integer division. */
export function div(a: Tensor, b: Operand, roundingMode?: 'trunc' | 'floor'): Tensor {
  if (roundingMode === undefined) return binary('aten::div', a, b);
  return runT('aten::div', isScalar(b) ? 'Scalar_mode' : 'Tensor_mode', [a, b, roundingMode]);
}
export const remainder = (a: Tensor, b: Operand): Tensor => binary('aten::remainder', a, b);
export function pow(a: Tensor, exponent: Operand): Tensor {
  return runT('aten::pow', isScalar(exponent) ? 'Tensor_Scalar' : 'Tensor_Tensor', [a, exponent]);
}
export const maximum = (a: Tensor, b: Tensor): Tensor => runT('aten::maximum', '', [a, b]);
export const minimum = (a: Tensor, b: Tensor): Tensor => runT('aten::minimum', '', [a, b]);

export const eq = (a: Tensor, b: Operand): Tensor => binary('aten::eq', a, b);
export const ne = (a: Tensor, b: Operand): Tensor => binary('aten::ne', a, b);
export const lt = (a: Tensor, b: Operand): Tensor => binary('aten::lt', a, b);
export const le = (a: Tensor, b: Operand): Tensor => binary('aten::le', a, b);
export const gt = (a: Tensor, b: Operand): Tensor => binary('aten::gt', a, b);
export const ge = (a: Tensor, b: Operand): Tensor => binary('aten::ge', a, b);
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => runT('aten::logical_and', '', [a, b]);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => runT('aten::logical_or', '', [a, b]);
export const logicalNot = (a: Tensor): Tensor => runT('aten::logical_not', '', [a]);
/** True where |a - b| <= atol + rtol * |b|. */
export const isclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): Tensor => runT('aten::isclose', '', [a, b, rtol, atol, false]);
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean =>
  run('aten::allclose', '', [a, b, rtol, atol, false]) as boolean;

const unary =
  (name: string) =>
  (a: Tensor): Tensor =>
    runT(name, '', [a]);
export const neg = unary('aten::neg');
export const abs = unary('aten::abs');
export const sign = unary('aten::sign');
export const exp = unary('aten::exp');
export const log = unary('aten::log');
export const log1p = unary('aten::log1p');
export const sqrt = unary('aten::sqrt');
export const rsqrt = unary('aten::rsqrt');
export const square = unary('aten::square');
export const reciprocal = unary('aten::reciprocal');
export const sin = unary('aten::sin');
export const cos = unary('aten::cos');
export const floor = unary('aten::floor');
export const ceil = unary('aten::ceil');
export const round = unary('aten::round');
export const isnan = unary('aten::isnan');
export const isfinite = unary('aten::isfinite');

/** Picks from `a` where `condition` is true, else from `b`. */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  // Two numbers give float32 (the default dtype, as for `full`): JS cannot tell 2.0 from 2.
  const asFloat = (v: number | boolean): Arg => (typeof v === 'number' ? { float: v } : v);
  if (isScalar(a) && isScalar(b)) return runT('aten::where', 'Scalar', [condition, asFloat(a), asFloat(b)]);
  if (isScalar(a)) return runT('aten::where', 'ScalarSelf', [condition, a, b]);
  if (isScalar(b)) return runT('aten::where', 'ScalarOther', [condition, a, b]);
  return runT('aten::where', 'self', [condition, a, b]);
}

/** Limits values to [min, max]; either bound may be omitted, and each may be a scalar or a tensor. */
export function clamp(a: Tensor, min?: Operand | null, max?: Operand | null): Tensor {
  if ((min != null && !isScalar(min)) || (max != null && !isScalar(max))) {
    // The Tensor overload takes tensors only: a scalar bound beside a tensor one becomes a 0-d tensor.
    // A fractional bound on an integer tensor stays fractional (float32), so type promotion matches PyTorch's.
    const scalarDtype = (v: number | boolean): number =>
      dtypeCode(typeof v === 'number' && !Number.isInteger(v) && !isFloatingPoint(a.dtype) ? 'float32' : a.dtype);
    const bound = (v: Operand | null | undefined): Tensor | null =>
      v == null ? null : isScalar(v) ? runT('aten::scalar_tensor', '', [v, scalarDtype(v), null, a.device, null]) : v;
    const [lo, hi] = [bound(min), bound(max)];
    const out = runT('aten::clamp', 'Tensor', [a, lo, hi]);
    for (const b of [lo, hi]) if (b !== null && b !== min && b !== max) b.dispose();
    return out;
  }
  return runT('aten::clamp', '', [a, min ?? null, max ?? null]);
}

export const add_ = (a: Tensor, b: Operand, alpha = 1): Tensor => binaryInPlace('aten::add_', a, b, [alpha]);
export const sub_ = (a: Tensor, b: Operand, alpha = 1): Tensor => binaryInPlace('aten::sub_', a, b, [alpha]);
export const mul_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::mul_', a, b);
export const div_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::div_', a, b);
export const pow_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::pow_', a, b);
export const clamp_ = (a: Tensor, min?: number | null, max?: number | null): Tensor =>
  inPlace('aten::clamp_', '', a, [min ?? null, max ?? null]);
export const copy_ = (a: Tensor, src: Tensor): Tensor => inPlace('aten::copy_', '', a, [src, false]);
export const zero_ = (a: Tensor): Tensor => inPlace('aten::zero_', '', a, []);
export const fill_ = (a: Tensor, value: number | boolean): Tensor => inPlace('aten::fill_', 'Scalar', a, [value]);
export const sqrt_ = (a: Tensor): Tensor => inPlace('aten::sqrt_', '', a, []);
export const neg_ = (a: Tensor): Tensor => inPlace('aten::neg_', '', a, []);
export const exp_ = (a: Tensor): Tensor => inPlace('aten::exp_', '', a, []);
export const relu_ = (a: Tensor): Tensor => inPlace('aten::relu_', '', a, []);
/** a += value * t1 * t2 */
export const addcmul_ = (a: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => inPlace('aten::addcmul_', '', a, [t1, t2, value]);
/** a += value * t1 / t2 */
export const addcdiv_ = (a: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => inPlace('aten::addcdiv_', '', a, [t1, t2, value]);
/** a += weight * (end - a) */
export function lerp_(a: Tensor, end: Tensor, weight: Operand): Tensor {
  return inPlace('aten::lerp_', isScalar(weight) ? 'Scalar' : 'Tensor', a, [end, weight]);
}
/** a = max(a, b) elementwise, in place. */
export const maximum_ = (a: Tensor, b: Tensor): Tensor => {
  // maximum's backward reads its inputs, so with autograd it must see a copy of `a`, not `a` after the write.
  const source = a.requiresGrad || b.requiresGrad ? a.clone() : a;
  const m = maximum(source, b);
  copy_(a, m);
  m.dispose();
  if (source !== a) source.dispose();
  return a;
};
/** Fills with uniform samples in [from, to). */
export const uniform_ = (a: Tensor, from = 0, to = 1): Tensor => inPlace('aten::uniform_', '', a, [from, to, null]);
/** Fills with normal samples. */
export const normal_ = (a: Tensor, mean = 0, std = 1): Tensor => inPlace('aten::normal_', '', a, [mean, std, null]);
