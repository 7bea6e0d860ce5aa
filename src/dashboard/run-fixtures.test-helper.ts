/**
 * Run dirs as the train command leaves them, written by hand for the
 * dashboard's tests and bench: `.config/config.yaml`, `.config/provenance.json`
 * and `metrics.csv`, and sweeps as `train -m` lays them out.
 *
 * @example
 * writeRun(join(root, 'outputs/a'), { status: 'success', steps: 100, lr: 0.1 });
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** What a fake run holds. */
export interface FakeRun {
  status: 'running' | 'success' | 'failed' | 'interrupted';
  /** The pid in its provenance (default: this process, alive). */
  pid?: number;
  /** Per-step rows of `train/loss_step`; a validation row every `stepsPerEpoch`. */
  steps: number;
  stepsPerEpoch?: number;
  lr?: number;
  model?: string;
}

/** Writes a run dir. @example writeRun(dir, { status: 'running', steps: 10 }); */
export function writeRun(dir: string, run: FakeRun): void {
  mkdirSync(join(dir, '.config'), { recursive: true });
  const lr = run.lr ?? 0.001;
  writeFileSync(
    join(dir, '.config', 'config.yaml'),
    `model:\n  name: ${run.model ?? 'resnet18'}\n  numClasses: 10\ndata:\n  format: idx\n  root: fashion-mnist\noptimizer:\n  name: adamw\n  lr: ${lr}\nrun:\n  dir: ${dir}\ncallbacks:\n  model_checkpoint:\n    monitor: val/acc_top1\n`,
  );
  const ended = run.status === 'running' ? null : '2026-12-01T10:10:00.000Z';
  const entry = {
    host: hostname(),
    pid: run.pid ?? process.pid,
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: ended,
    status: run.status,
  };
  writeFileSync(join(dir, '.config', 'provenance.json'), JSON.stringify({ runs: [entry] }));
  writeFileSync(join(dir, 'metrics.csv'), metricsCsv(run.steps, run.stepsPerEpoch ?? 1000, lr));
}

/** A metrics.csv of `steps` per-step losses and an epoch row every `stepsPerEpoch` steps. */
export function metricsCsv(steps: number, stepsPerEpoch: number, lr = 0.001): string {
  const lines = ['epoch,step,train/loss_step,val/loss,val/acc_top1'];
  for (let step = 1; step <= steps; step++) {
    const epoch = Math.floor((step - 1) / stepsPerEpoch);
    lines.push(`${epoch},${step},${(2 / Math.sqrt(step) + 0.01 * Math.sin(step)).toFixed(5)},,`);
    if (step % stepsPerEpoch === 0)
      lines.push(`${epoch},${step},,${(1 / (epoch + 1)).toFixed(4)},${Math.min(0.99, 0.5 + epoch * 0.1 + lr).toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a sweep dir (`multirun.yaml`, `multirun.csv`, one run per lr).
 *
 * @example
 * writeSweep(join(root, 'multirun/s'), [0.1, 0.01], 100);
 */
export function writeSweep(dir: string, lrs: readonly number[], steps: number): void {
  mkdirSync(dir, { recursive: true });
  const runs = lrs.map((lr, n) => `  - n: ${n}\n    overrides:\n      - optimizer.lr=${lr}\n      - trainer.maxEpochs=3\n`).join('');
  writeFileSync(join(dir, 'multirun.yaml'), `runs:\n${runs}`);
  writeFileSync(join(dir, 'multirun.csv'), `n,optimizer.lr,status\n${lrs.map((lr, n) => `${n},${lr},success`).join('\n')}\n`);
  lrs.forEach((lr, n) => writeRun(join(dir, String(n)), { status: 'success', steps, lr }));
}
