/**
 * The Trainer's options, with Lightning's names in camelCase, validated with
 * zod: every problem is reported at once as a ConfigError whose issues carry
 * dotted paths under `trainer.` (the config system shows them with file:line).
 *
 * Limits (`limitTrainBatches`, ...) follow Lightning: an integer is a count of
 * batches, a number in (0, 1) a fraction of the loader; `null` means all.
 * Since JavaScript has one number type, `1` means one batch.
 *
 * @example
 * const o = parseTrainerOptions({ maxEpochs: 10, precision: 'bf16-mixed', seed: 42 });
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { configErrorFromZod } from '../config-error-from-zod.js';
import { durationSchema } from './callbacks/timer.js';

const count = z.number().int().min(0);
const limit = z
  .union([count, z.number().gt(0).lt(1)])
  .nullable()
  .default(null);
/** Every option of the Trainer. @example trainerOptionsSchema.parse({ maxEpochs: 3 }); */
export const trainerOptionsSchema = z
  .object({
    /** Epochs to train; with neither maxEpochs, maxSteps nor maxTime, 1000 (Lightning's default). */
    maxEpochs: z.number().int().min(1).nullable().default(null),
    minEpochs: count.default(0),
    /** Optimizer steps to take (null: no limit). */
    maxSteps: z.number().int().min(1).nullable().default(null),
    /** Train-time budget (ms, 'DD:HH:MM:SS' or { days, hours, minutes, seconds }); a Timer callback enforces it. */
    maxTime: durationSchema.nullable().default(null),
    limitTrainBatches: limit,
    limitValBatches: limit,
    limitTestBatches: limit,
    limitPredictBatches: limit,
    /** Validate every N train batches (integer) or every fraction of an epoch (0-1); null: once per epoch. */
    valCheckInterval: z
      .union([z.number().int().min(1), z.number().gt(0).lt(1)])
      .nullable()
      .default(null),
    checkValEveryNEpochs: z.number().int().min(1).default(1),
    numSanityValSteps: count.default(2),
    accumulateGradBatches: z.number().int().min(1).default(1),
    gradientClipVal: z.number().positive().nullable().default(null),
    gradientClipAlgorithm: z.enum(['norm', 'value']).default('norm'),
    /**
     * '32' (also the number 32), 'bf16-mixed' (autocast to bfloat16), '16-mixed' (CUDA, with a gradient scaler), or
     * 'auto': the fastest of bf16-mixed / fp32 (bf16 only where the CPU has bf16 instructions, or on CUDA), measured by
     * a short probe at the start of fit and cached (see precision-auto.ts).
     */
    precision: z
      .union([z.literal(32), z.enum(['32', '32-true', 'bf16-mixed', '16-mixed', 'auto'])])
      .transform((p) => (p === 32 || p === '32-true' ? '32' : p))
      .default('32'),
    /** 'auto': with precision 'auto', probed with it; with a fixed precision, channels-last on CUDA and under bf16, contiguous for fp32 on CPU. */
    memoryFormat: z.enum(['auto', 'channelsLast', 'contiguous']).default('auto'),
    deterministic: z.boolean().default(false),
    /** Seeds libtorch, the loader's order and transforms, MixUp/CutMix. null: a random seed, recorded in the checkpoint. */
    seed: z
      .number()
      .int('expected an integer seed')
      .min(0, 'expected a seed >= 0')
      .max(2 ** 32 - 1, 'expected a seed < 2^32')
      .nullable()
      .default(null),
    /** true: one batch of train, val and test, no checkpoints or loggers; a number: that many batches. */
    fastDevRun: z.union([z.boolean(), z.number().int().min(1)]).default(false),
    device: z.enum(['cpu', 'cuda', 'auto']).default('auto'),
    /** 'ddp': data-parallel over c10d (Gloo on CPU) across `devices` processes per node and `numNodes` nodes. */
    strategy: z.enum(['auto', 'single', 'ddp']).default('auto'),
    /** Worker processes per node with strategy 'ddp'. */
    devices: z.number().int().min(1).default(1),
    numNodes: z.number().int().min(1).default(1),
    /** Lightning's `sync_batchnorm`: with strategy 'ddp', BatchNorm statistics over every rank's batch (no effect otherwise). */
    syncBatchnorm: z.boolean().default(false),
    /** How long a rank waits for the others in a collective before failing, ms. */
    distributedTimeout: z.number().int().positive().default(120_000),
    /** libtorch intra-op threads (null: OMP_NUM_THREADS, else the cores, split among the ranks on this machine: LOCAL_WORLD_SIZE). */
    numThreads: z
      .number()
      .int()
      .min(1)
      .max(4 * availableParallelism(), `expected at most 4x the ${availableParallelism()} cores`)
      .nullable()
      .default(null),
    logEveryNSteps: z.number().int().min(1).default(50),
    enableProgressBar: z.boolean().default(true),
    enableCheckpointing: z.boolean().default(true),
    enableModelSummary: z.boolean().default(true),
    /** 'simple': time every hook, batch fetch, step, evaluation and checkpoint; report at each stage's end. */
    profiler: z.enum(['simple']).nullable().default(null),
    /** The run directory; default outputs/<YYYY-MM-DD>/<HH-MM-SS>. */
    defaultRootDir: z.string().min(1).nullable().default(null),
    /** Save a checkpoint and stop cleanly on SIGINT / SIGTERM. */
    handleSignals: z.boolean().default(true),
    resume: z
      .object({ allowConfigChange: z.boolean().default(false) })
      .strict()
      .default({ allowConfigChange: false }),
  })
  .strict();

/** Validated options. @example const o: TrainerOptions = parseTrainerOptions({}); */
export type TrainerOptions = z.output<typeof trainerOptionsSchema>;
/** Options as a user writes them. @example const o: TrainerOptionsInput = { maxEpochs: 5 }; */
export type TrainerOptionsInput = z.input<typeof trainerOptionsSchema>;

/**
 * Validates Trainer options, reporting every issue at once with its dotted
 * path (`trainer.seed: expected a seed < 2^32, but got 5000000000`).
 *
 * @example
 * parseTrainerOptions({ seed: -1 }); // ConfigError naming trainer.seed
 */
export function parseTrainerOptions(input: unknown): TrainerOptions {
  const parsed = trainerOptionsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw configErrorFromZod(parsed.error, { component: 'Trainer', prefix: ['trainer'], input });
}

/** Batches to run of a loader of `available` batches under a limit. @example limitBatches(0.25, 100); // 25 */
export function limitBatches(limit: number | null, available: number): number {
  if (limit === null) return available;
  if (limit > 0 && limit < 1) return Math.max(1, Math.floor(limit * available));
  return Math.min(limit, available);
}

/**
 * Options with the debug flags settled once (Lightning's
 * `_init_debugging_flags`): `fastDevRun` is a batch count or false, and the
 * epoch, step, sanity and evaluation limits already hold what it implies, so
 * nothing past here asks `fastDevRun` again.
 */
export interface ResolvedTrainerOptions extends Readonly<Omit<TrainerOptions, 'fastDevRun'>> {
  /** Batches of train, val and test a dev run takes (false: a normal run). */
  readonly fastDevRun: number | false;
}

/**
 * Settles the debug flags: a dev run of n batches takes one epoch of at
 * most n optimizer steps, no sanity check, validation once at the epoch's
 * end and n batches of val and test; the epoch limit falls back to 1000
 * when neither steps nor time bound the run.
 *
 * @example
 * resolveTrainerOptions(parseTrainerOptions({ fastDevRun: true })).maxSteps; // 1
 */
export function resolveTrainerOptions(options: TrainerOptions): ResolvedTrainerOptions {
  const fast = options.fastDevRun === false ? false : options.fastDevRun === true ? 1 : options.fastDevRun;
  const bounded = options.maxSteps !== null || options.maxTime !== null;
  const settled: ResolvedTrainerOptions =
    fast === false
      ? { ...options, fastDevRun: false, maxEpochs: options.maxEpochs ?? (bounded ? null : 1000) }
      : {
          ...options,
          fastDevRun: fast,
          maxEpochs: 1,
          maxSteps: fast,
          numSanityValSteps: 0,
          valCheckInterval: null,
          limitValBatches: fast,
          limitTestBatches: fast,
          limitPredictBatches: fast,
        };
  return Object.freeze(settled);
}

/**
 * Train batches per epoch of a loader of `available` batches: the train
 * limit, and in a dev run no more than its step count.
 *
 * @example
 * trainBatches(resolveTrainerOptions(parseTrainerOptions({ limitTrainBatches: 0.5 })), 10); // 5
 */
export function trainBatches(options: ResolvedTrainerOptions, available: number): number {
  const limited = limitBatches(options.limitTrainBatches, available);
  return options.fastDevRun === false ? limited : Math.min(limited, options.fastDevRun);
}
