/**
 * The run plan: a composed config checked once, against the schemas the
 * registry holds for the components it names (their options and their
 * group's keys) and the Trainer's, into one frozen object with every
 * default filled in and the run directory decided. Everything a command
 * builds is built from the plan (run-builder.ts), and the registry builds
 * its sections without checking them again. Importing this module loads
 * libtorch (the Trainer's schema): commands import it after composing.
 *
 * @example
 * const plan = resolveRunPlan(composeRunConfig({ overrides: ['data.batchSize=64'] }));
 * plan.data.batchSize; // 64, checked once
 * plan.runDir; // '/abs/outputs/2026-12-07/14-42-25'
 */
import path from 'node:path';
import type { ConfigObject, SourceMap } from '../config/index.js';
import { configSchemaFor, fullConfigSchema, validateConfig } from '../config/index.js';
import { finetuneOptionsSchema } from '../models/finetune-options.js';
import type { FinetuneOptions } from '../models/finetune-options.js';
import { MULTILABEL_LOSSES } from '../models/multilabel-options.js';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import { trainerOptionsSchema } from '../training/index.js';
import type { TrainerOptions } from '../training/index.js';
import { RUN_DIR_ENV } from '../training/strategies/ddp-env.js';
import { pretrainedEvalTransforms } from './pretrained-eval-transforms.js';

/** One config section: the component's name (or `format`) and its options, defaults filled in. */
export type Section = Readonly<Record<string, unknown>>;

/** A checked, frozen run: each section as the config spells it, defaults filled in. */
export interface RunPlan {
  readonly model: Section;
  readonly data: Section;
  readonly transforms?: Readonly<{ train?: readonly unknown[]; eval?: readonly unknown[] }>;
  readonly loss: Section;
  readonly optimizer: Section;
  readonly scheduler: Section;
  readonly trainer: Readonly<TrainerOptions>;
  /** How a pretrained backbone is fine-tuned (absent: nothing frozen, one lr). */
  readonly finetune?: Readonly<FinetuneOptions>;
  /** Registered callback names to their options (null: the defaults). */
  readonly callbacks?: Readonly<Record<string, Section | null>>;
  /** Registered logger names to their options (null: the defaults). */
  readonly logging?: Readonly<Record<string, Section | null>>;
  readonly run: Section;
  /** One class per image, or several (`multilabel`: MultiLabelModule, multi-hot batches). */
  readonly task: 'multiclass' | 'multilabel';
  /** Multi-label decision thresholds: one for every label, or 'tuned' on val while fitting. */
  readonly thresholds: number | 'tuned';
  /** Resume from 'last', 'best' or a checkpoint file; null for a fresh run. */
  readonly ckptPath: string | null;
  /** `train` serves the dashboard next to the run while it trains. */
  readonly dashboard: boolean;
  /** The run directory, absolute: where every file of the run goes (decided here only). */
  readonly runDir: string;
  /** The config as files hold it (`${env:...}` left as written): `.config/config.yaml` and checkpoints. */
  readonly config: ConfigObject;
  /** Which eval transforms the pretrained weights chose (for the run's log); null when none did. */
  readonly evalTransformsNote?: string | null;
}

/** What a plan is resolved from: a composed config (see `composeRunConfig`). */
export interface PlanInput {
  config: ConfigObject;
  sources: SourceMap;
  /** The config as files hold it (default: `config`). */
  saved?: ConfigObject;
}

/** Where the run goes when the config's `run.dir` is not the answer. */
export interface PlanOptions {
  /** The run dir, decided by the caller (`validate` / `test` write beside the checkpoint's run). */
  runDir?: string;
  /** The environment: a DDP worker started by our launcher writes into the launcher's run dir. */
  env?: NodeJS.ProcessEnv;
}

/** The sections checked by a schema of their own; the registry builds the component sections from them as they are. */
const sections = ['model', 'data', 'transforms', 'loss', 'optimizer', 'scheduler', 'trainer', 'run'] as const;

/** A frozen backbone gets no gradients, and the DDP gradient reducer waits for every parameter's on each step. */
function refuseFrozenDdp(finetune: FinetuneOptions | undefined, trainer: TrainerOptions): void {
  const epochs = finetune?.freezeEpochs ?? 0;
  if (epochs === 0 || trainer.strategy !== 'ddp') return;
  const message = `expected 0 with trainer.strategy=ddp (its gradient reducer needs a gradient for every parameter), but got ${epochs}`;
  throw new ConfigError(`run plan: finetune.freezeEpochs: ${message}`, [{ path: 'finetune.freezeEpochs', message }]);
}

/** A backbone frozen past the last epoch never trains: most likely freezeEpochs and maxEpochs were mixed up. */
function refuseFrozenPastEnd(finetune: FinetuneOptions | undefined, trainer: TrainerOptions): void {
  const epochs = finetune?.freezeEpochs ?? 0;
  if (trainer.maxEpochs === null || epochs <= trainer.maxEpochs) return;
  const message =
    `expected at most trainer.maxEpochs (${trainer.maxEpochs}; equal trains the head alone), but got ${epochs}, ` +
    'so the backbone would never be unfrozen';
  throw new ConfigError(`run plan: finetune.freezeEpochs: ${message}`, [{ path: 'finetune.freezeEpochs', message }]);
}

/** A loss made for the other task would fail on the first batch's targets: said now, with the way out. */
function refuseLossOfOtherTask(task: 'multiclass' | 'multilabel', loss: Section, thresholds: number | 'tuned'): void {
  const name = String(loss.name);
  const multilabelLoss = (MULTILABEL_LOSSES as readonly string[]).includes(name);
  let issue: { path: string; message: string } | null = null;
  if (task === 'multilabel' && !multilabelLoss) {
    issue = {
      path: 'loss.name',
      message: `expected a multi-label loss (${MULTILABEL_LOSSES.join(', ')}) with task=multilabel, but got '${name}'`,
    };
  } else if (task === 'multiclass' && multilabelLoss) {
    issue = {
      path: 'loss.name',
      message: `expected a single-label loss with task=multiclass, but got '${name}' (a multi-label loss); set task=multilabel`,
    };
  } else if (task === 'multiclass' && thresholds === 'tuned') {
    issue = {
      path: 'thresholds',
      message: "expected a number with task=multiclass (thresholds are multi-label's), but got 'tuned'; set task=multilabel",
    };
  }
  if (issue !== null) throw new ConfigError(`run plan: ${issue.path}: ${issue.message}`, [issue]);
}

/**
 * Checks `input.config` once (every issue at once, with file:line) and
 * returns the frozen plan.
 *
 * @example
 * const plan = resolveRunPlan(run, { runDir: runDirOf(ckpt) });
 */
export function resolveRunPlan(input: PlanInput, options: PlanOptions = {}): RunPlan {
  // Known pretrained weights bring their eval transforms; the saved config records them, so a resume keeps them.
  const { config, note } = pretrainedEvalTransforms(input.config, input.sources);
  const saved = pretrainedEvalTransforms(input.saved ?? input.config, input.sources).config;
  const schema = configSchemaFor(config, { registry, trainer: trainerOptionsSchema, finetune: finetuneOptionsSchema });
  const checked: Record<string, unknown> = validateConfig(config, schema, input.sources);
  for (const section of sections) registry.resolved(checked[section]);
  for (const group of ['callbacks', 'logging'] as const) {
    for (const entry of Object.values((checked[group] ?? {}) as Record<string, unknown>)) registry.resolved(entry);
  }
  const trainer = checked.trainer as TrainerOptions;
  refuseFrozenDdp(checked.finetune as FinetuneOptions | undefined, trainer);
  refuseFrozenPastEnd(checked.finetune as FinetuneOptions | undefined, trainer);
  refuseLossOfOtherTask(checked.task as RunPlan['task'], checked.loss as Section, checked.thresholds as RunPlan['thresholds']);
  const run = checked.run as { dir: string };
  const env = options.env ?? process.env;
  // Our DDP launcher's workers write into its run dir (theirs would differ by a clock tick).
  const dir = options.runDir ?? (trainer.strategy === 'ddp' ? (env[RUN_DIR_ENV] ?? run.dir) : run.dir);
  // The saved config stays the caller's: it is written to files, not read by the build.
  return Object.freeze({ ...checked, runDir: path.resolve(dir), config: saved, evalTransformsNote: note }) as unknown as RunPlan;
}

/**
 * The JSON-Schema-able schema of every config the registry can build (`config schema`).
 *
 * @example
 * configJsonSchema(runConfigSchema());
 */
export function runConfigSchema() {
  return fullConfigSchema({ registry, trainer: trainerOptionsSchema, finetune: finetuneOptionsSchema });
}
