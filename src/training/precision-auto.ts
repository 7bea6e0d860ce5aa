/**
 * Settles `precision: auto` (and `memoryFormat: auto` with it) at the start
 * of fit, in this order: the resumed run's own choice (a resume never
 * re-probes); the documented rule where no probe can run (a dev run, a
 * data-parallel run, where every rank must agree without timing, or no
 * train batch); the cached result of an earlier probe with the same key; a
 * new probe, whose result is cached. The result says how it was reached, for
 * the run log and the provenance file.
 *
 * @example
 * const result = await resolveAutoPrecision({ options, environment, resumed: null, module, firstBatch, threads: 2, cache });
 * console.log(describeAutoPrecision(result)); // precision auto: bf16-mixed channels-last (probe: 151 ms/step vs fp32 contiguous 236; cached in ...)
 */
import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { ClassificationBatch } from '../data/classification-batch.js';
import * as torch from '../torch/index.js';
import type { PrecisionCache, ProbeKeyParts } from './precision-cache.js';
import { cpuIdentity } from './precision-cache.js';
import type { CandidateTiming, PrecisionChoice, PrecisionEnvironment } from './precision-choice.js';
import { autoCandidates, describeChoice, pickFastest, ruleChoice } from './precision-choice.js';
import { probePrecision } from './precision-probe.js';
import type { ProbeOptions } from './precision-probe.js';
import type { TrainableModule } from './trainable-module.js';
import type { ResolvedTrainerOptions } from './trainer-options.js';

/** How a run's precision and memory format were settled, as the log and provenance.json tell it. */
export interface AutoPrecisionResult {
  readonly precision: PrecisionChoice['precision'];
  readonly memoryFormat: PrecisionChoice['memoryFormat'];
  /** 'fixed': set by the user; 'probe': measured now; 'cached': measured by an earlier run; 'rule': no probe could run; 'resumed': the resumed run's. */
  readonly how: 'fixed' | 'probe' | 'cached' | 'rule' | 'resumed';
  /** Why the rule was used (null otherwise). */
  readonly reason: string | null;
  /** The probe's median ms per forward + backward step of each candidate (empty without a probe). */
  readonly timings: readonly CandidateTiming[];
  /** What the probe itself cost, ms (null without a probe). */
  readonly probeMs: number | null;
  readonly cacheFile: string | null;
  /** Why a probe's result was not cached (null: it was, or there was no probe). */
  readonly notCached?: string | null;
}

/** What `resolveAutoPrecision` needs. */
export interface AutoPrecisionInput {
  options: Pick<ResolvedTrainerOptions, 'precision' | 'memoryFormat' | 'fastDevRun' | 'strategy'>;
  environment: PrecisionEnvironment;
  /** The choice saved in the checkpoint a fit resumes from (null: a new run, or a checkpoint without one). */
  resumed: PrecisionChoice | null;
  module: TrainableModule;
  /** One real train batch, contiguous (null: the loader has none). */
  firstBatch: () => Promise<ClassificationBatch | null>;
  threads: number;
  cache: PrecisionCache | null;
  /** Replaces the probe (tests). */
  probe?: (options: ProbeOptions) => CandidateTiming[];
  now?: () => number;
  /** The 1-minute load average and the cores (tests stub it); see `busyReason`. */
  load?: () => { average: number; cores: number };
}

const machineLoad = () => ({ average: loadavg()[0], cores: availableParallelism() });

/**
 * Why a probe's timings should not be kept: other work on the machine (a
 * load average over `perCore` (default 1.5, or `CLASSIFIER_TRAINING_PROBE_BUSY_LOAD`)
 * times the cores, the probe's own threads included) makes them noise, and a
 * cached choice would outlive that moment. Null when the machine is quiet
 * enough (or reports no load average, as Windows).
 *
 * @example
 * busyReason({ average: 9.2, cores: 2 }); // 'load average 9.2 on 2 cores'
 */
export function busyReason(load: { average: number; cores: number }, perCore = busyLoadPerCore()): string | null {
  return load.average > perCore * load.cores ? `load average ${load.average.toFixed(1)} on ${load.cores} cores` : null;
}

function busyLoadPerCore(): number {
  const set = Number(process.env.CLASSIFIER_TRAINING_PROBE_BUSY_LOAD);
  return Number.isFinite(set) && set > 0 ? set : 1.5;
}

const settled = (
  choice: PrecisionChoice,
  how: AutoPrecisionResult['how'],
  extra: Partial<AutoPrecisionResult> = {},
): AutoPrecisionResult => ({ ...choice, how, reason: null, timings: [], probeMs: null, cacheFile: null, ...extra });

/** A fixed (non-auto) setting, or the rule before fit runs, as a result. @example fixedResult(options, env); */
export function fixedResult(
  options: AutoPrecisionInput['options'],
  environment: PrecisionEnvironment,
  reason?: string,
): AutoPrecisionResult {
  const choice = ruleChoice(options, environment);
  return options.precision === 'auto'
    ? settled(choice, 'rule', { reason: reason ?? ruleReason(options) ?? 'outside fit (validate, test, predict)' })
    : settled(choice, 'fixed');
}

/** The module's class and a hash of its config (modelInfo, hparams) and parameter shapes. @example moduleKey(module); // 'ClassificationModule:3f2a...' */
export function moduleKey(module: TrainableModule): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ info: module.modelInfo ?? null, hparams: module.hparams ?? null }))
    .update(JSON.stringify(module.parameters().map((p) => p.shape)))
    .digest('hex');
  return `${module.constructor.name}:${hash.slice(0, 16)}`;
}

function ruleReason(options: AutoPrecisionInput['options']): string | null {
  if (options.fastDevRun !== false) return 'fastDevRun';
  if (options.strategy === 'ddp') return 'strategy ddp: every rank takes the rule';
  return null;
}

/** Settles `auto`; see the module doc. */
export async function resolveAutoPrecision(input: AutoPrecisionInput): Promise<AutoPrecisionResult> {
  const { options, environment, module } = input;
  if (options.precision !== 'auto') return fixedResult(options, environment);
  if (input.resumed !== null) return settled(input.resumed, 'resumed');
  const candidates = autoCandidates(options, environment);
  const reason = candidates.length === 1 ? 'one candidate on this machine' : ruleReason(options);
  if (reason !== null) return fixedResult(options, environment, reason);
  const batch = await input.firstBatch();
  if (batch === null) return fixedResult(options, environment, 'no train batch');
  try {
    const parts: ProbeKeyParts = {
      cpu: cpuIdentity(),
      threads: input.threads,
      model: moduleKey(module),
      inputShape: batch.images.shape.slice(1),
      batchSize: batch.images.shape[0],
      device: environment.device,
      candidates,
      libtorch: torch.version(),
    };
    const cacheFile = input.cache?.file ?? null;
    const cached = input.cache?.get(parts) ?? null;
    if (cached !== null) return settled(cached.choice, 'cached', { timings: cached.timings, cacheFile });
    const now = input.now ?? (() => performance.now());
    const start = now();
    const timings = (input.probe ?? probePrecision)({ module, batch, candidates, device: environment.device, now });
    const probeMs = now() - start;
    const { choice } = pickFastest(timings);
    const busy = busyReason((input.load ?? machineLoad)());
    if (busy === null) input.cache?.set(parts, { choice, timings: [...timings] });
    return settled(choice, 'probe', { timings, probeMs, cacheFile: busy === null ? cacheFile : null, notCached: busy });
  } finally {
    torch.dispose(batch);
  }
}

/**
 * The run log's line about the choice.
 *
 * @example
 * describeAutoPrecision(result); // 'precision auto: bf16-mixed channels-last (probe: 151 ms/step vs fp32 contiguous 236; cached in /home/u/.cache/classifier-training/precision-auto.json)'
 */
export function describeAutoPrecision(result: AutoPrecisionResult): string {
  const chosen = describeChoice(result);
  const own = result.timings.find((t) => t.choice.precision === result.precision && t.choice.memoryFormat === result.memoryFormat);
  const others = result.timings.filter((t) => t !== own).map((t) => `${describeChoice(t.choice)} ${Math.round(t.msPerStep)}`);
  const measured = own === undefined ? '' : `${Math.round(own.msPerStep)} ms/step vs ${others.join(', ') || 'nothing else'}`;
  switch (result.how) {
    case 'fixed':
      return `precision: ${chosen} (as configured)`;
    case 'resumed':
      return `precision auto: ${chosen} (the resumed run's choice; no probe)`;
    case 'rule':
      return `precision auto: ${chosen} (rule: ${result.reason ?? 'no probe'})`;
    case 'cached':
      return `precision auto: ${chosen} (cached probe: ${measured}; ${result.cacheFile ?? ''})`;
    case 'probe':
      return `precision auto: ${chosen} (probe of ${Math.round(result.probeMs ?? 0)} ms: ${measured}; ${result.notCached ? `not cached: ${result.notCached}, the next run probes again` : `cached in ${result.cacheFile ?? 'no cache'}`})`;
  }
}

/**
 * The result as provenance.json records it: the choice, how it was reached,
 * and each candidate's ms per step.
 *
 * @example
 * provenanceRecord(result); // { precision: 'bf16-mixed', memoryFormat: 'channelsLast', how: 'probe', msPerStep: { 'bf16-mixed channels-last': 151, ... }, ... }
 */
export function provenanceRecord(result: AutoPrecisionResult): Record<string, unknown> {
  const msPerStep = Object.fromEntries(result.timings.map((t) => [describeChoice(t.choice), Math.round(t.msPerStep * 10) / 10]));
  const { precision, memoryFormat, how, reason, probeMs, cacheFile } = result;
  const notCached = result.notCached ?? null;
  return { precision, memoryFormat, how, reason, msPerStep, probeMs: probeMs === null ? null : Math.round(probeMs), cacheFile, notCached };
}
