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

/**
 * Elementwise `a + alpha * b` (torch.add). Broadcasts; `b` may be a scalar; the result has the promoted dtype.
 *
 * @example
 * add(x, y, 2); // x + 2 * y
 */
export const add = (a: Tensor, b: Operand, alpha = 1): Tensor => binary('aten::add', a, b, [alpha]);
/** Elementwise `a - alpha * b` (torch.sub). Broadcasts and promotes dtypes like `add`. @example sub(x, x.mean()); // centred */
export const sub = (a: Tensor, b: Operand, alpha = 1): Tensor => binary('aten::sub', a, b, [alpha]);
/** Elementwise product (torch.mul). Broadcasts; `b` may be a scalar; the result has the promoted dtype. @example mul(x, 0.5); */
export const mul = (a: Tensor, b: Operand): Tensor => binary('aten::mul', a, b);
/** Division; `roundingMode` 'trunc' or 'floor' gives integer division. */
export function div(a: Tensor, b: Operand, roundingMode?: 'trunc' | 'floor'): Tensor {
  if (roundingMode === undefined) return binary('aten::div', a, b);
  return runT('aten::div', isScalar(b) ? 'Scalar_mode' : 'Tensor_mode', [a, b, roundingMode]);
}
/**
 * Python's modulus (torch.remainder): the result takes the sign of `b`, unlike JS's `%`, which keeps the sign of `a`.
 *
 * @example
 * remainder(tensor([-3, 3]), 2); // [1, 1]
 */
export const remainder = (a: Tensor, b: Operand): Tensor => binary('aten::remainder', a, b);
/** Elementwise `a ** exponent` (torch.pow); the exponent is a scalar or a tensor that broadcasts with `a`. @example pow(x, 2); */
export function pow(a: Tensor, exponent: Operand): Tensor {
  return runT('aten::pow', isScalar(exponent) ? 'Tensor_Scalar' : 'Tensor_Tensor', [a, exponent]);
}
/**
 * Elementwise larger of two broadcastable tensors (torch.maximum); NaN propagates. For the largest element use `max`.
 *
 * @example
 * maximum(x, zerosLike(x)); // relu
 */
export const maximum = (a: Tensor, b: Tensor): Tensor => runT('aten::maximum', '', [a, b]);
/**
 * Elementwise smaller of two broadcastable tensors (torch.minimum); NaN propagates. For the smallest element use `min`.
 *
 * @example
 * minimum(x, onesLike(x));
 */
export const minimum = (a: Tensor, b: Tensor): Tensor => runT('aten::minimum', '', [a, b]);

/**
 * Elementwise `a == b` (torch.eq) as a bool tensor; broadcasts, `b` may be a scalar.
 *
 * @example
 * eq(preds, labels).sum(); // correct predictions, int64
 */
export const eq = (a: Tensor, b: Operand): Tensor => binary('aten::eq', a, b);
/** Elementwise `a != b` (torch.ne) as a bool tensor; broadcasts, `b` may be a scalar. @example ne(labels, -100); // not ignored */
export const ne = (a: Tensor, b: Operand): Tensor => binary('aten::ne', a, b);
/** Elementwise `a < b` (torch.lt) as a bool tensor; broadcasts, `b` may be a scalar. @example lt(x, 0); // where negative */
export const lt = (a: Tensor, b: Operand): Tensor => binary('aten::lt', a, b);
/** Elementwise `a <= b` (torch.le) as a bool tensor; broadcasts, `b` may be a scalar. @example le(x, threshold); */
export const le = (a: Tensor, b: Operand): Tensor => binary('aten::le', a, b);
/** Elementwise `a > b` (torch.gt) as a bool tensor; broadcasts, `b` may be a scalar. @example gt(probs, 0.5); */
export const gt = (a: Tensor, b: Operand): Tensor => binary('aten::gt', a, b);
/** Elementwise `a >= b` (torch.ge) as a bool tensor; broadcasts, `b` may be a scalar. @example ge(x, 0); */
export const ge = (a: Tensor, b: Operand): Tensor => binary('aten::ge', a, b);
/** Elementwise AND (torch.logical_and): nonzero counts as true; the result is bool. @example logicalAnd(ge(x, 0), lt(x, 1)); */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => runT('aten::logical_and', '', [a, b]);
/** Elementwise OR (torch.logical_or): nonzero counts as true; the result is bool. @example logicalOr(isnan(x), eq(x, 0)); */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => runT('aten::logical_or', '', [a, b]);
/** Elementwise NOT (torch.logical_not): true where `a` is zero; the result is bool. @example logicalNot(mask); */
export const logicalNot = (a: Tensor): Tensor => runT('aten::logical_not', '', [a]);
/** True where |a - b| <= atol + rtol * |b|. */
export const isclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): Tensor => runT('aten::isclose', '', [a, b, rtol, atol, false]);
/**
 * Whether every element satisfies `isclose` (torch.allclose), as a JS boolean; shapes must broadcast, and NaNs are never close.
 *
 * @example
 * allclose(out, expected, 1e-4, 1e-6); // true or false
 */
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean =>
  run('aten::allclose', '', [a, b, rtol, atol, false]) as boolean;

const unary =
  (name: string) =>
  (a: Tensor): Tensor =>
    runT(name, '', [a]);
/** Elementwise `-a` (torch.neg), in `a`'s dtype. @example neg(x); */
export const neg = unary('aten::neg');
/** Elementwise absolute value (torch.abs), in `a`'s dtype. @example abs(sub(a, b)).max(); // largest difference */
export const abs = unary('aten::abs');
/** -1, 0 or 1 by the sign of each element (torch.sign), in `a`'s dtype. @example sign(x); */
export const sign = unary('aten::sign');
/** Elementwise `e ** a` (torch.exp); integer input gives float32. @example exp(logProbs); // probabilities */
export const exp = unary('aten::exp');
/** Elementwise natural logarithm (torch.log): -Infinity at 0, NaN below; integer input gives float32. @example log(probs); */
export const log = unary('aten::log');
/** Elementwise `log(1 + a)` (torch.log1p), accurate where `a` is near 0. @example log1p(x); */
export const log1p = unary('aten::log1p');
/** Elementwise square root (torch.sqrt): NaN for negatives; integer input gives float32. @example sqrt(variance); */
export const sqrt = unary('aten::sqrt');
/** Elementwise `1 / sqrt(a)` (torch.rsqrt) in one op, as normalisation layers use it. @example rsqrt(add(variance, 1e-5)); */
export const rsqrt = unary('aten::rsqrt');
/** Elementwise `a * a` (torch.square); integer dtypes stay integer. @example square(sub(pred, target)).mean(); */
export const square = unary('aten::square');
/** Elementwise `1 / a` (torch.reciprocal); integer input gives float32. @example reciprocal(x); */
export const reciprocal = unary('aten::reciprocal');
/** Elementwise sine of radians (torch.sin); integer input gives float32. @example sin(angles); */
export const sin = unary('aten::sin');
/** Elementwise cosine of radians (torch.cos); integer input gives float32. @example cos(angles); */
export const cos = unary('aten::cos');
/** Rounds each element down (torch.floor); a float tensor stays float. @example floor(tensor([1.5, -1.5])); // [1, -2] */
export const floor = unary('aten::floor');
/** Rounds each element up (torch.ceil); a float tensor stays float. @example ceil(tensor([1.5, -1.5])); // [2, -1] */
export const ceil = unary('aten::ceil');
/** Rounds to the nearest integer, halves to even (torch.round): 0.5 gives 0 and 1.5 gives 2, unlike `Math.round`. @example round(x); */
export const round = unary('aten::round');
/** Bool tensor, true where `a` is NaN (torch.isnan). @example isnan(loss).any().item(); // 1 if any NaN */
export const isnan = unary('aten::isnan');
/** Bool tensor, true where `a` is neither NaN nor ±Infinity (torch.isfinite). @example isfinite(grad).all().item(); */
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

/**
 * In place `a += alpha * b` (torch.Tensor.add_): modifies and returns `a`; `b` must broadcast to `a`'s shape and cast to its dtype.
 *
 * @example
 * add_(w, g, -lr); // w -= lr * g
 */
export const add_ = (a: Tensor, b: Operand, alpha = 1): Tensor => binaryInPlace('aten::add_', a, b, [alpha]);
/** In place `a -= alpha * b` (torch.Tensor.sub_): modifies and returns `a`; `b` broadcasts to `a`'s shape. @example sub_(x, mean); */
export const sub_ = (a: Tensor, b: Operand, alpha = 1): Tensor => binaryInPlace('aten::sub_', a, b, [alpha]);
/** In place `a *= b` (torch.Tensor.mul_): modifies and returns `a`; `b` broadcasts to `a`'s shape. @example mul_(x, 0.9); */
export const mul_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::mul_', a, b);
/** In place true division `a /= b` (torch.Tensor.div_): modifies and returns `a`, which must be floating point. @example div_(x, 255); */
export const div_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::div_', a, b);
/** In place `a **= b` (torch.Tensor.pow_): modifies and returns `a`. @example pow_(x, 2); */
export const pow_ = (a: Tensor, b: Operand): Tensor => binaryInPlace('aten::pow_', a, b);
/**
 * In place clamp to [min, max] (torch.Tensor.clamp_): modifies and returns `a`; scalar bounds, either of which may be null.
 *
 * @example
 * clamp_(x, 0, 1);
 */
export const clamp_ = (a: Tensor, min?: number | null, max?: number | null): Tensor =>
  inPlace('aten::clamp_', '', a, [min ?? null, max ?? null]);
/**
 * Copies `src`'s values into `a` in place (torch.Tensor.copy_), broadcasting and casting to `a`'s dtype and device; returns `a`.
 *
 * @example
 * copy_(param, loaded);
 */
export const copy_ = (a: Tensor, src: Tensor): Tensor => inPlace('aten::copy_', '', a, [src, false]);
/** Fills `a` with zeros in place (torch.Tensor.zero_) and returns it. @example zero_(grad); */
export const zero_ = (a: Tensor): Tensor => inPlace('aten::zero_', '', a, []);
/** Fills `a` with `value` in place (torch.Tensor.fill_) and returns it; the value is cast to `a`'s dtype. @example fill_(bias, 0.1); */
export const fill_ = (a: Tensor, value: number | boolean): Tensor => inPlace('aten::fill_', 'Scalar', a, [value]);
/** Square root in place (torch.Tensor.sqrt_): modifies and returns `a`, which must be floating point. @example sqrt_(v); */
export const sqrt_ = (a: Tensor): Tensor => inPlace('aten::sqrt_', '', a, []);
/** Negates `a` in place (torch.Tensor.neg_) and returns it. @example neg_(x); */
export const neg_ = (a: Tensor): Tensor => inPlace('aten::neg_', '', a, []);
/** `e ** a` in place (torch.Tensor.exp_): modifies and returns `a`, which must be floating point. @example exp_(logits); */
export const exp_ = (a: Tensor): Tensor => inPlace('aten::exp_', '', a, []);
/** `max(a, 0)` in place (torch.relu_): modifies and returns `a`, saving an activation's memory. @example relu_(bn.forward(x)); */
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
