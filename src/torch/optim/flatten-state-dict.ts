/**
 * Flattening optimizer and scheduler state dicts for a checkpoint: the
 * tensors go into a `Record<string, Tensor>` (for a safetensors file) and
 * everything else into one JSON string (for the file's `__metadata__`, say).
 *
 * Layout a checkpoint writer can rely on:
 * - a tensor at path `state → 0 → expAvg` is stored under
 *   `<prefix>state.0.expAvg`, and the JSON holds `{"$tensor": "<that key>"}`
 *   in its place; a key's own `.` and `%` are written `%2E` and `%25` there,
 *   so keys are free text (a metric named after class `v1.0`) and two
 *   paths never share a name. Readers only follow the JSON's names;
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

/** A key as one segment of a tensor's name. */
function segment(key: string): string {
  return key.replace(/[%.]/g, (c) => (c === '.' ? '%2E' : '%25'));
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
      const child = (k: string, v: unknown): unknown => walk(v, path === '' ? segment(k) : `${path}.${segment(k)}`);
      if (Array.isArray(value)) return value.map((v, i) => child(String(i), v));
      // fromEntries defines own properties: a '__proto__' key stays a key instead of setting the prototype.
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, child(k, v)]));
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
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decode(v, tensors)]));
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
