/**
 * Checkpoint files: one safetensors file. The module's tensors are stored as
 * `model.<name>`; every other tensor (optimizer moments, EMA weights, the
 * generator state) under `state.<path>`; everything else is JSON in the
 * header's `__metadata__.state` (see `flattenStateDict`), beside
 * `__metadata__.format`. Reads check that JSON state against a schema (every
 * wrong key named with the file) before anything uses it. Writes are atomic (`writeFileAtomic`): a failed
 * write names the path and the reason and leaves the previous file intact.
 *
 * @example
 * writeCheckpoint(ckpt, 'outputs/run/checkpoints/last.ckpt');
 * const back = readCheckpoint('outputs/run/checkpoints/last.ckpt');
 */
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { fsReason, SerializationError } from '../../errors.js';
import { MAX_INPUT_SIDE } from '../../export/onnx/metadata.js';
import type { Tensor } from '../../torch/index.js';
import { flattenStateDict, unflattenStateDict } from '../../torch/optim/index.js';
import { loadSafetensors, safetensorsChunks } from '../../torch/serialization/index.js';
import { writeFileAtomic } from '../../torch/serialization/atomic-write.js';
import type { Checkpoint } from './checkpoint.js';

/** `__metadata__.format` of every checkpoint. */
export const CHECKPOINT_FORMAT = 'classifier-training.checkpoint/1';

type State = Omit<Checkpoint, 'model'>;

// Non-finite numbers are legitimate here (a NaN loss, ReduceLROnPlateau's Infinity): zod's number() refuses them.
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const count = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const size = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).nullable();

/**
 * What a checkpoint's JSON state must hold before anything trusts it: counts
 * are non-negative integers, containers are containers, the input size is
 * bounded (a model input of 1e5 x 1e5 is a corrupt header, not a model).
 * Tensors read as null in the header alone, so their places accept anything.
 */
const stateSchema = z.looseObject({
  epoch: count,
  seed: count,
  globalStep: count,
  batchInEpoch: count,
  modelInfo: z.looseObject({ name: z.string().min(1), options: z.record(z.string(), z.unknown()) }).nullable(),
  hparams: z.looseObject({ numClasses: positiveInt.optional(), classNames: z.array(z.string()).nullish() }),
  classes: z.array(z.string()).nullable(),
  labelsMapping: z
    .looseObject({
      classes: z.array(z.string()).optional(),
      normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).nullish(),
      inputSize: z.tuple([positiveInt.max(4), positiveInt.max(MAX_INPUT_SIDE), positiveInt.max(MAX_INPUT_SIDE)]).optional(),
      resize: size.optional(),
      crop: size.optional(),
    })
    .nullable(),
  callbacks: z.record(z.string(), z.unknown()),
  history: z.array(z.looseObject({ epoch: count, step: count, metrics: z.record(z.string(), anyNumber) })),
  callbackMetrics: z.record(z.string(), anyNumber),
  configFingerprint: z.string().nullable(),
  extra: z.record(z.string(), z.unknown()),
  version: z.string(),
  calibration: z
    .looseObject({
      temperature: z.number().finite().positive(),
      split: z.string(),
      samples: count,
      nll: z.object({ before: anyNumber, after: anyNumber }),
      ece: z.object({ before: anyNumber, after: anyNumber }),
    })
    .nullish(),
});

/** Refuses a state that does not fit `stateSchema`, naming the file and every key that is wrong. */
function checkState<T>(state: unknown, path: string): T {
  const result = stateSchema.safeParse(state);
  if (result.success) return state as T;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new SerializationError(`checkpoint: expected a valid checkpoint state in ${path}, but got ${issues.join('; ')}`);
}

/**
 * Writes a checkpoint atomically, making its folder.
 *
 * @example
 * writeCheckpoint(buildCheckpoint(trainer, module), 'checkpoints/last.ckpt');
 */
export function writeCheckpoint(checkpoint: Checkpoint, path: string): void {
  const { model, ...state } = checkpoint;
  const flat = flattenStateDict(state, { prefix: 'state.' });
  const tensors: Record<string, Tensor> = { ...flat.tensors };
  for (const [name, t] of Object.entries(model)) tensors[`model.${name}`] = t;
  const chunks = safetensorsChunks(tensors, { format: CHECKPOINT_FORMAT, state: flat.json });
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new SerializationError(`checkpoint: expected to create the folder ${dirname(path)}, but got ${fsReason(error)}`, {
      cause: error,
    });
  }
  writeFileAtomic(path, chunks, { what: 'checkpoint' });
}

function notACheckpoint(path: string, got: string): never {
  throw new SerializationError(`checkpoint: expected a classifier-training checkpoint (${CHECKPOINT_FORMAT}) at ${path}, but got ${got}`);
}

/**
 * Reads a checkpoint; the caller owns (and disposes) its tensors.
 *
 * @example
 * const ckpt = readCheckpoint('best.ckpt'); module.loadStateDict(ckpt.model);
 */
export function readCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    if (metadata.format !== CHECKPOINT_FORMAT || typeof metadata.state !== 'string')
      notACheckpoint(
        path,
        metadata.format === undefined ? 'a safetensors file without checkpoint metadata' : `format '${metadata.format}'`,
      );
    const model: Record<string, Tensor> = {};
    const stateTensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) {
      if (name.startsWith('model.')) model[name.slice('model.'.length)] = t;
      else stateTensors[name] = t;
    }
    const state = checkState<State>(unflattenStateDict(stateTensors, metadata.state), path);
    return { ...state, model };
  } catch (error) {
    for (const t of Object.values(tensors)) t.dispose();
    if (error instanceof SerializationError && error.message.includes(path)) throw error;
    throw new SerializationError(`checkpoint: expected readable state in ${path}, but got ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The JSON part of a checkpoint, read from its header only (no tensor data):
 * cheap enough to look at every checkpoint in a folder.
 *
 * @example
 * readCheckpointHeader('last.ckpt').globalStep;
 */
export function readCheckpointHeader(path: string): Omit<State, 'rngState'> {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(8);
    if (readSync(fd, head, 0, 8, 0) !== 8) notACheckpoint(path, 'a file shorter than 8 bytes');
    const length = head.readBigUInt64LE(0);
    if (length > 100_000_000n) notACheckpoint(path, `a header length of ${length} bytes`);
    const json = Buffer.alloc(Number(length));
    if (readSync(fd, json, 0, json.length, 8) !== json.length) notACheckpoint(path, 'a truncated header');
    const header = JSON.parse(json.toString('utf8')) as { __metadata__?: Record<string, string> };
    const metadata = header.__metadata__ ?? {};
    if (metadata.format !== CHECKPOINT_FORMAT || typeof metadata.state !== 'string') notACheckpoint(path, 'no checkpoint metadata');
    // Tensors are not loaded: their places in the JSON read as null.
    const state: unknown = JSON.parse(metadata.state, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && '$tensor' in value) return null;
      if (value !== null && typeof value === 'object' && '$number' in value) return Number((value as { $number: string }).$number);
      return value;
    });
    return checkState<Omit<State, 'rngState'>>(state, path);
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(`checkpoint: expected a readable checkpoint at ${path}, but got ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
