/**
 * `npm run bench:models`: the model zoo's training step (forward + backward +
 * AdamW step) and eval throughput, ours against PyTorch eager with
 * torchvision's definition of the same model, side by side in one run, at
 * fp32 (contiguous, PyTorch's default) and at bf16-mixed + channels-last.
 * Each measurement is a fresh process (bench/models-run.ts,
 * bench/models_torch.py) on one fixed random batch; the two sides alternate
 * which goes first from round to round (A B, B A, ...), and the table gives
 * medians with the median of the rounds' ratios (ours / PyTorch, target
 * >= 1.0x). Models are built through the registry by name, so every model
 * registered is measured and the ones that are not are listed as missing.
 *
 * Our default path is what `train` picks with no precision override:
 * conf/trainer/default.yaml's precision and memoryFormat, resolved as the
 * Trainer does on CPU ('auto' is channels-last for any precision but fp32).
 * Its training step is set against PyTorch's default, fp32 contiguous
 * (target >= 2x).
 *
 * Options: --models a,b (default the eight below), --precisions fp32,bf16,
 * --batch 32, --size 224, --steps 10 (timed training steps), --warmup 2,
 * --eval-steps 10, --rounds 2, --threads (default every core), --quick
 * (resnet50 unless --models says otherwise, batch 4, 2 steps, 1 round:
 * shows the bench works, measures nothing worth quoting).
 *
 * @example
 * npm run bench:models -- --models convnext_tiny,swin_t --rounds 3
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadComponents } from '../src/cli/run-builder.js';
import { registry } from '../src/registry.js';
import { nativeBf16 } from '../src/export/libtorch-logits.js';
import { ruleChoice } from '../src/training/precision-choice.js';
import { parseTrainerOptions } from '../src/training/trainer-options.js';

const zoo = [
  'resnet50',
  'convnext_tiny',
  'efficientnet_b0',
  'efficientnet_v2_s',
  'mobilenet_v3_large',
  'regnet_y_800mf',
  'vit_b_16',
  'swin_t',
];
const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    precisions: { type: 'string', default: 'fp32,bf16' },
    batch: { type: 'string' },
    size: { type: 'string', default: '224' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    'eval-steps': { type: 'string' },
    rounds: { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const settings = {
  batch: values.batch ?? (quick ? '4' : '32'),
  size: values.size,
  steps: values.steps ?? (quick ? '2' : '10'),
  warmup: values.warmup ?? (quick ? '1' : '2'),
  evalSteps: values['eval-steps'] ?? (quick ? '2' : '10'),
  threads: values.threads,
};
const rounds = Number(values.rounds ?? (quick ? '1' : '2'));
const wanted = values.models?.split(',') ?? (quick ? ['resnet50'] : zoo);

/** One way of running a model: our Precision + memory format, and PyTorch's flags for the same. */
interface Variant {
  label: string;
  ours: { precision: string; memoryFormat: 'contiguous' | 'channelsLast' };
  torch: string[];
}
const variants: Record<string, Variant> = {
  fp32: { label: 'fp32', ours: { precision: '32', memoryFormat: 'contiguous' }, torch: ['--precision', '32'] },
  bf16: {
    label: 'bf16-mixed + channels-last',
    ours: { precision: 'bf16-mixed', memoryFormat: 'channelsLast' },
    torch: ['--precision', 'bf16', '--channels-last'],
  },
};
const chosen = values.precisions.split(',');
for (const p of chosen) {
  if (!(p in variants)) throw new Error(`bench:models: expected --precisions among ${Object.keys(variants).join(', ')}, but got '${p}'`);
}

/** `train`'s own choice with no override, from the shipped trainer config, resolved as the Trainer does on CPU. */
function defaultPath(): { precision: string; memoryFormat: 'contiguous' | 'channelsLast'; source: string } {
  const file = fileURLToPath(new URL('../conf/trainer/default.yaml', import.meta.url));
  const conf = parseYaml(readFileSync(file, 'utf8')) as { precision: string | number; memoryFormat: string };
  const asked = parseTrainerOptions({ precision: conf.precision, memoryFormat: conf.memoryFormat });
  // 'auto' is probed per model and size at the start of fit; here it is the rule the probe falls back to.
  const { precision, memoryFormat } = ruleChoice(asked, { device: 'cpu', nativeBf16: nativeBf16() });
  return {
    precision,
    memoryFormat,
    source: `conf/trainer/default.yaml: precision ${asked.precision} (${precision}), memoryFormat ${conf.memoryFormat}`,
  };
}

/** Milliseconds per batch of one process. */
interface Sample {
  trainMs: number;
  trainCpuMs: number;
  evalMs: number;
  evalCpuMs: number;
}
type Outcome = Sample | { error: string };

const runScript = fileURLToPath(new URL('./models-run.ts', import.meta.url));
const torchScript = fileURLToPath(new URL('./models_torch.py', import.meta.url));
const common = (): string[] => [
  ...['--batch', settings.batch, '--size', settings.size, '--steps', settings.steps, '--warmup', settings.warmup],
  ...['--eval-steps', settings.evalSteps, '--threads', settings.threads],
];

function runSide(side: 'ours' | 'pytorch', model: string, variant: Variant): Outcome {
  const out =
    side === 'ours'
      ? spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            runScript,
            '--model',
            model,
            '--precision',
            variant.ours.precision,
            '--memory-format',
            variant.ours.memoryFormat,
            ...common(),
          ],
          { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
        )
      : spawnSync('/usr/bin/python3', [torchScript, '--model', model, ...variant.torch, ...common()], { encoding: 'utf8' });
  const match = /result=(\{.*\})/.exec(out.stdout ?? '');
  // One model that fails (out of memory, a missing op) must not cost the figures of the others.
  if (out.status !== 0 || match === null)
    return { error: (out.stderr || out.stdout || String(out.error)).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(match[1]) as Sample;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const imgPerSec = (ms: number): number => (Number(settings.batch) / ms) * 1000;
/** Three significant figures: quick runs on a busy machine give fractions of an image per second. */
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const ok = (xs: Outcome[]): Sample[] => xs.filter((x): x is Sample => !('error' in x));

/** Median img/s of one side and the median of the rounds' ratios a / b, or why there is none. */
function compare(a: Outcome[], b: Outcome[], key: 'trainMs' | 'evalMs'): { a: string; b: string; ratio: string } {
  const fig = (xs: Outcome[]): string => (ok(xs).length === 0 ? 'failed' : fmt(imgPerSec(median(ok(xs).map((x) => x[key])))));
  const ratios = a.flatMap((x, r) => ('error' in x || 'error' in b[r] ? [] : [b[r][key] / x[key]]));
  return { a: fig(a), b: fig(b), ratio: ratios.length === 0 ? '-' : `${median(ratios).toFixed(2)}x` };
}

await loadComponents();
const models = wanted.filter((m) => registry.has('model', m));
const missing = wanted.filter((m) => !registry.has('model', m));
const def = defaultPath();
const keys = [...chosen];
const defaultKey = Object.keys(variants).find(
  (k) => variants[k].ours.precision === def.precision && variants[k].ours.memoryFormat === def.memoryFormat,
);
if (defaultKey === undefined) {
  variants.default = { label: `default (${def.precision}, ${def.memoryFormat})`, ours: def, torch: ['--precision', '32'] };
  keys.push('default');
} else if (!keys.includes(defaultKey)) keys.push(defaultKey);
if (!keys.includes('fp32')) keys.push('fp32'); // PyTorch's default, the default path's reference

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `bench:models  ${settings.size}x${settings.size}, batch ${settings.batch}, ${settings.threads} threads, ${settings.steps} timed training steps after ${settings.warmup}, ${settings.evalSteps} eval batches, ${rounds} round(s), fresh processes, sides alternating`,
);
console.log(`load average at start: ${load()}`);
if (missing.length > 0) console.log(`not registered, skipped: ${missing.join(', ')}`);
const results = new Map<string, { ours: Outcome[]; pytorch: Outcome[] }>();
for (let r = 0; r < rounds; r++) {
  for (const model of models) {
    for (const key of keys) {
      const cell = results.get(`${model}/${key}`) ?? { ours: [], pytorch: [] };
      results.set(`${model}/${key}`, cell);
      const order: ('ours' | 'pytorch')[] = r % 2 === 0 ? ['ours', 'pytorch'] : ['pytorch', 'ours'];
      for (const side of order) cell[side].push(runSide(side, model, variants[key]));
      const show = (x: Outcome): string =>
        'error' in x ? `failed (${x.error})` : `train ${fmt(imgPerSec(x.trainMs))} eval ${fmt(imgPerSec(x.evalMs))}`;
      console.log(`  round ${r + 1} ${model} ${variants[key].label}: ours ${show(cell.ours[r])} | PyTorch ${show(cell.pytorch[r])} img/s`);
    }
  }
}

const cols = ['model', 'precision', 'train ours', 'train PyTorch', 'ratio', 'eval ours', 'eval PyTorch', 'ratio'];
const widths = [20, 28, 11, 14, 7, 10, 13, 7];
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
console.log(
  `\nimages/s, medians of ${rounds} round(s) (ratio: ours / PyTorch, median of the rounds' ratios; target >= 1.0x); load average at end: ${load()}`,
);
console.log(line(cols));
for (const model of models) {
  for (const key of keys.filter((k) => chosen.includes(k))) {
    const { ours, pytorch } = results.get(`${model}/${key}`)!;
    const train = compare(ours, pytorch, 'trainMs');
    const evaluation = compare(ours, pytorch, 'evalMs');
    console.log(line([model, variants[key].label, train.a, train.b, train.ratio, evaluation.a, evaluation.b, evaluation.ratio]));
  }
}
console.log(`\nour default path (${def.source}) against PyTorch's default (fp32, contiguous), training step (target >= 2x):`);
for (const model of models) {
  const ours = results.get(`${model}/${defaultKey ?? 'default'}`)!.ours;
  const train = compare(ours, results.get(`${model}/fp32`)!.pytorch, 'trainMs');
  console.log(`  ${model.padEnd(20)} ours ${train.a} img/s, PyTorch fp32 ${train.b} img/s: ${train.ratio}`);
}
