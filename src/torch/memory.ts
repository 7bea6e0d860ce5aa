/**
 * Tensor lifetime: `tidy` scopes, `keep`, and `memory()`.
 *
 * Native tensors hold memory V8 does not see, so lifetime is explicit: every
 * tensor made inside `tidy(fn)` is freed when `fn` returns, unless it is part
 * of the result or was passed to `keep`. A GC finalizer in the addon frees
 * anything left over, but only as a backstop.
 *
 * @example
 * const y = tidy(() => x.mul(2).add(1)); // the intermediate x*2 is freed
 */
import { native } from './binding.js';
import type { MemoryLease } from './binding.js';
import { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

/** Called by Tensor's constructor: puts the tensor in the innermost scope. */
export function track(tensor: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(tensor);
}

/** Takes a tensor out of every scope, so no `tidy` frees it. */
export function keep<T extends Tensor>(tensor: T): T {
  kept.add(tensor);
  for (const scope of scopes) scope.delete(tensor);
  return tensor;
}

/**
 * Every Tensor reachable from `value` through arrays, Maps, Sets and the own
 * enumerable properties of plain and null-prototype objects (and of class
 * instances when `instances`), at any depth; shared and cyclic structures are safe.
 */
function collect(value: unknown, out: Set<Tensor>, instances: boolean): void {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) out.add(v);
    else if (Array.isArray(v)) {
      for (const x of v as unknown[]) if (x !== null && typeof x === 'object') stack.push(x);
    } else if (v instanceof Map) for (const x of v.values()) stack.push(x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else if (instances ? !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) : isRecord(v)) {
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
}

function isRecord(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Runs `fn` in a scope and frees every tensor it created that is not in its
 * result (tensors in arrays, Maps, Sets and the enumerable properties of any
 * object count, at any depth) or kept.
 * `fn` must be synchronous: a scope cannot span an `await`.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy: expected a synchronous function but it returned a Promise; tidy each step inside it instead');
  }
  const survivors = new Set<Tensor>();
  collect(result, survivors, true); // a tensor held by a class instance survives too
  for (const t of scope) {
    if (survivors.has(t)) track(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Frees tensors (and tensors nested in arrays, Maps, Sets, plain or null-prototype objects; not class instances). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collect(value, found, false);
  for (const t of found) t.dispose();
}

/** Live native tensors, the bytes they address, and the process RSS. */
export interface MemoryInfo {
  liveTensors: number;
  bytes: number;
  rssBytes: number;
}

/** Counts live tensors (created and not yet disposed or collected). */
export function memory(): MemoryInfo {
  const [liveTensors, bytes] = native.liveHandles();
  return { liveTensors, bytes, rssBytes: process.memoryUsage().rss };
}

/**
 * References to `t`'s storage: 1 when only `t` holds it; views, clones of
 * the handle (detach) and memory leases each add one. A pool can reuse the
 * memory of a tensor it holds once this is 1 again.
 *
 * @example
 * const view = x.detach(); storageUseCount(x); // 2
 */
export function storageUseCount(t: Tensor): number {
  return native.storageUseCount(t.handle);
}

/**
 * Ends a `memoryLease()` now instead of at garbage collection, so the
 * tensor's memory is held by the tensor alone again; throws while a write
 * through the lease is in flight. Returns false when it was already released.
 *
 * @example
 * const lease = x.memoryLease(); await write(lease); releaseMemoryLease(lease);
 */
export function releaseMemoryLease(lease: MemoryLease): boolean {
  return native.releaseMemoryLease(lease);
}
