/**
 * Calls libtorch operators by their schema name through the addon, turning
 * Tensors into handles on the way in and handles into Tensors on the way out.
 * Operator handles are looked up once and cached.
 *
 * @example
 * runT('aten::add', 'Tensor', [a, b, 1]); // a + b
 */
import { native } from '../binding.js';
import type { OpArg, OpHandle, OpResult, TensorHandle } from '../binding.js';
import { Tensor } from '../tensor.js';

const cache = new Map<string, OpHandle>();

function handleFor(name: string, overload: string): OpHandle {
  const key = `${name}.${overload}`;
  let op = cache.get(key);
  if (op === undefined) {
    op = native.opHandle(name, overload);
    cache.set(key, op);
  }
  return op;
}

/** A JS-side argument: Tensors and arrays of Tensors are allowed. */
export type Arg = OpArg | Tensor | readonly (number | boolean | Tensor | null)[];

function toArg(a: Arg): OpArg {
  if (a instanceof Tensor) return a.handle;
  if (Array.isArray(a)) return a.map((x: unknown) => (x instanceof Tensor ? x.handle : x)) as OpArg;
  return a as OpArg;
}

/** The arguments as handles; a disposed tensor among them is reported with the operator's name. */
function toArgs(name: string, args: readonly Arg[]): OpArg[] {
  try {
    return args.map(toArg);
  } catch (error) {
    throw new Error(`Error in ${name}: ${(error as Error).message}`, { cause: error });
  }
}

type Result = Tensor | number | boolean | string | null | Result[];

function fromResult(r: OpResult): Result {
  if (r === null || typeof r !== 'object') return r;
  if (Array.isArray(r)) return r.map(fromResult);
  return new Tensor(r);
}

/** Calls an operator and returns whatever it returns. */
export function run(name: string, overload: string, args: readonly Arg[]): Result {
  return fromResult(native.callOp(handleFor(name, overload), toArgs(name, args)));
}

/** Calls an operator that returns one tensor. */
export function runT(name: string, overload: string, args: readonly Arg[]): Tensor {
  return new Tensor(native.callOp(handleFor(name, overload), toArgs(name, args)) as TensorHandle);
}

/** Calls an operator that returns several tensors (a tuple or a list). */
export function runTs(name: string, overload: string, args: readonly Arg[]): Tensor[] {
  const out = native.callOp(handleFor(name, overload), toArgs(name, args)) as TensorHandle[];
  return out.map((h) => new Tensor(h));
}

/** The schema of an operator, for messages and debugging. */
export function schemaOf(name: string, overload = ''): string {
  return native.opSchema(handleFor(name, overload));
}
