// One test per native entry point, called directly through `native`: good
// arguments work, bad ones throw — TypeError for a JS value that does not
// fit, Error with libtorch's own text for a libtorch failure — and the
// process never aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from './binding.js';
import type { MemoryLease, OpArg, OpResult, TensorHandle } from './binding.js';
import { distributedEntries } from './native-entries.test-helper.js';

const F32 = 6;
const I64 = 4;
const BOOL = 11;
const BF16 = 15;

/** Matches an Error that is not a TypeError (a libtorch or lookup failure) with this text. */
const libtorchError =
  (pattern: RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof Error && !(error instanceof TypeError), `expected a plain Error but got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
/** Matches a TypeError with this text. */
const typeError =
  (pattern: RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof TypeError, `expected a TypeError but got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };

const f32 = (values: number[], shape = [values.length]): TensorHandle => native.fromBuffer(new Float32Array(values), shape, F32);
const values = (h: OpResult): number[] => Array.from(new Float32Array(native.toBuffer(h as TensorHandle)));
const call = (name: string, overload: string, args: OpArg[]): OpResult => native.callOp(native.opHandle(name, overload), args);
const bad = (v: unknown): never => v as never;

const tested = new Set<string>();
function entry(name: keyof typeof native, body: () => void): void {
  tested.add(name);
  void test(name, body);
}

entry('opHandle', () => {
  assert.equal(typeof native.opHandle('aten::add', 'Tensor'), 'object');
  assert.throws(() => native.opHandle('aten::no_such_op', ''), libtorchError(/no operator aten::no_such_op$/));
  assert.throws(() => native.opHandle('aten::add', 'Nope'), libtorchError(/no operator aten::add\.Nope/));
  assert.throws(() => native.opHandle(bad(1), ''), typeError(/opHandle: expected \(name: string, overload: string\)/));
  assert.throws(() => (native.opHandle as unknown as (name: string) => unknown)('aten::add'), typeError(/opHandle/));
});

entry('callOp', () => {
  const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.deepEqual(values(call('aten::add', 'Tensor', [a, a, 2])), [3, 6, 9, 12, 15, 18]);
  assert.deepEqual(values(call('aten::mul', 'Scalar', [a, { float: 0.5 }])), [0.5, 1, 1.5, 2, 2.5, 3]);
  const [maxValues, maxIndices] = call('aten::max', 'dim', [a, 1]) as TensorHandle[];
  assert.deepEqual(values(maxValues), [3, 6]);
  assert.deepEqual(Array.from(new BigInt64Array(native.toBuffer(maxIndices))), [2n, 2n]);
  assert.equal((call('aten::split', 'Tensor', [a, 1, 0]) as TensorHandle[]).length, 2);
  assert.equal(call('aten::allclose', '', [a, a]), true);
  assert.equal(call('aten::size', 'int', [a, 1]), 3);
  assert.deepEqual(values(call('aten::avg_pool2d', '', [f32([1, 2, 3, 4], [1, 1, 2, 2]), 2])), [2.5]); // int[2] from one number
  assert.throws(
    () => call('aten::add', 'Tensor', [a, bad('x')]),
    typeError(/^aten::add\.Tensor: expected a tensor for argument 'other' but got string$/),
  );
  assert.throws(() => call('aten::add', 'Tensor', [a]), typeError(/aten::add\.Tensor: missing required argument 'other'/));
  assert.throws(() => call('aten::relu', '', [a, a]), typeError(/aten::relu: expected at most 1 arguments but got 2/));
  assert.throws(
    () => call('aten::zeros', '', [[2], 99]),
    typeError(/aten::zeros: expected a dtype code in \[0, \d+\) for argument 'dtype'/),
  );
  assert.throws(
    () => call('aten::contiguous', '', [a, 77]),
    typeError(/expected a memory format code in \[0, 4\) for argument 'memory_format'/),
  );
  assert.throws(() => call('aten::sum', 'dim_IntList', [a, [0.5]]), typeError(/expected an integer within int64 for argument 'dim'/));
  assert.throws(() => call('aten::cat', '', [[a, bad(1)]]), typeError(/aten::cat: expected an array of tensors for argument 'tensors'/));
  assert.throws(() => call('aten::mul', 'Scalar', [a, { float: bad('x') }]), typeError(/expected a number for argument 'other'/));
  assert.throws(() => call('aten::bernoulli', '', [a, bad('gen')]), typeError(/generators are not supported/));
  assert.throws(() => native.callOp(bad(a), []), typeError(/expected an operator handle from opHandle\(\) but got external/));
  assert.throws(() => native.callOp(native.opHandle('aten::relu', ''), bad(a)), typeError(/aten::relu: expected an array of arguments/));
  // libtorch's own failures keep libtorch's text.
  assert.throws(() => call('aten::mm', '', [a, a]), libtorchError(/mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/));
  assert.throws(
    () => call('aten::add', 'Tensor', [a, f32([1, 2])]),
    libtorchError(/The size of tensor a \(3\) must match the size of tensor b \(2\)/),
  );
  assert.throws(
    () => call('aten::conv2d', '', [f32(new Array(50).fill(0), [1, 2, 5, 5]), f32(new Array(27).fill(0), [1, 3, 3, 3])]),
    libtorchError(/expected input\[1, 2, 5, 5\] to have 3 channels, but got 2 channels instead/),
  );
  assert.throws(() => call('aten::view', '', [a, [4, -1]]), libtorchError(/shape '\[4, -1\]' is invalid for input of size 6/));
  assert.throws(() => call('aten::zeros', '', [[2], F32, null, 'gpu']), libtorchError(/Expected one of cpu, cuda/));
  const gone = f32([1]);
  native.dispose(gone);
  assert.throws(() => call('aten::relu', '', [gone]), libtorchError(/Tensor is disposed \(self\)/));
});

entry('opSchema', () => {
  assert.equal(
    native.opSchema(native.opHandle('aten::add', 'Tensor')),
    'aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor',
  );
  assert.throws(() => native.opSchema(bad({})), typeError(/expected an operator handle/));
});

entry('fromBuffer', () => {
  const h = native.fromBuffer(new Float32Array([1, 2, 3, 4, 5, 6]).subarray(2), [2, 2], F32);
  assert.deepEqual(values(h), [3, 4, 5, 6]);
  assert.deepEqual(native.meta(native.fromBuffer(new Uint8Array([1, 0]).buffer, [2], BOOL)).slice(0, 3), [BOOL, 'cpu', [2]]);
  assert.deepEqual(native.meta(native.fromBuffer(new Float32Array(0), [0, 3], F32))[2], [0, 3]);
  assert.throws(
    () => native.fromBuffer(new Float32Array(3), [2, 2], F32),
    typeError(/fromBuffer: expected 16 bytes for shape \[2, 2\] and dtype Float but got 12/),
  );
  assert.throws(() => native.fromBuffer(bad([1, 2]), [2], F32), typeError(/expected a TypedArray or ArrayBuffer but got array/));
  assert.throws(() => native.fromBuffer(new Float32Array(2), bad(2), F32), typeError(/expected shape to be an array but got number/));
  assert.throws(() => native.fromBuffer(new Float32Array(2), [-2], F32), typeError(/non-negative integer shape entries/));
  assert.throws(() => native.fromBuffer(new Float32Array(2), [1.5], F32), typeError(/non-negative integer shape entries/));
  assert.throws(() => native.fromBuffer(new Float32Array(2), [2], 99), typeError(/unknown dtype code 99/));
  assert.throws(() => native.fromBuffer(new Float32Array(2), [2], bad('float32')), typeError(/expected a dtype code but got string/));
});

entry('toBuffer', () => {
  const a = f32([1, 2, 3, 4], [2, 2]);
  const t = call('aten::t', '', [a]) as TensorHandle;
  assert.deepEqual(values(t), [1, 3, 2, 4]); // a contiguous copy of a transposed view
  assert.equal(native.toBuffer(f32([])).byteLength, 0);
  assert.throws(() => native.toBuffer(bad(null)), typeError(/expected a tensor handle for toBuffer but got null/));
});

entry('sharedBuffer', () => {
  const a = f32([1, 2]);
  const view = new Float32Array(native.sharedBuffer(a));
  view[0] = 9;
  assert.deepEqual(values(a), [9, 2]);
  call('aten::fill_', 'Scalar', [a, 4]);
  assert.deepEqual(Array.from(view), [4, 4]);
  native.dispose(a);
  assert.deepEqual(Array.from(view), [4, 4]); // the buffer keeps the storage alive
  assert.throws(() => native.sharedBuffer(bad(undefined)), typeError(/sharedBuffer/));
});

entry('memoryLease', () => {
  const a = f32([1, 2, 3]);
  const lease = native.memoryLease(a);
  assert.equal(native.storageUseCount(a), 2); // the lease holds the storage
  native.dispose(a);
  assert.equal(native.releaseMemoryLease(lease), true);
  assert.throws(() => native.memoryLease(f32([])), typeError(/memoryLease: expected a non-empty contiguous CPU tensor/));
  const t = call('aten::t', '', [f32([1, 2, 3, 4], [2, 2])]) as TensorHandle;
  assert.throws(() => native.memoryLease(t), typeError(/contiguous/));
  assert.throws(() => native.memoryLease(bad(1)), typeError(/memoryLease/));
});

entry('releaseMemoryLease', () => {
  const a = f32([1, 2]);
  const lease = native.memoryLease(a);
  assert.equal(native.releaseMemoryLease(lease), true);
  assert.equal(native.storageUseCount(a), 1);
  assert.equal(native.releaseMemoryLease(lease), false); // already released
  assert.throws(() => native.releaseMemoryLease(a as unknown as MemoryLease), typeError(/expected a memory lease/));
  assert.throws(() => native.releaseMemoryLease(bad({})), typeError(/releaseMemoryLease/));
});

entry('storageUseCount', () => {
  const a = f32([1, 2, 3, 4]);
  assert.equal(native.storageUseCount(a), 1);
  const view = call('aten::view', '', [a, [2, 2]]) as TensorHandle;
  assert.equal(native.storageUseCount(a), 2);
  native.dispose(view);
  assert.equal(native.storageUseCount(a), 1);
  assert.throws(() => native.storageUseCount(bad(null)), typeError(/storageUseCount/));
});

entry('meta', () => {
  assert.deepEqual(native.meta(f32([1, 2, 3, 4, 5, 6], [2, 3])), [F32, 'cpu', [2, 3], false]);
  assert.throws(() => native.meta(bad(3)), typeError(/expected a tensor handle for meta but got number/));
});

entry('strides', () => {
  const a = f32(new Array(24).fill(0), [2, 3, 4]);
  assert.deepEqual(native.strides(a), [12, 4, 1]);
  assert.deepEqual(native.strides(call('aten::permute', '', [a, [2, 0, 1]]) as TensorHandle), [1, 12, 4]);
  assert.throws(() => native.strides(bad('x')), typeError(/strides/));
});

entry('isContiguous', () => {
  const a = f32(new Array(16).fill(0), [1, 4, 2, 2]);
  assert.equal(native.isContiguous(a, 0), true);
  assert.equal(native.isContiguous(a, 2), false);
  assert.equal(native.isContiguous(call('aten::contiguous', '', [a, 2]) as TensorHandle, 2), true);
  assert.throws(() => native.isContiguous(a, 1), typeError(/expected contiguous \(0\) or channelsLast \(2\)/));
  assert.throws(() => native.isContiguous(a, bad('channelsLast')), typeError(/expected a memory format code but got string/));
});

entry('item', () => {
  assert.equal(native.item(f32([2.5])), 2.5);
  assert.equal(native.item(native.fromBuffer(new BigInt64Array([-7n]), [], I64)), -7);
  assert.equal(native.item(native.fromBuffer(new Uint8Array([1]), [1], BOOL)), true);
  assert.throws(() => native.item(f32([1, 2])), libtorchError(/a Tensor with 2 elements cannot be converted to Scalar/));
  assert.throws(() => native.item(f32([])), libtorchError(/a Tensor with 0 elements cannot be converted to Scalar/));
});

entry('dispose', () => {
  const a = f32([1]);
  assert.equal(native.dispose(a), true);
  assert.equal(native.dispose(a), false);
  assert.throws(() => native.meta(a), libtorchError(/Tensor is disposed \(meta\)/));
  assert.throws(() => native.item(a), libtorchError(/Tensor is disposed \(item\)/));
  assert.throws(
    () => native.dispose(bad(native.opHandle('aten::add', 'Tensor'))),
    typeError(/expected a tensor handle for dispose but got external/),
  );
});

entry('isDisposed', () => {
  const a = f32([1]);
  assert.equal(native.isDisposed(a), false);
  native.dispose(a);
  assert.equal(native.isDisposed(a), true);
  assert.throws(() => native.isDisposed(bad({})), typeError(/isDisposed/));
});

entry('nbytes', () => {
  assert.equal(native.nbytes(f32([1, 2, 3])), 12);
  assert.equal(native.nbytes(native.fromBuffer(new BigInt64Array(2), [2], I64)), 16);
  const gone = f32([1]);
  native.dispose(gone);
  assert.throws(() => native.nbytes(gone), libtorchError(/Tensor is disposed/));
});

entry('liveHandles', () => {
  const [count, bytes] = native.liveHandles();
  const a = f32([1, 2, 3, 4]);
  assert.deepEqual(native.liveHandles(), [count + 1, bytes + 16]);
  native.dispose(a);
  assert.deepEqual(native.liveHandles(), [count, bytes]);
});

entry('requiresGrad', () => {
  assert.equal(native.requiresGrad(f32([1])), false);
  assert.throws(() => native.requiresGrad(bad(1)), typeError(/requiresGrad/));
});

entry('setRequiresGrad', () => {
  const a = f32([1]);
  native.setRequiresGrad(a, true);
  assert.equal(native.requiresGrad(a), true);
  assert.throws(() => native.setRequiresGrad(a, bad(1)), typeError(/setRequiresGrad: expected a boolean but got number/));
  assert.throws(
    () => native.setRequiresGrad(native.fromBuffer(new BigInt64Array(1), [1], I64), true),
    libtorchError(/Only Tensors of floating point and complex dtype can require gradients/),
  );
  const y = call('aten::mul', 'Tensor', [a, a]) as TensorHandle;
  assert.throws(() => native.setRequiresGrad(y, false), libtorchError(/you can only change requires_grad flags of leaf variables/));
});

entry('grad', () => {
  const a = f32([3]);
  assert.equal(native.grad(a), null);
  native.setRequiresGrad(a, true);
  native.backward(call('aten::mul', 'Tensor', [a, a]) as TensorHandle, null, undefined, false);
  assert.deepEqual(values(native.grad(a)), [6]);
});

entry('setGrad', () => {
  const a = f32([1, 2]);
  native.setGrad(a, f32([5, 6]));
  assert.deepEqual(values(native.grad(a)), [5, 6]);
  native.setGrad(a, null);
  assert.equal(native.grad(a), null);
  assert.throws(() => native.setGrad(a, bad(3)), typeError(/setGrad gradient/));
  assert.throws(
    () => native.setGrad(a, f32([1, 2, 3])),
    typeError(/setGrad: expected a gradient of shape \[2\], dtype Float on cpu but got \[3\]/),
  );
});

entry('backward', () => {
  const a = f32([1, 2]);
  native.setRequiresGrad(a, true);
  const y = call('aten::mul', 'Tensor', [a, a]) as TensorHandle;
  assert.throws(() => native.backward(y, null, undefined, false), libtorchError(/grad can be implicitly created only for scalar outputs/));
  assert.throws(
    () => native.backward(y, f32([1, 1, 1]), undefined, false),
    libtorchError(/invalid gradient at index 0 - got \[3\] but expected shape compatible with \[2\]/),
  );
  native.backward(y, f32([1, 0.5]), true, false);
  native.backward(y, f32([1, 0.5]), undefined, false);
  assert.deepEqual(values(native.grad(a)), [4, 4]);
  assert.throws(() => native.backward(y, f32([1, 1]), undefined, false), libtorchError(/backward through the graph a second time/));
  assert.throws(
    () => native.backward(f32([1]), null, undefined, false),
    libtorchError(/does not require grad and does not have a grad_fn/),
  );
});

entry('retainGrad', () => {
  const a = f32([2]);
  native.setRequiresGrad(a, true);
  const h = call('aten::mul', 'Scalar', [a, 3]) as TensorHandle;
  native.retainGrad(h);
  native.backward(call('aten::mul', 'Tensor', [h, h]) as TensorHandle, null, undefined, false);
  assert.deepEqual(values(native.grad(h)), [12]);
  assert.throws(() => native.retainGrad(f32([1])), libtorchError(/can't retain_grad on Tensor that has requires_grad=False/));
});

entry('isLeaf', () => {
  const a = f32([2]);
  native.setRequiresGrad(a, true);
  assert.equal(native.isLeaf(a), true);
  assert.equal(native.isLeaf(call('aten::neg', '', [a]) as TensorHandle), false);
  assert.throws(() => native.isLeaf(bad(undefined)), typeError(/isLeaf/));
});

entry('gradFn', () => {
  const a = f32([2]);
  assert.equal(native.gradFn(a), null);
  native.setRequiresGrad(a, true);
  assert.equal(native.gradFn(call('aten::neg', '', [a]) as TensorHandle), 'NegBackward0');
});

entry('setGradEnabled', () => {
  assert.equal(native.setGradEnabled(false), true);
  assert.equal(native.setGradEnabled(true), false);
  assert.throws(() => native.setGradEnabled(bad(0)), typeError(/setGradEnabled: expected a boolean but got number/));
  assert.equal(native.isGradEnabled(), true);
});

entry('isGradEnabled', () => {
  assert.equal(native.isGradEnabled(), true);
  native.setGradEnabled(false);
  const a = f32([1]);
  native.setRequiresGrad(a, true);
  assert.equal(native.requiresGrad(call('aten::neg', '', [a]) as TensorHandle), false);
  native.setGradEnabled(true);
});

entry('manualSeed', () => {
  native.manualSeed(0);
  assert.deepEqual(values(call('aten::randn', '', [[3]])), [1.5409960746765137, -0.293428897857666, -2.1787893772125244]);
  assert.throws(() => native.manualSeed(bad('0')), typeError(/manualSeed: expected a number but got string/));
  assert.throws(() => native.manualSeed(-5), typeError(/manualSeed: expected a non-negative safe integer/));
});

entry('getRngState', () => {
  native.manualSeed(0);
  const state = native.getRngState();
  assert.deepEqual(native.meta(state)[2], [5056]); // torch.get_rng_state().shape in PyTorch 1.13
  assert.deepEqual(values(call('aten::randn', '', [[3]])), [1.5409960746765137, -0.293428897857666, -2.1787893772125244]);
  native.setRngState(state);
  assert.deepEqual(values(call('aten::randn', '', [[3]])), [1.5409960746765137, -0.293428897857666, -2.1787893772125244]);
});

entry('setRngState', () => {
  assert.throws(() => native.setRngState(f32([1, 2])), libtorchError(/RNG state|ByteTensor|uint8|Byte/i));
  assert.throws(() => native.setRngState(bad(3)), typeError(/setRngState/));
});

entry('setDeterministic', () => {
  native.setDeterministic(true);
  assert.equal(native.isDeterministic(), true);
  native.setDeterministic(false);
  assert.throws(() => native.setDeterministic(bad(1)), typeError(/setDeterministic: expected a boolean but got number/));
});

entry('isDeterministic', () => assert.equal(native.isDeterministic(), false));

entry('setNumThreads', () => {
  const before = native.getNumThreads();
  native.setNumThreads(1);
  assert.equal(native.getNumThreads(), 1);
  native.setNumThreads(before);
  assert.throws(() => native.setNumThreads(0), typeError(/setNumThreads: expected a positive integer but got 0/));
  assert.throws(() => native.setNumThreads(1.5), typeError(/positive integer/));
  assert.throws(() => native.setNumThreads(bad('2')), typeError(/expected a number but got string/));
});

entry('getNumThreads', () => assert.ok(Number.isInteger(native.getNumThreads()) && native.getNumThreads() >= 1));
entry('version', () => assert.match(native.version(), /^1\.13\.\d+$/));
entry('showConfig', () => assert.match(native.showConfig(), /PyTorch built with/));
entry('parallelInfo', () => assert.match(native.parallelInfo(), /ATen\/Parallel/));
entry('cudaDeviceCount', () => assert.ok(Number.isInteger(native.cudaDeviceCount()) && native.cudaDeviceCount() >= 0));

entry('autocastGet', () => {
  const [enabled, dtype] = native.autocastGet('cpu');
  assert.equal(enabled, false);
  assert.equal(dtype, BF16);
  assert.throws(() => native.autocastGet(bad('gpu')), typeError(/autocast: expected device 'cpu' or 'cuda' but got gpu/));
  assert.throws(() => native.autocastGet(bad(0)), typeError(/expected device 'cpu' or 'cuda' but got number/));
});

entry('autocastSet', () => {
  native.autocastSet('cpu', true, BF16);
  assert.deepEqual(native.autocastGet('cpu'), [true, BF16]);
  native.autocastSet('cpu', false, BF16);
  assert.deepEqual(native.autocastGet('cpu'), [false, BF16]);
  assert.throws(() => native.autocastSet(bad('tpu'), true, BF16), typeError(/expected device 'cpu' or 'cuda' but got tpu/));
  assert.throws(() => native.autocastSet('cpu', bad(1), BF16), typeError(/autocastSet: expected \(device, enabled, dtype\)/));
  // A bad dtype is refused before anything changes.
  native.autocastSet('cpu', false, BF16);
  assert.throws(() => native.autocastSet('cpu', true, F32), typeError(/autocastSet: expected dtype bfloat16 but got code 6/));
  assert.deepEqual(native.autocastGet('cpu'), [false, BF16]);
});

entry('autocastNesting', () => {
  assert.equal(native.autocastNesting(1), 1);
  assert.equal(native.autocastNesting(1), 2);
  assert.equal(native.autocastNesting(-1), 1);
  assert.equal(native.autocastNesting(-1), 0);
  assert.throws(() => native.autocastNesting(bad('+1')), typeError(/autocastNesting: expected \+1 or -1/));
});

// Fused optimizer updates: numbers against PyTorch in src/torch/optim/optimizers.test.ts.
entry('adamStep', () => {
  const p = f32([1, -2]);
  const bad = { decay: 1, beta1: 0.9, beta2: 0.999, stepSize: 0.1, bc2Sqrt: 1, eps: 1e-8 };
  const args = (x: unknown) => [
    p,
    f32([0.5, 0.5]),
    f32([0, 0]),
    f32([0, 0]),
    null,
    bad.decay,
    x,
    bad.beta2,
    bad.stepSize,
    bad.bc2Sqrt,
    bad.eps,
  ];
  assert.throws(() => (native.adamStep as (...a: unknown[]) => boolean)(...args('0.9')), { name: 'TypeError', message: /beta1/ });
  assert.throws(() => (native.adamStep as (...a: unknown[]) => boolean)({}, ...args(0.9).slice(1)), TypeError);
  assert.equal((native.adamStep as (...a: unknown[]) => boolean)(...args(0.9)), true);
  // m = 0.05, v = 0.00025 -> p - 0.1 * 0.05 / (sqrt(0.00025) + 1e-8)
  assert.ok(Math.abs(values(p)[0] - (1 - (0.1 * 0.05) / (Math.sqrt(0.00025) + 1e-8))) < 1e-6);
  assert.equal(native.adamStep(p, f32([1, 2, 3]), f32([0, 0]), f32([0, 0]), null, 1, 0.9, 0.999, 0.1, 1, 1e-8), false, 'sizes differ');
});
entry('sgdStep', () => {
  const p = f32([1, -2]);
  assert.equal(native.sgdStep(p, f32([0.5, -1]), null, 0.1, 0, 0, 0, false, false), true);
  assert.deepEqual(values(p), [Math.fround(1 - 0.05), Math.fround(-1.9)]);
  assert.throws(() => (native.sgdStep as (...a: unknown[]) => boolean)(p, f32([0, 0]), null, 0.1, 0, 0, 0, 'yes', false), TypeError);
});
// Multi-tensor updates: bitwise against the per-parameter ones in src/torch/optim/optimizer-foreach.test.ts.
entry('adamStepMany', () => {
  const p = [f32([1, -2]), f32([3])];
  const moments = () => [f32([0, 0]), f32([0])];
  const steps = new Float64Array([0.1, 0.1]);
  const args = (params: unknown, bc2: unknown = steps): unknown[] => [
    params,
    [f32([0.5, 0.5]), f32([1])],
    moments(),
    moments(),
    null,
    steps,
    bc2,
    1,
    0.9,
    0.999,
    1e-8,
  ];
  const many = (...a: unknown[]) => (native.adamStepMany as (...b: unknown[]) => Uint8Array)(...a);
  assert.deepEqual([...many(...args(p, new Float64Array([1, 1])))], [1, 1]);
  assert.ok(Math.abs(values(p[0])[0] - (1 - (0.1 * 0.05) / (Math.sqrt(0.00025) + 1e-8))) < 1e-6);
  const before = [values(p[0]), values(p[1])];
  // Every argument is checked before any tensor is written: a bad last row leaves the first untouched.
  assert.throws(() => many(...args([p[0], {}])), typeError(/adamStepMany: params/));
  assert.throws(() => many(...args(p, [1, 1])), typeError(/adamStepMany: expected a Float64Array of 2 for bc2Sqrts but got array/));
  assert.throws(() => many(...args(p, new Float64Array(3))), typeError(/Float64Array of 2/));
  assert.throws(() => many(...args([p[0]])), typeError(/adamStepMany: grads: expected 1 tensor handles \(one per param\) but got 2/));
  assert.deepEqual([values(p[0]), values(p[1])], before);
  // A parameter listed twice is updated once here; the second listing is left to the per-op path.
  assert.deepEqual([...many(...args([p[0], p[0]], new Float64Array([1, 1])))], [1, 0]);
});
entry('sgdStepMany', () => {
  const p = [f32([1, -2]), f32([1, 2, 3, 4], [2, 2])];
  const view = call('aten::t', '', [p[1]]) as TensorHandle;
  const flags = native.sgdStepMany([p[0], view], [f32([0.5, -1]), f32([1, 1, 1, 1], [2, 2])], null, 0.1, 0, 0, 0, false, false);
  assert.deepEqual([...flags], [1, 0], 'a transposed view is not fusable: left untouched');
  assert.deepEqual(values(p[0]), [Math.fround(1 - 0.05), Math.fround(-1.9)]);
  assert.deepEqual(values(p[1]), [1, 2, 3, 4]);
  // Views of one storage: the halves are updated at once; a view overlapping an earlier one is left out.
  const base = f32([1, 2, 3, 4, 5, 6]);
  const slice = (from: number, to: number) => call('aten::slice', 'Tensor', [base, 0, from, to, 1]) as TensorHandle;
  const sgd = (params: TensorHandle[]) => [
    ...native.sgdStepMany(
      params,
      params.map(() => f32([1, 1, 1])),
      null,
      0.5,
      0,
      0,
      0,
      false,
      false,
    ),
  ];
  assert.deepEqual(sgd([slice(0, 3), slice(3, 6)]), [1, 1]);
  assert.deepEqual(sgd([slice(0, 3), slice(2, 5)]), [1, 0]);
  assert.deepEqual(values(base), [0, 1, 2, 3.5, 4.5, 5.5]);
  const many = (...a: unknown[]) => (native.sgdStepMany as (...b: unknown[]) => Uint8Array)(...a);
  assert.throws(() => many([p[0]], [p[0]], null, 0.1, 0, 0, 0, 'yes', false), typeError(/sgdStepMany: expected a boolean for nesterov/));
  assert.throws(() => many([p[0]], [p[0]], [], 0.1, 0.9, 0, 0, false, false), typeError(/momentumBuffers: expected 1/));
});

void test('every native entry point has a test', () => {
  assert.deepEqual([...tested, ...distributedEntries].sort(), Object.keys(native).sort());
});
