/**
 * Reads PyTorch `.pth` / `.pt` files written by `torch.save` (the zip format
 * of PyTorch ≥ 1.6: `<prefix>/data.pkl`, `<prefix>/data/<key>` storages,
 * `<prefix>/version`, optional `<prefix>/byteorder`) without Python and
 * without libtorch's pickle loader. The pickle is interpreted by a restricted
 * unpickler that, like `torch.load(weights_only=True)`, accepts only tensors,
 * parameters, storages, OrderedDict, dicts, lists, tuples and plain values,
 * and refuses any other global by name without running it.
 *
 * The result is flat: nested dicts, lists and tuples become dotted names
 * (`{'state_dict': {'fc.weight': w}}` → `'state_dict.fc.weight'`, a list
 * item → `'optimizer_states.0....'`), values that are not tensors (epoch
 * numbers, strings, hyper-parameters) are dropped, and a file that holds a
 * single tensor gives it the name `''`. `select` picks one sub-dict and
 * names its tensors relative to it (`{ select: 'state_dict' }` for a
 * Lightning checkpoint). Storages are loaded to the CPU whatever their saved
 * location; tensors that shared a storage in Python share it here too.
 *
 * @example
 * const weights = loadPth('resnet18-f37072fd.pth');
 * weights['fc.weight'].shape; // [1000, 512]
 * const lightning = loadPth('epoch=3.ckpt', { select: 'state_dict' });
 */
import { readWhole } from './read-whole.js';
import { SerializationError } from '../../errors.js';
import { native } from '../binding.js';
import { dtypeCode, elementSize, isFloatingPoint } from '../dtype.js';
import { runT } from '../ops/dispatch.js';
import { Tensor } from '../tensor.js';
import { PickleDict, unpickle } from './unpickler.js';
import { TensorRef, pthGlobals, storageFromPid } from './pth-pickle.js';
import type { StorageRef } from './pth-pickle.js';
import { readZip } from './zip-reader.js';
import type { ZipArchive } from './zip-reader.js';

/** Options for `loadPth` / `parsePth`. */
export interface PthOptions {
  /** A dotted path to the sub-dict to return (e.g. `'state_dict'`); its tensors are named relative to it. */
  select?: string;
}

const maxDepth = 100;
/**
 * Values visited while flattening, per byte of pickle: every value a genuine
 * pickle reaches costs it at least a byte, so only containers shared over and
 * over (a "billion laughs") go past this.
 */
const visitsPerPickleByte = 4;
const minVisits = 10_000;

function fail(source: string, expected: string, got: string): never {
  throw new SerializationError(`pth: ${source}: expected ${expected}, but got ${got}`);
}

function findPrefix(zip: ZipArchive, source: string): string {
  // torch.load takes the archive's folder from its first entry; data.pkl must sit right inside it.
  const first = zip.entries.keys().next().value;
  const folder = first?.includes('/') ? first.slice(0, first.indexOf('/')) : undefined;
  if (folder !== undefined && zip.entries.has(`${folder}/data.pkl`)) return folder;
  const any = [...zip.entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (any !== undefined) return any.slice(0, -'/data.pkl'.length);
  const names = [...zip.entries.keys()].slice(0, 8).join(', ');
  return fail(source, 'a torch.save archive with <name>/data.pkl', `a zip with ${zip.entries.size} entries (${names || 'none'})`);
}

function readByteOrder(zip: ZipArchive, prefix: string, source: string): 'little' | 'big' {
  if (!zip.entries.has(`${prefix}/byteorder`)) return 'little';
  const text = new TextDecoder().decode(zip.read(`${prefix}/byteorder`)).trim();
  if (text !== 'little' && text !== 'big') fail(source, "byteorder 'little' or 'big'", JSON.stringify(text.slice(0, 20)));
  return text;
}

function unpickleArchive(zip: ZipArchive, prefix: string, source: string): { root: unknown; pickleBytes: number } {
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    const storage = storageFromPid(source, pid, (key) => {
      const name = `${prefix}/data/${key}`;
      if (!zip.entries.has(name)) fail(source, `a storage entry '${name}'`, 'none');
      return zip.read(name);
    });
    const seen = storages.get(storage.key);
    if (seen === undefined) {
      storages.set(storage.key, storage);
      return storage;
    }
    if (seen.dtype !== storage.dtype) fail(source, `storage '${storage.key}' to keep dtype ${seen.dtype}`, storage.dtype);
    return seen;
  };
  const allowedSummary =
    'collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.Size, torch.<Type>Storage';
  const bytes = zip.read(`${prefix}/data.pkl`);
  const root = unpickle(bytes, { source, globals: pthGlobals(source), persistentLoad, allowedSummary });
  return { root, pickleBytes: bytes.byteLength };
}

function flatten(root: unknown, pickleBytes: number, source: string): Map<string, TensorRef> {
  const out = new Map<string, TensorRef>();
  const path = new Set<unknown>();
  const maxVisits = Math.max(minVisits, visitsPerPickleByte * pickleBytes);
  let visits = 0;
  const visit = (value: unknown, name: string, depth: number): void => {
    if (++visits > maxVisits) {
      fail(
        source,
        `at most ${maxVisits} values for a ${pickleBytes}-byte pickle`,
        'more: it repeats references to the same containers over and over (shared references multiplying)',
      );
    }
    if (value instanceof TensorRef) {
      if (out.has(name)) fail(source, 'unique dotted names after flattening', `'${name}' twice`);
      out.set(name, value);
      return;
    }
    const children: [unknown, unknown][] | undefined =
      value instanceof PickleDict ? [...value] : Array.isArray(value) ? value.map((v, i) => [i, v]) : undefined;
    if (children === undefined) return; // a number, string, None, ...: not a tensor, dropped
    if (depth > maxDepth || path.has(value))
      fail(source, `containers nested at most ${maxDepth} deep and without cycles`, 'deeper or cyclic data');
    path.add(value);
    for (const [key, child] of children) visit(child, name === '' ? String(key) : `${name}.${String(key)}`, depth + 1);
    path.delete(value);
  };
  visit(root, '', 0);
  return out;
}

function selectNames(all: Map<string, TensorRef>, select: string | undefined, source: string): Map<string, TensorRef> {
  if (select === undefined || select === '') return all;
  const prefix = `${select}.`;
  const out = new Map<string, TensorRef>();
  for (const [name, ref] of all) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), ref);
  if (out.size === 0) {
    const tops = [...new Set([...all.keys()].map((n) => n.split('.')[0]))].slice(0, 12).join(', ');
    fail(source, `tensors under '${select}' (option select)`, `none; top-level names are ${tops || 'none'}`);
  }
  return out;
}

function storageBytes(storage: StorageRef, order: 'little' | 'big'): Uint8Array {
  const size = elementSize(storage.dtype);
  if (order === 'little' || size === 1) return storage.bytes;
  const swapped = storage.bytes.slice();
  for (let at = 0; at < swapped.byteLength; at += size) swapped.subarray(at, at + size).reverse();
  return swapped;
}

function buildTensors(refs: Map<string, TensorRef>, order: 'little' | 'big', source: string): Record<string, Tensor> {
  const bases = new Map<StorageRef, Tensor>();
  // Null prototype: a tensor named `__proto__` (or `constructor`) is an ordinary entry.
  const out = Object.create(null) as Record<string, Tensor>;
  let current = '';
  try {
    for (const [name, ref] of refs) {
      current = name;
      let base = bases.get(ref.storage);
      if (base === undefined) {
        base = new Tensor(native.fromBuffer(storageBytes(ref.storage, order), [ref.storage.numel], dtypeCode(ref.storage.dtype)));
        bases.set(ref.storage, base);
      }
      const view = runT('aten::as_strided', '', [base, [...ref.size], [...ref.stride], ref.offset]);
      out[name] = view;
      if (ref.requiresGrad && isFloatingPoint(view.dtype)) view.requiresGrad_(true);
    }
  } catch (error) {
    for (const t of Object.values(out)) t.dispose();
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(`pth: ${source}: expected tensor '${current}' to load, but got ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    for (const base of bases.values()) base.dispose(); // the views keep the storage alive
  }
  return out;
}

/**
 * Parses the bytes of a `torch.save` zip file into a flat record of tensors; `source` names it in errors.
 *
 * @example
 * const sd = parsePth(await readFile('model.pth'), 'model.pth', { select: 'state_dict' });
 */
export function parsePth(bytes: Uint8Array, source = '<buffer>', options: PthOptions = {}): Record<string, Tensor> {
  if (bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    fail(source, 'the zip format of torch.save (PyTorch >= 1.6)', 'the legacy pickle format; re-save it with torch.save in PyTorch >= 1.6');
  }
  const zip = readZip(bytes, source);
  const prefix = findPrefix(zip, source);
  const order = readByteOrder(zip, prefix, source);
  const { root, pickleBytes } = unpickleArchive(zip, prefix, source);
  return buildTensors(selectNames(flatten(root, pickleBytes, source), options.select, source), order, source);
}

/**
 * Reads a `.pth` / `.pt` file into a flat record name → Tensor (on the CPU).
 *
 * @example
 * const sd = loadPth('model.pth');            // { '0.weight': Tensor, ... }
 */
export function loadPth(path: string, options: PthOptions = {}): Record<string, Tensor> {
  let bytes: Buffer;
  try {
    bytes = readWhole(path);
  } catch (error) {
    throw new SerializationError(
      `pth: expected a readable file at ${path}, but got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  return parsePth(bytes, path, options);
}
