/**
 * bench:startup — how long the CLI takes to answer before any training: `--help`,
 * `config show` and config errors (exit 2: one that composition finds, one in a component's options), each as a whole fresh process. Two sides
 * side by side, in alternating order (A B A B): the installed command (`bin/`, running the
 * compiled `dist/`, as `npm install` and `npm ci` leave it) and the TypeScript sources run
 * through tsx (how the CLI started before it was compiled). Medians, the median of the
 * rounds' ratios (compiled / tsx), and the target (<= 0.3 s median for the compiled side).
 * Build first (`npm run build`; `npm ci` does it).
 *
 *   npm run bench:startup                    # -- --rounds 9
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const rounds = Number(values.rounds);
const bin = fileURLToPath(new URL('../bin/classifier-training.js', import.meta.url));
const sources = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (!existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) {
  console.error('bench:startup: expected dist/ (run npm run build), but got none');
  process.exit(1);
}
const viaTsx = `import('tsx/esm/api').then(async (tsx) => { tsx.register(); const { main } = await import(${JSON.stringify(sources)}); process.exitCode = await main(process.argv); });`;

const cases: { name: string; args: string[]; status: number }[] = [
  { name: '--help', args: ['--help'], status: 0 },
  { name: 'config show', args: ['config', 'show'], status: 0 },
  { name: 'config error in composition (exit 2)', args: ['train', 'model=nope'], status: 2 },
  // A component's own option is checked by its schema: every component module is imported first.
  { name: "config error in a component's options (exit 2)", args: ['train', 'data.batchSize=-1'], status: 2 },
];

function seconds(command: string[], expected: number): number {
  const started = process.hrtime.bigint();
  const out = spawnSync(process.execPath, command, { encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (out.status !== expected)
    throw new Error(`bench:startup: expected exit ${expected} from ${command.join(' ')}, but got ${out.status}: ${out.stderr}`);
  return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`bench:startup: ${rounds} rounds, load average ${loadavg()[0].toFixed(2)}, node ${process.version}`);
console.log('| command | compiled (dist) | tsx (sources) | compiled / tsx |');
console.log('| --- | --- | --- | --- |');
for (const c of cases) {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const compiled = () => a.push(seconds([bin, ...c.args], c.status));
    const tsx = () => b.push(seconds(['--input-type=module', '-e', viaTsx, '--', 'classifier-training', ...c.args], c.status));
    for (const side of round % 2 === 0 ? [compiled, tsx] : [tsx, compiled]) side();
  }
  const ratio = median(a.map((x, i) => x / b[i]));
  console.log(`| ${c.name} | ${median(a).toFixed(3)} s | ${median(b).toFixed(3)} s | ${ratio.toFixed(2)}x |`);
}
