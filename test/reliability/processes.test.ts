/**
 * Processes that must not harm each other: a sweep's size is bounded and
 * costs nothing to count; a run child dies with its sweep; a second DDP run
 * on the same MASTER_PORT is refused without disturbing the first, whose
 * launcher prints rank 0's final metrics.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planSweep } from '../../src/config/sweep.js';
import { parseOverride } from '../../src/config/override-parser.js';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { RUN_DIR_ENV } from '../../src/training/strategies/ddp-env.js';
import { freePort } from '../../src/training/strategies/launcher.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('../integration/cli-user-conf', import.meta.url).pathname;
const plugin = new URL('../integration/cli-plugin.ts', import.meta.url).pathname;
const tiny = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];

/** The environment of a process a user starts: none of a distributed run's variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', RUN_DIR_ENV])
    delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('CLASSIFIER_TRAINING_')) delete env[name];
  return { ...env, ...extra };
}

/** The pids whose parent is `pid` and whose command line runs the CLI (not tsx's esbuild service, say), from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(bin) ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, log: () => string = () => ''): Promise<void> {
  for (const started = Date.now(); !ok(); await sleep(50)) {
    assert.ok(Date.now() - started < timeoutMs, `${what} within ${timeoutMs} ms: ${log()}`);
  }
}

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `classifier-training <args>`; `exit` resolves with its status and output. */
function start(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}) {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('close', (status) => resolve({ status, ...out })));
  return { child, out, exit };
}

// ---- 22. a sweep's size ----

void test('22. range() of 10^8 values and a sweep of 10^16 runs are counted without being written out', () => {
  const started = Date.now();
  assert.equal(parseOverride('trainer.seed=range(0,100000000)').sweepValues!.length, 100_000_000);
  const plan = planSweep(['a=range(0,100000000)', 'b=x,y', 'c=range(0,100000000)']);
  assert.equal(plan.count, 2e16);
  // Hydra's BasicSweeper order: the last sweep changes fastest.
  assert.deepEqual(plan.run(100_000_001).swept, { a: '0', b: 'y', c: '1' });
  assert.deepEqual(plan.run(1).overrides, ['a=0', 'b=x', 'c=1']);
  assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
  assert.deepEqual(parseOverride('a=range(0,0.3,0.1)').sweep, [0, 0.1, 0.2]);
  assert.throws(() => parseOverride('a=range(0,.inf)'), /a range of at most 9007199254740991 values/);
});

void test('22. train -m over range(0,100000000) exits 2 at once naming --max-runs, in little memory, leaving nothing', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-procs-'));
  try {
    const started = Date.now();
    const args = ['train', '-m', ...tiny, 'data.root=/nowhere', 'trainer.seed=range(0,100000000)'];
    // A heap of 256 MB: writing the 10^8 runs out would abort on it.
    const out = spawnSync(process.execPath, ['--max-old-space-size=256', bin, ...args], { encoding: 'utf8', cwd, env: cleanEnv() });
    assert.equal(out.status, 2, out.stderr);
    assert.match(
      out.stderr,
      /multirun: expected at most 1,000 runs, but got 100,000,000 \(100,000,000 values of trainer\.seed\); .*--max-runs 100000000/,
    );
    assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
    assert.deepEqual(readdirSync(cwd), [], 'no sweep dir');
    // Without -m the sweep is a usage error, counted, not written out.
    const plain = ['--max-old-space-size=256', bin, 'train', ...tiny, 'data.root=/nowhere', 'trainer.seed=range(0,100000000)'];
    const one = spawnSync(process.execPath, plain, { encoding: 'utf8', cwd, env: cleanEnv() });
    assert.equal(one.status, 2, one.stderr);
    assert.match(one.stderr, /expected one value, but got a sweep of 100000000; run sweeps with -m\/--multirun/);
    const bad = spawnSync(process.execPath, [bin, ...args, '--max-runs', '0'], { encoding: 'utf8', cwd, env: cleanEnv() });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected --max-runs to be a positive integer, but got "0"/);
    const single = spawnSync(process.execPath, [bin, 'train', ...tiny, '--max-runs', '5'], { encoding: 'utf8', cwd, env: cleanEnv() });
    assert.equal(single.status, 2);
    assert.match(single.stderr, /expected --max-runs only with -m\/--multirun/);
    assert.deepEqual(readdirSync(cwd), []);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

void test('22. past 1,000 runs (--max-runs raises the limit) a sample is checked: a bad value exits 2 quickly, naming its runs', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-procs-'));
  try {
    const started = Date.now();
    const args = ['train', '-m', ...tiny, 'data.root=/nowhere', 'optimizer.lr=0.1,oops', 'trainer.seed=range(0,3000)'];
    const out = spawnSync(process.execPath, [bin, ...args, '--max-runs', '6000'], { encoding: 'utf8', cwd, env: cleanEnv() });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /multirun: no run started: \d+ of \d+ runs checked \(a sample of 6000\) have an invalid config/);
    assert.match(out.stderr, /optimizer\.lr: expected number, but got string "oops" .*run 3000: optimizer\.lr=oops trainer\.seed=0/);
    // Checking all 6,000 would take a minute or more on this machine.
    assert.ok(Date.now() - started < 45_000, `${Date.now() - started} ms`);
    assert.deepEqual(readdirSync(cwd), [], 'no sweep dir');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

// ---- 23. children die with their parent ----

const hold = new URL('./hold-plugin.ts', import.meta.url).pathname;

/**
 * The colour folder of a test and the processes it starts: after the test,
 * each of them still running is killed with its CLI children (a failed test
 * must not leave a trainer behind), then the folder is removed.
 */
async function scratch(t: TestContext): Promise<{ root: string; pids: number[] }> {
  const root = await makeColourFolder(6);
  const pids: number[] = [];
  t.after(() => {
    for (const pid of pids.flatMap((p) => [...childrenOf(p), p])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
  return { root, pids };
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

void test('23. SIGKILL of a sweep: its run child stops within seconds and leaves no half-written file', async (t) => {
  const { root, pids } = await scratch(t);
  const sweepDir = join(root, 'sweep');
  const go = join(root, 'go');
  // Run 0 holds after its first epoch (its checkpoint saved), with many epochs still to train.
  const args = ['train', '-m', ...tiny, '--plugin', hold, `data.root=${root}`, `run.sweepDir=${sweepDir}`, 'callbacks=none'];
  args.push(`+callbacks.hold={file: ${go}, afterEpoch: 0}`, 'trainer.maxEpochs=100000', 'optimizer.lr=0.05,0.1');
  const sweep = start(args);
  pids.push(sweep.child.pid!);
  await waitFor(
    'run 0 holding after its first epoch',
    () => existsSync(`${go}.waiting`),
    90_000,
    () => sweep.out.stderr,
  );
  const [runPid] = childrenOf(sweep.child.pid!);
  assert.ok(runPid !== undefined && alive(runPid), 'the run child is alive');
  pids.push(runPid);
  sweep.child.kill('SIGKILL');
  // Released, the orphan would train on for 100,000 epochs.
  writeFileSync(go, '');
  await waitFor('the run child gone', () => !alive(runPid), 15_000);
  const left = filesUnder(join(sweepDir, '0'));
  assert.deepEqual(
    left.filter((f) => /\.tmp|~$/.test(f)),
    [],
    'no temporary file left',
  );
  const checkpoint = readCheckpoint(join(sweepDir, '0', 'checkpoints', 'last.ckpt'));
  disposeCheckpoint(checkpoint);
});

void test('23. SIGKILL of the DDP launcher: both ranks stop within seconds, rank 0 with its checkpoint whole', async (t) => {
  const { root, pids } = await scratch(t);
  const runDir = join(root, 'run');
  const go = join(root, 'go');
  const args = ['train', ...tiny, '--plugin', hold, `data.root=${root}`, `run.dir=${runDir}`, 'callbacks=none', 'trainer.maxEpochs=100000'];
  args.push('trainer.strategy=ddp', 'trainer.devices=2', '+trainer.distributedTimeout=60000', `+callbacks.hold={file: ${go}}`);
  const launcher = start(args);
  pids.push(launcher.child.pid!);
  await waitFor(
    'both ranks holding after their first epoch',
    () => existsSync(`${go}.waiting`),
    90_000,
    () => launcher.out.stderr,
  );
  const ranks = childrenOf(launcher.child.pid!);
  pids.push(...ranks);
  assert.equal(ranks.length, 2);
  launcher.child.kill('SIGKILL');
  writeFileSync(go, '');
  await waitFor('both ranks gone', () => !ranks.some(alive), 20_000);
  assert.deepEqual(
    filesUnder(runDir).filter((f) => /\.tmp|~$/.test(f)),
    [],
    'no temporary file left',
  );
  disposeCheckpoint(readCheckpoint(join(runDir, 'checkpoints', 'last.ckpt')));
});

// ---- 24, 25. two DDP runs on one MASTER_PORT; the launcher's result ----

void test('24, 25. a rank, then a whole run, on a busy MASTER_PORT are refused; the first run finishes and prints rank 0’s metrics', async (t) => {
  const { root, pids } = await scratch(t);
  const port = String(await freePort());
  const go = join(root, 'go');
  const ddp = ['trainer.strategy=ddp', 'trainer.devices=2', '+trainer.distributedTimeout=60000', 'callbacks=none', 'trainer.maxEpochs=2'];
  const runDir = join(root, 'first');
  const first = start(
    ['train', ...tiny, '--plugin', hold, `data.root=${root}`, `run.dir=${runDir}`, ...ddp, `+callbacks.hold={file: ${go}}`],
    {
      env: cleanEnv({ MASTER_PORT: port }),
    },
  );
  pids.push(first.child.pid!);
  // Both ranks of the first run hold after epoch 0: its store serves MASTER_PORT, its group is formed.
  await waitFor(
    'the first run in training',
    () => existsSync(`${go}.waiting`),
    90_000,
    () => first.out.stderr,
  );

  // A rank of another run, started as an outside launcher would (rank 1 of 2, its own run id), on the same port.
  const stranger = start(['train', ...tiny, `data.root=${root}`, `run.dir=${join(root, 'second')}`, ...ddp], {
    env: cleanEnv({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, WORLD_SIZE: '2', RANK: '1', CLASSIFIER_TRAINING_RUN_ID: 'second' }),
  });
  pids.push(stranger.child.pid!);
  const refused = await stranger.exit;
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(
      `expected the store at 127\\.0\\.0\\.1:${port} to belong to run "second", but got run "[^"]+": another run uses MASTER_PORT=${port}`,
    ),
  );

  // A whole second run on the same port: its rank 0 cannot serve the port, its rank 1 is refused; it fails alone.
  const second = start(['train', ...tiny, `data.root=${root}`, `run.dir=${join(root, 'third')}`, ...ddp], {
    env: cleanEnv({ MASTER_PORT: port }),
  });
  pids.push(second.child.pid!);
  const failed = await second.exit;
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /launcher: expected all 2 ranks to exit with 0, but rank [01] exited with code 1/);
  assert.equal(first.child.exitCode, null, 'the first run still runs');

  writeFileSync(go, '');
  const exit = await first.exit;
  assert.equal(exit.status, 0, exit.stderr);
  const result = JSON.parse(exit.stdout) as { runDir: string; metrics: Record<string, number>; test?: Record<string, number> };
  // Rank 0's final metrics, as a one-process train prints them: the last epoch's, as its metrics.csv has them.
  const [header, ...rows] = readFileSync(join(runDir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const last = (name: string): number => Number(rows.filter((r) => r[header.indexOf(name)] !== '').at(-1)![header.indexOf(name)]);
  for (const name of ['val/loss', 'val/acc_top1', 'train/loss']) {
    assert.ok(Number.isFinite(result.metrics[name]), `${name} in ${exit.stdout}`);
    assert.equal(result.metrics[name], last(name), name);
  }
  assert.ok(result.test !== undefined && Number.isFinite(result.test['test/acc_top1']), exit.stdout);
});
