/**
 * The loops' side of logging: hand what the module logged to the collector,
 * and write reduced values to `callbackMetrics` and every logger.
 *
 * @example
 * collectModuleLogs(context, batch.images.size(0));
 * await flushStepLogs(context);
 */
import type { StageContext } from './loop-context.js';

/** Moves everything the module logged since the last call into the collector. */
export function collectModuleLogs(c: StageContext, batchSize: number, bucket = 'train'): void {
  const logs = c.module.takeLogs?.() ?? [];
  if (logs.length > 0) c.trainer.collector.add(logs, c.trainer.logStep(), batchSize, bucket);
}

/** Writes values to callbackMetrics and, unless sanity checking, to every logger. */
export async function writeMetrics(c: StageContext, metrics: Record<string, number>, at = c.trainer.logStep()): Promise<void> {
  Object.assign(c.progress.callbackMetrics, metrics);
  const t = c.trainer;
  if (c.progress.sanityChecking || !t.isGlobalZero || Object.keys(metrics).length === 0) return;
  for (const logger of t.loggers) await logger.logMetrics(metrics, at);
}

/** Reads pending step values (one host transfer) and writes them. */
export async function flushStepLogs(c: StageContext): Promise<void> {
  if (!c.trainer.collector.hasPendingSteps) return;
  for (const row of c.trainer.collector.flushSteps()) await writeMetrics(c, row.metrics, row.at);
}

/** Flushes every logger's buffer. */
export async function flushLoggers(c: StageContext): Promise<void> {
  if (c.trainer.isGlobalZero) for (const logger of c.trainer.loggers) await logger.flush();
}
