/**
 * What the Trainer sets up and reports around every stage, outside the
 * loops: libtorch's thread count and the profiler's report.
 *
 * @example
 * setStageThreads(options.numThreads);
 * reportProfile(profiler, 'fit', runDir, console.log);
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { coresPerRank, localWorldSize } from '../data/parallelism.js';
import * as torch from '../torch/index.js';
import type { SimpleProfiler } from './profiler.js';

/**
 * Sets libtorch's intra-op threads: `numThreads`, else OMP_NUM_THREADS, else
 * this rank's share of the cores (ranks on one machine split them).
 *
 * @example
 * setStageThreads(null);
 */
export function setStageThreads(numThreads: number | null): void {
  const env = Number(process.env.OMP_NUM_THREADS);
  torch.setNumThreads(
    numThreads ??
      (Number.isInteger(env) && env > 0
        ? Math.min(env, 4 * availableParallelism())
        : coresPerRank(availableParallelism(), localWorldSize())),
  );
}

/**
 * Prints the profiler's report to stderr and writes it to `<runDir>/profile-<stage>.txt`.
 *
 * @example
 * reportProfile(trainer.profiler, 'fit', trainer.runDir, (m) => trainer.print(m));
 */
export function reportProfile(profiler: SimpleProfiler | null, stage: string, runDir: string, print: (message: string) => void): void {
  if (profiler === null) return;
  const report = profiler.summary(stage.toUpperCase());
  process.stderr.write(`${report}\n`);
  try {
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, `profile-${stage}.txt`), `${report}\n`);
  } catch (error) {
    print(`Trainer: could not write the profiler report to ${runDir}: ${(error as Error).message}`);
  }
}
