/**
 * `train -m` as a user runs it, on the tiny model of the CLI test and a
 * generated colour folder: a config error in one combination exits 2 with
 * nothing run; a 2x2 sweep writes a run dir per combination and a summary
 * whose metrics are those each run wrote itself; SIGINT during run 2 exits
 * 130 with run 2's checkpoint saved, and the same command again skips runs
 * 0-1, resumes run 2 from that checkpoint and runs 3; a run that fails is
 * recorded and the sweep goes on (exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { parseCsv } from '../../src/training/loggers/csv.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;
const tiny = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];
// Reports every shared library node loads (the libtorch addon is classifier_training.node) on stderr.
const traceDlopen =
  'data:text/javascript,const o=process.dlopen;process.dlopen=function(m,f,...r){process.stderr.write("dlopen "+f+"\\n");return o.call(this,m,f,...r)}';

/** The CSV as records by column name. */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

void test('a config error in some combinations exits 2 naming them, before libtorch loads, and nothing runs', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-multirun-'));
  try {
    const args = ['train', '-m', ...tiny, 'data.root=/nowhere', 'trainer.maxEpochs=1,2', 'optimizer.lr=0.1,oops'];
    const out = spawnSync(process.execPath, ['--import', traceDlopen, bin, ...args], { encoding: 'utf8', cwd });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /no run started: 2 of 4 runs have an invalid config/);
    assert.match(
      out.stderr,
      /optimizer\.lr: expected number, but got string "oops" \(override 'optimizer\.lr=oops'\) \(in run 1: trainer\.maxEpochs=1 optimizer\.lr=oops; run 3: trainer\.maxEpochs=2 optimizer\.lr=oops\)$/m,
    );
    assert.doesNotMatch(out.stderr, /classifier_training\.node/);
    assert.equal(out.stdout, '');
    assert.deepEqual(readdirSync(cwd), [], 'no sweep dir');
    const runDir = spawnSync(process.execPath, [bin, 'train', '-m', 'run.dir=x', 'optimizer.lr=0.1,0.2'], { encoding: 'utf8', cwd });
    assert.equal(runDir.status, 2);
    assert.match(runDir.stderr, /expected no run\.dir with -m\/--multirun .* set run\.sweepDir/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

void test('a 2x2 sweep: SIGINT in run 2 exits 130; run again, it skips 0-1, resumes 2, runs 3; the summary holds each run’s metrics', async (t) => {
  const root = await makeColourFolder(6);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const sweepDir = join(root, 'sweep');
  // Runs 2 and 3 train long enough to be interrupted; callbacks=none keeps an epoch short.
  const args = ['train', '-m', ...tiny, `data.root=${root}`, `run.sweepDir=${sweepDir}`, 'callbacks=none'];
  const swept = ['trainer.maxEpochs=1,40', 'optimizer.lr=0.05,0.1'];

  const first = spawn(process.execPath, [bin, ...args, ...swept], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  first.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  first.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<number | null>((resolve) => first.on('close', resolve));
  const checkpoints = join(sweepDir, '2', 'checkpoints');
  // Interrupt once run 2 has a checkpoint of its own (an epoch done), so it is training when the signal comes.
  for (let waited = 0; !(existsSync(checkpoints) && readdirSync(checkpoints).some((f) => f.endsWith('.ckpt'))); waited += 20) {
    assert.ok(waited < 60_000 && first.exitCode === null, `run 2 never saved a checkpoint: ${stderr}`);
    await sleep(20);
  }
  first.kill('SIGINT');
  assert.equal(await closed, 130, stderr);
  assert.match(stderr, /multirun: SIGINT received: stopping the sweep once the current run has saved its checkpoint/);
  assert.deepEqual(
    readCsv(join(sweepDir, 'multirun.csv')).map((r) => r.status),
    ['success', 'success', 'interrupted', 'pending'],
  );
  assert.match(stdout, /^2 +40 +0\.05 +interrupted *$/m, stdout);
  assert.ok(existsSync(join(checkpoints, 'last.ckpt')) && !existsSync(join(sweepDir, '2', 'done.json')));
  assert.equal(existsSync(join(sweepDir, '3')), false, 'run 3 never started');
  const finished = [0, 1].map((n) => statSync(join(sweepDir, String(n), 'checkpoints', 'last.ckpt')).mtimeMs);

  const again = spawnSync(process.execPath, [bin, ...args, ...swept], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /run 0 \(trainer\.maxEpochs=1 optimizer\.lr=0\.05\) finished earlier: skipped/);
  assert.match(again.stderr, /run 1 \(trainer\.maxEpochs=1 optimizer\.lr=0\.1\) finished earlier: skipped/);
  assert.match(again.stderr, /run 2 \(trainer\.maxEpochs=40 optimizer\.lr=0\.05\) of 4, resumed from its last checkpoint/);
  assert.match(again.stderr, /Trainer: restored .*\/sweep\/2\/checkpoints\/last\.ckpt \(epoch [1-9]/);
  assert.deepEqual(
    [0, 1].map((n) => statSync(join(sweepDir, String(n), 'checkpoints', 'last.ckpt')).mtimeMs),
    finished,
    'runs 0-1 not trained again',
  );

  // Each run dir is a single run's, with its own combination.
  const overrides = YAML.parse(readFileSync(join(sweepDir, '3', '.config', 'overrides.yaml'), 'utf8')) as string[];
  assert.deepEqual(overrides, [
    `data.root=${root}`,
    'callbacks=none',
    'trainer.maxEpochs=40',
    'optimizer.lr=0.1',
    `run.sweepDir='${sweepDir}'`,
    `run.dir='${join(sweepDir, '3')}'`,
  ]);
  const config = YAML.parse(readFileSync(join(sweepDir, '1', '.config', 'config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.deepEqual([config.trainer.maxEpochs, config.optimizer.lr, config.run.dir], [1, 0.1, join(sweepDir, '1')]);

  // The summary: one row per combination, each metric the one its run wrote (test_metrics.json, metrics.csv).
  const rows = readCsv(join(sweepDir, 'multirun.csv'));
  assert.deepEqual(Object.keys(rows[0]).slice(0, 4), ['n', 'trainer.maxEpochs', 'optimizer.lr', 'status']);
  assert.deepEqual(
    rows.map((r) => [r.n, r['trainer.maxEpochs'], r['optimizer.lr'], r.status]),
    [
      ['0', '1', '0.05', 'success'],
      ['1', '1', '0.1', 'success'],
      ['2', '40', '0.05', 'success'],
      ['3', '40', '0.1', 'success'],
    ],
  );
  for (const row of rows) {
    const run = join(sweepDir, row.n);
    const tested = JSON.parse(readFileSync(join(run, 'test_metrics.json'), 'utf8')) as Record<string, number>;
    assert.equal(Number(row['test/acc_top1']), tested['test/acc_top1'], `run ${row.n} test/acc_top1`);
    assert.equal(Number(row['test/loss']), tested['test/loss'], `run ${row.n} test/loss`);
    const logged = readCsv(join(run, 'metrics.csv')).filter((r) => r['val/loss'] !== '');
    assert.equal(row['val/loss'], logged.at(-1)!['val/loss'], `run ${row.n} val/loss`);
    assert.equal(row['val/acc_top1'], logged.at(-1)!['val/acc_top1'], `run ${row.n} val/acc_top1`);
  }
  const table = again.stdout.trim().split('\n');
  assert.match(table[0], /^n +trainer\.maxEpochs +optimizer\.lr +status +val\/loss +val\/acc_top1 /);
  assert.equal(table.length, 5);
  assert.ok(
    table.slice(1).every((l) => / success /.test(l)),
    again.stdout,
  );
});

void test('a run that fails is recorded as failed, the sweep goes on and exits 1', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const sweepDir = join(root, 'sweep');
  const args = [...tiny, `data.root=${join(root, 'missing')},${root}`, `run.sweepDir=${sweepDir}`, 'callbacks=none', 'trainer.maxEpochs=1'];
  const out = spawnSync(process.execPath, [bin, 'train', '--multirun', '--no-test', ...args], { encoding: 'utf8' });
  assert.equal(out.status, 1, out.stderr);
  assert.match(out.stderr, /run 0 \(data\.root=.*missing\) failed \(exit code 1\); going on/);
  assert.deepEqual(
    readCsv(join(sweepDir, 'multirun.csv')).map((r) => [r.status, r['test/acc_top1'], r['val/loss'] === '']),
    [
      ['failed', undefined, true],
      ['success', undefined, false],
    ],
  );
  assert.equal(existsSync(join(sweepDir, '0', 'done.json')), false);
  assert.ok(existsSync(join(sweepDir, '1', 'done.json')));
});
