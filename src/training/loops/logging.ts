/**
 * The loops' side of logging: hand what the module logged to the collector,
 * and write reduced values to `callbackMetrics` and every logger.
 *
 * @example
 * collectModuleLogs(trainer, batch.images.size(0));
 * await flushStepLogs(trainer);
 */
import type { Trainer } from '../trainer.js';

/** Moves everything the module logged since the last call into the collector. */
export function collectModuleLogs(t: Trainer, batchSize: number, bucket = 'train'): void {
  const module = t.module;
  if (module !== null) t.collector.add(module.takeLogs(), t.logStep(), batchSize, bucket);
}

/** Writes values to callbackMetrics and, unless sanity checking, to every logger. */
export async function writeMetrics(t: Trainer, metrics: Record<string, number>, at = t.logStep()): Promise<void> {
  Object.assign(t.callbackMetrics, metrics);
  if (t.sanityChecking || !t.isGlobalZero || Object.keys(metrics).length === 0) return;
  for (const logger of t.loggers) await logger.logMetrics(metrics, at);
}

/** Reads pending step values (one host transfer) and writes them. */
export async function flushStepLogs(t: Trainer): Promise<void> {
  if (!t.collector.hasPendingSteps) return;
  for (const row of t.collector.flushSteps()) await writeMetrics(t, row.metrics, row.at);
}

/** Flushes every logger's buffer. */
export async function flushLoggers(t: Trainer): Promise<void> {
  if (t.isGlobalZero) for (const logger of t.loggers) await logger.flush();
}
