/**
 * `bench:trainer --part auto`: is `precision: auto` never slower than the
 * best fixed choice? For each model and input size (one fresh process each,
 * bench/trainer-auto-run.ts) it prints the ms per full train step of every
 * fixed precision + memory format, the probe's pick and its ms per step
 * (timed again after the probe), the probe's own cost, and whether auto is
 * within the noise of the best fixed choice: within the 5% margin the probe
 * itself uses, or within the spread of the best choice's own rounds.
 * Batches are sized so a step takes roughly 0.1-1 s on 2 cores.
 *
 * @example
 * npm run bench:trainer -- --part auto --models resnet18 --sizes 28,64 --steps 2 --rounds 1
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Batch per model and size (sizes absent from a model's table are not run: convnext_tiny starts at 64). */
const batches: Record<string, Record<number, number>> = {
  resnet18: { 28: 128, 64: 32, 128: 16, 224: 8 },
  mobilenet_v3_small: { 28: 128, 64: 64, 128: 32, 224: 16 },
  convnext_tiny: { 64: 16, 128: 8, 224: 4 },
};

interface AutoRun {
  fixedMs: Record<string, number>;
  fixedRounds: Record<string, number[]>;
  auto: { pick: string; msPerStep: number; probeMs: number; probeTimings: Record<string, number> }[];
}

const runScript = fileURLToPath(new URL('./trainer-auto-run.ts', import.meta.url));

function measure(model: string, size: number, batch: number, options: AutoOptions): AutoRun {
  const args = ['--import', 'tsx', runScript, '--model', model, '--size', String(size), '--batch', String(batch)];
  const extra = ['--steps', options.steps, '--rounds', options.rounds, '--threads', options.threads];
  const out = spawnSync(process.execPath, [...args, ...extra], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const match = /result=(\{.*\})/.exec(out.stdout);
  if (out.status !== 0 || match === null)
    throw new Error(`bench:trainer: the auto run of ${model} at ${size} failed: ${out.stderr.slice(-2000) || out.stdout.slice(-2000)}`);
  return JSON.parse(match[1]) as AutoRun;
}

/** What the part takes from bench:trainer's command line. */
export interface AutoOptions {
  models: string[];
  sizes: number[];
  steps: string;
  rounds: string;
  threads: string;
}

const f1 = (x: number): string => x.toFixed(1);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** How far apart a side's rounds are: max / min - 1. */
const spreadOf = (xs: number[]): number => (xs.length > 1 ? Math.max(...xs) / Math.min(...xs) - 1 : 0);
const perRound = (xs: number[]): string => (xs.length > 1 ? ` [${xs.map(f1).join(', ')}]` : '');

/** Runs the part and prints one block per model and size. */
export function autoPart(options: AutoOptions): void {
  console.log(
    `\nauto: full train steps (AdamW), random 3xSxS batches, ${options.steps} timed step(s) after 1 per side, ${options.rounds} round(s), ${options.threads} threads`,
  );
  const verdicts: string[] = [];
  for (const model of options.models) {
    for (const size of options.sizes) {
      const batch = batches[model]?.[size];
      if (batch === undefined) continue;
      const loadBefore = loadavg()[0];
      const run = measure(model, size, batch, options);
      const load = `load ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
      const [bestName, bestMs] = Object.entries(run.fixedMs).sort((a, b) => a[1] - b[1])[0];
      const autoRounds = run.auto.map((a) => a.msPerStep);
      const autoMs = median(autoRounds);
      const noise = Math.max(0.05, spreadOf(run.fixedRounds[bestName]), spreadOf(autoRounds));
      const within = autoMs <= bestMs * (1 + noise);
      const fixed = Object.entries(run.fixedMs)
        .map(([name, ms]) => `${name} ${f1(ms)}${perRound(run.fixedRounds[name])}`)
        .join(', ');
      const picks = [...new Set(run.auto.map((a) => a.pick))].join(' / ');
      const probeMs = f1(median(run.auto.map((a) => a.probeMs)));
      console.log(`  ${model} ${size}x${size} batch ${batch} (${load}): fixed ms/step ${fixed}`);
      console.log(
        `    auto picks ${picks}: ${f1(autoMs)} ms/step${perRound(autoRounds)} (probe ${probeMs} ms, once per cache key); best fixed ${bestName} ${f1(bestMs)}; auto/best ${(autoMs / bestMs).toFixed(3)} -> ${within ? 'within' : 'OUTSIDE'} noise (${(noise * 100).toFixed(0)}%)`,
      );
      verdicts.push(`${model}@${size}: ${within ? 'ok' : 'SLOWER'}`);
    }
  }
  console.log(`  auto within noise of the best fixed choice: ${verdicts.join(', ')}`);
}
