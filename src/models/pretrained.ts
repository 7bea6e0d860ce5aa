/**
 * Loading pretrained weights from a local file (`.safetensors` or a
 * torchvision `.pth`) into a model, adapting the two differences fine-tuning
 * needs: a head with a new number of classes stays freshly initialised, and
 * a grayscale model (inChannels 1) gets the RGB conv1 weights summed over
 * the colour channels. Anything else that does not fit is a ShapeError
 * listing the keys; nothing is copied then.
 *
 * @example
 * const model = resnet50({ numClasses: 10 });
 * loadPretrained(model, resolvePretrained('resnet50.imagenet1k_v2'), { log: console.log });
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../torch/index.js';
import { dispose, tidy } from '../torch/memory.js';
import type { Module } from '../torch/nn/module.js';
import { load } from '../torch/serialization/index.js';
import { isHead } from './backbone.js';
import type { Backbone } from './backbone.js';

/** Options of `loadPretrained`. */
export interface LoadPretrainedOptions {
  /** The model's input channels; read from its `conv1.weight` when omitted. */
  inChannels?: number;
  /** Receives one line per adaptation (head left fresh, conv1 summed). */
  log?: (message: string) => void;
  /** Names of the classification head's parameters (default: the model's `layout.head`, else fc.weight, fc.bias). */
  headKeys?: readonly string[];
  /** The first layer's weight, summed over RGB for a 1-channel model (default: the model's `layout.stemWeight`, else conv1.weight). */
  stemWeight?: string;
}

/** What `loadPretrained` did. */
export interface LoadPretrainedResult {
  loadedKeys: string[];
  /** Keys left as initialised (a head of another size, counters the file lacks). */
  skippedKeys: string[];
  /** Keys whose values were adapted (conv1 summed to one channel). */
  adaptedKeys: string[];
}

/** Reads a weights file, safetensors or a torch.save zip, by what its bytes are (a renamed file still loads). */
export function readWeightsFile(path: string): Record<string, Tensor> {
  return load(path);
}

/** A DataParallel / Lightning prefix on every key is removed ('module.', 'model.'). */
function stripPrefix(record: Record<string, Tensor>, ownKeys: Set<string>): Record<string, Tensor> {
  const keys = Object.keys(record);
  for (const prefix of ['module.', 'model.']) {
    if (keys.length > 0 && keys.every((k) => k.startsWith(prefix)) && !keys.some((k) => ownKeys.has(k))) {
      return Object.fromEntries(keys.map((k) => [k.slice(prefix.length), record[k]]));
    }
  }
  return record;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Loads a weights file into `model`, in place.
 *
 * @example
 * loadPretrained(resnet18({ numClasses: 10, inChannels: 1 }), 'resnet18-f37072fd.pth', { log: console.log });
 */
export function loadPretrained(model: Module, path: string, options: LoadPretrainedOptions = {}): LoadPretrainedResult {
  const log = options.log ?? ((): void => {});
  const own = new Map(
    model
      .namedParameters()
      .concat(model.namedBuffers())
      .map(([k, t]) => [k, t.shape]),
  );
  // A zoo model names its own head and stem (an EfficientNet's head is classifier.1, its stem features.0.0).
  const layout = (model as Partial<Pick<Backbone, 'layout'>>).layout;
  const headKeys = options.headKeys ?? (layout === undefined ? ['fc.weight', 'fc.bias'] : [...own.keys()].filter((k) => isHead(layout, k)));
  const raw = readWeightsFile(path);
  // A copy: entries are removed or replaced below, and `raw` must still hold every tensor the file gave us to free them.
  const record = { ...stripPrefix(raw, new Set(own.keys())) };
  const skippedKeys: string[] = [];
  const adaptedKeys: string[] = [];
  const created: Tensor[] = [];
  try {
    const head = headKeys.filter((k) => k in record && own.has(k) && !sameShape(record[k].shape, own.get(k)!));
    if (head.length > 0) {
      log(
        `loadPretrained: ${head.map((k) => `${k} ${fmt(record[k].shape)}`).join(', ')} in ${path} do not fit the model's head (${head.map((k) => fmt(own.get(k)!)).join(', ')}); the head stays freshly initialised`,
      );
      for (const k of headKeys)
        if (k in record) {
          delete record[k];
          skippedKeys.push(k);
        }
    }
    const conv = options.stemWeight ?? layout?.stemWeight ?? 'conv1.weight';
    const inChannels = options.inChannels ?? own.get(conv)?.[1];
    if (conv in record && inChannels === 1 && record[conv].shape[1] === 3 && own.get(conv)?.[1] === 1) {
      const summed = tidy(() => record[conv].sum({ dim: 1, keepdim: true }));
      created.push(summed);
      record[conv] = summed;
      adaptedKeys.push(conv);
      log(`loadPretrained: ${conv} summed over its 3 input channels for a 1-channel model`);
    }
    checkRecord(record, own, new Set(skippedKeys), path, skippedKeys);
    const { missingKeys } = model.loadStateDict(record, { strict: false });
    const loadedKeys = [...own.keys()].filter((k) => !missingKeys.includes(k));
    return { loadedKeys, skippedKeys, adaptedKeys };
  } finally {
    dispose(raw);
    dispose(created);
  }
}

/** Throws a ShapeError naming every missing, unexpected and mis-shaped key; counters the file lacks are skipped. */
function checkRecord(
  record: Record<string, Tensor>,
  own: Map<string, number[]>,
  skipped: Set<string>,
  path: string,
  skippedOut: string[],
): void {
  const missing: string[] = [];
  for (const k of own.keys()) {
    if (k in record || skipped.has(k)) continue;
    // Files saved before BatchNorm had num_batches_tracked (PyTorch < 0.4.1) lack it; PyTorch fills 0.
    if (k.endsWith('.num_batches_tracked')) skippedOut.push(k);
    else missing.push(k);
  }
  const unexpected = Object.keys(record).filter((k) => !own.has(k));
  const misShaped = Object.keys(record)
    .filter((k) => own.has(k) && !sameShape(record[k].shape, own.get(k)!))
    .map((k) => `${k} (model ${fmt(own.get(k)!)}, file ${fmt(record[k].shape)})`);
  if (missing.length + unexpected.length + misShaped.length === 0) return;
  const problems = [
    missing.length > 0 ? `missing keys: ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected keys: ${unexpected.join(', ')}` : '',
    misShaped.length > 0 ? `mis-shaped keys: ${misShaped.join(', ')}` : '',
  ].filter((p) => p !== '');
  throw new ShapeError(`loadPretrained: expected ${path} to match the model's keys and shapes, but got ${problems.join('; ')}`);
}
