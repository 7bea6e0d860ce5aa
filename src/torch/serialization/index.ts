/**
 * `torch.save` / `torch.load` for records of named tensors. Files are
 * written as safetensors; reading also takes PyTorch's `.pth` / `.pt`
 * (`torch.save` zip files), recognised by their magic bytes (`PK\x03\x04`)
 * or extension, through a restricted unpickler that never runs code.
 *
 * @example
 * save(model.stateDict(), 'model.safetensors', { epoch: '3' });
 * const weights = load('resnet18-f37072fd.pth');   // torchvision's file
 */
import { readWhole } from './read-whole.js';
import { extname } from 'node:path';
import { SerializationError } from '../../errors.js';
import type { Tensor } from '../tensor.js';
import { parsePth } from './pth.js';
import { parseSafetensors, saveSafetensors } from './safetensors.js';

export { loadPth, parsePth } from './pth.js';
export type { PthOptions } from './pth.js';
export { loadSafetensors, parseSafetensors, safetensorsChunks, saveSafetensors, serializeSafetensors } from './safetensors.js';
export type { SafetensorsContent } from './safetensors.js';

/** Options for `load`. */
export interface LoadOptions {
  /** A dotted prefix to keep, stripped from the names (`'state_dict'` for a Lightning checkpoint). */
  select?: string;
}

const pthExtensions = new Set(['.pth', '.pt']);

/** True for bytes that start like a zip archive or a legacy (pickle) torch.save file. */
export function looksLikePth(bytes: Uint8Array): boolean {
  const zip =
    bytes.byteLength >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
  const pickle = bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
  return zip || pickle;
}

/** Formats people mistake for weights files, by their magic bytes. */
const foreignFormats: [number[], string][] = [
  [[0x1f, 0x8b], 'a gzip file (decompress it first)'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file (Keras weights?)'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy file'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an ELF executable'],
];

/**
 * What the bytes of a weights file are: 'pth' (a torch.save zip or legacy
 * pickle), 'safetensors' (anything else, which its reader checks in
 * detail), or a description of a format that is neither.
 *
 * @example
 * sniffWeights(readFileSync('model.safetensors')); // 'pth' when it is a renamed torch.save file
 */
export function sniffWeights(bytes: Uint8Array): string {
  if (looksLikePth(bytes)) return 'pth';
  if (bytes.byteLength === 0) return 'an empty file';
  const foreign = foreignFormats.find(([magic]) => magic.every((b, i) => bytes[i] === b));
  return foreign === undefined ? 'safetensors' : foreign[1];
}

function selectPrefix(record: Record<string, Tensor>, select: string, source: string): Record<string, Tensor> {
  const prefix = `${select}.`;
  const out = Object.create(null) as Record<string, Tensor>;
  for (const [name, t] of Object.entries(record)) {
    if (name.startsWith(prefix)) out[name.slice(prefix.length)] = t;
    else t.dispose();
  }
  if (Object.keys(out).length === 0)
    throw new SerializationError(`load: ${source}: expected tensors under '${select}' (option select), but got none`);
  return out;
}

/**
 * Reads named tensors from a safetensors file or a PyTorch `.pth` / `.pt`
 * file, told apart by their bytes (never the extension).
 *
 * @example
 * model.loadStateDict(load('model.safetensors'));
 */
export function load(path: string, options: LoadOptions = {}): Record<string, Tensor> {
  let bytes: Buffer;
  try {
    bytes = readWhole(path);
  } catch (error) {
    throw new SerializationError(
      `load: expected a readable file at ${path}, but got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const format = sniffWeights(bytes);
  if (format === 'pth') return parsePth(bytes, path, options);
  if (format !== 'safetensors') throw new SerializationError(`load: ${path}: expected a safetensors or torch.save file, but got ${format}`);
  const { tensors } = parseSafetensors(bytes, path);
  return options.select ? selectPrefix(tensors, options.select, path) : tensors;
}

/**
 * Writes named tensors (and optional string metadata) as a safetensors file, atomically.
 * Writing `.pth` is not supported: PyTorch reads safetensors with the `safetensors` package.
 *
 * @example
 * save({ 'fc.weight': w, 'fc.bias': b }, 'head.safetensors');
 */
export function save(record: Record<string, Tensor>, path: string, metadata: Record<string, string> = {}): void {
  if (pthExtensions.has(extname(path).toLowerCase())) {
    throw new SerializationError(
      `save: expected a .safetensors path, but got ${path}; writing .pth is not supported (PyTorch reads safetensors via safetensors.torch.load_file)`,
    );
  }
  saveSafetensors(record, path, metadata);
}
