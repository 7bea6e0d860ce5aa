/**
 * bench:optimizer — the cost of one `optimizer.step()`: AdamW on ResNet-18's
 * parameters (62 tensors, 11.2M values) with fixed gradients, ours parameter
 * by parameter and with one native call per param group
 * (bench/optimizer-ours.ts), against torch.optim.AdamW with foreach=False
 * and foreach=True (bench/optimizer_torch.py, python3-torch), same threads,
 * in the same sitting: the two sides run as fresh processes, one after the
 * other, their order swapped each round.
 *
 *   npm run bench:optimizer            # ROUNDS=3 STEPS=20 to change; OMP_NUM_THREADS for threads
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.env.ROUNDS ?? 3);
const steps = Number(process.env.STEPS ?? 20);
const threads = Number(process.env.OMP_NUM_THREADS ?? availableParallelism());
const args = ['--threads', String(threads), '--steps', String(steps), '--warmup', '5', '--rounds', '3'];

/** Each `<mode> ms_per_step=<ms>` line of a side's output. */
function measure(command: string, commandArgs: string[], side: string): Map<string, number> {
  const out = spawnSync(command, commandArgs, { encoding: 'utf8' });
  const found = new Map([...out.stdout.matchAll(/^(\S+) ms_per_step=([\d.]+)$/gm)].map((m) => [m[1], Number(m[2])]));
  if (out.status !== 0 || found.size !== 2) throw new Error(`bench:optimizer: the ${side} side failed: ${out.stderr || out.stdout}`);
  return found;
}

const sides = {
  ours: () =>
    measure(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./optimizer-ours.ts', import.meta.url)), ...args], 'our'),
  pytorch: () => measure('/usr/bin/python3', [fileURLToPath(new URL('./optimizer_torch.py', import.meta.url)), ...args], 'PyTorch'),
};
const labels: Record<string, string> = {
  'per-parameter': 'ours, per parameter     ',
  'multi-tensor': 'ours, multi-tensor      ',
  'foreach=False': 'PyTorch, foreach=False  ',
  'foreach=True': 'PyTorch, foreach=True   ',
};

console.log(
  `bench:optimizer  AdamW step on ResNet-18's parameters (62 tensors, 11.2M values), ${threads} threads, ${rounds} rounds x 3 blocks x ${steps} steps, fresh processes`,
);
const all = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  // Alternate which side goes first, so drift in the machine's load hits both.
  const order = r % 2 === 0 ? [sides.ours, sides.pytorch] : [sides.pytorch, sides.ours];
  const found = new Map([...order[0](), ...order[1]()]);
  for (const [mode, ms] of found) all.set(mode, [...(all.get(mode) ?? []), ms]);
  console.log(`round ${r + 1}: ${[...found].map(([mode, ms]) => `${mode} ${ms.toFixed(2)}`).join('   ')} ms/step`);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = new Map([...all].map(([mode, xs]) => [mode, median(xs)]));
for (const [mode, label] of Object.entries(labels)) console.log(`median ${label} ${(m.get(mode) as number).toFixed(2)} ms/step`);
const ratio = (a: string, b: string): string => ((m.get(a) as number) / (m.get(b) as number)).toFixed(3);
console.log(`multi-tensor / per-parameter:       ${ratio('multi-tensor', 'per-parameter')}x`);
console.log(`multi-tensor / PyTorch foreach=False: ${ratio('multi-tensor', 'foreach=False')}x`);
console.log(`multi-tensor / PyTorch foreach=True:  ${ratio('multi-tensor', 'foreach=True')}x`);
