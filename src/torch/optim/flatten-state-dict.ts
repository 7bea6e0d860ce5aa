/**
 * Flattening optimizer and scheduler state dicts for a checkpoint: the
 * tensors go into a `Record<string, Tensor>` (for a safetensors file) and
 * everything else into one JSON string (for the file's `__metadata__`, say).
 *
 * Layout a checkpoint writer can rely on:
 * - a tensor at path `state → 0 → expAvg` is stored under
 *   `<prefix>state.0.expAvg`, and the JSON holds `{"$tensor": "<that key>"}`
 *   in its place;
 * - numbers JSON cannot hold (Infinity, -Infinity, NaN: ReduceLROnPlateau's
 *   `best` starts at Infinity) are written as `{"$number": "Infinity"}`;
 * - everything else (numbers, strings, booleans, null, arrays, plain
 *   objects) is plain JSON.
 *
 * @example
 * const { tensors, json } = flattenStateDict(opt.stateDict(), { prefix: 'optimizer.' });
 * saveSafetensors({ ...modelTensors, ...tensors }, 'last.ckpt', { optimizer: json });
 * // later
 * opt.loadStateDict(unflattenStateDict(loaded.tensors, loaded.metadata.optimizer));
 */
import { SerializationError } from '../../errors.js';
import { Tensor } from '../tensor.js';

/** A state dict's shape: nested plain objects and arrays of tensors and JSON values. */
export type StateTree =
  Tensor | number | string | boolean | null | undefined | readonly StateTree[] | { readonly [key: string]: StateTree };

/** A flattened state dict: named tensors plus JSON text for the rest. */
export interface FlatStateDict {
  tensors: Record<string, Tensor>;
  json: string;
}

function encodeLeaf(value: unknown, path: string, tensors: Record<string, Tensor>): unknown {
  if (value instanceof Tensor) {
    tensors[path] = value;
    return { $tensor: path };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  return value === undefined ? null : value;
}

/**
 * Splits a state dict into named tensors and JSON. Tensors are not copied:
 * they are the optimizer's own, so do not dispose them.
 *
 * @example
 * const flat = flattenStateDict(scheduler.stateDict()); // { tensors: {}, json: '{"lastEpoch":3,...}' }
 */
export function flattenStateDict(stateDict: StateTree | object, options: { prefix?: string } = {}): FlatStateDict {
  const tensors: Record<string, Tensor> = {};
  const prefix = options.prefix ?? '';
  const walk = (value: unknown, path: string): unknown => {
    if (value !== null && typeof value === 'object' && !(value instanceof Tensor)) {
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i), v] as const)
        : Object.entries(value as Record<string, unknown>);
      const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
      for (const [k, v] of entries) {
        if (k.includes('.')) throw new SerializationError(`flattenStateDict: expected keys without '.', but got '${k}'`);
        (out as Record<string, unknown>)[k] = walk(v, path === '' ? k : `${path}.${k}`);
      }
      return out;
    }
    return encodeLeaf(value, `${prefix}${path}`, tensors);
  };
  return { tensors, json: JSON.stringify(walk(stateDict, '')) };
}

function decode(value: unknown, tensors: Readonly<Record<string, Tensor>>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => decode(v, tensors));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && typeof record.$tensor === 'string') {
    const t = tensors[record.$tensor];
    if (t === undefined) throw new SerializationError(`unflattenStateDict: expected a tensor named '${record.$tensor}', but got none`);
    return t;
  }
  if (keys.length === 1 && typeof record.$number === 'string') return Number(record.$number);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decode(v, tensors);
  return out;
}

/**
 * Rebuilds a state dict from `flattenStateDict`'s output. The tensors are
 * used as they are (`loadStateDict` copies them).
 *
 * @example
 * opt.loadStateDict(unflattenStateDict(tensors, json) as OptimizerStateDict);
 */
export function unflattenStateDict<T = unknown>(tensors: Readonly<Record<string, Tensor>>, json: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new SerializationError(`unflattenStateDict: expected JSON text, but got an unparsable string (${(error as Error).message})`, {
      cause: error,
    });
  }
  return decode(parsed, tensors) as T;
}
