/**
 * A run's life through the command line, as a user types it in a fresh
 * directory: the README's resume lines (seconds apart, so `${now:...}` keys
 * differ) end bitwise where a straight run ends; `--resume <run dir |
 * checkpoint>` needs nothing retyped; a refused resume rewrites nothing; a
 * refused command leaves no run dir; a run never deletes or reads another
 * run's checkpoints; stale temporary files go; test/validate write beside
 * the checkpoint's run and print before saving; `${env:...}` stays out of
 * files; every run dir has its provenance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { diffConfigs, RESUME_IGNORED_KEYS } from '../../src/fingerprint.js';
import { readCheckpoint, readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { checkpointCandidates, disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { statesOfKind } from '../../src/training/checkpoint/callback-states.js';
import { removeStaleTemporaries } from '../../src/torch/serialization/atomic-write.js';
import type { ProvenanceEntry } from '../../src/cli/provenance.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('../integration/cli-user-conf', import.meta.url).pathname;
const plugin = new URL('../integration/cli-plugin.ts', import.meta.url).pathname;
const conf = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Starts `train`, sends SIGTERM once its first checkpoint exists, and waits for it to stop. */
async function trainThenTerminate(cwd: string, args: string[], runDir: string): Promise<number | null> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !existsSync(join(cwd, runDir, 'checkpoints', 'last.ckpt')) && child.exitCode === null; i++) await sleep(50);
  child.kill('SIGTERM');
  const code = await exited;
  assert.ok(code === 143 || code === 0, `stopped by SIGTERM or done first: exit ${code}\n${stderr}`);
  return code;
}

function weights(file: string): Map<string, Buffer> {
  const checkpoint = readCheckpoint(file);
  const out = new Map(Object.entries(checkpoint.model).map(([name, t]) => [name, Buffer.from(t.data().buffer)]));
  disposeCheckpoint(checkpoint);
  return out;
}

function assertSameWeights(a: string, b: string): void {
  const [x, y] = [weights(a), weights(b)];
  assert.deepEqual([...x.keys()], [...y.keys()]);
  for (const [name, bytes] of x) assert.ok(bytes.equals(y.get(name)!), `${name} differs between ${a} and ${b}`);
}

const read = (file: string) => readFileSync(file, 'utf8');

void test('1, 2. the README resume lines and --resume <run dir | checkpoint> end bitwise where a straight run ends', async () => {
  const data = await makeColourFolder(6);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-resume-'));
  try {
    const common = [...conf, `data.root=${data}`];
    const straight = cli(cwd, ['train', ...common, 'run.dir=outputs/straight', '--no-test']);
    assert.equal(straight.status, 0, straight.stderr);
    const target = join(cwd, 'outputs/straight/checkpoints/last.ckpt');

    // As documented: the same command with run.dir, then again with ckptPath=last, seconds apart.
    await trainThenTerminate(cwd, ['train', ...common, 'run.dir=outputs/r1', '--no-test'], 'outputs/r1');
    await sleep(1100);
    const resumed = cli(cwd, ['train', ...common, 'run.dir=outputs/r1', 'ckptPath=last', '--no-test']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assertSameWeights(join(cwd, 'outputs/r1/checkpoints/last.ckpt'), target);

    // --resume <run dir>: the run's own config, nothing retyped but the plugin that registers its model.
    await trainThenTerminate(cwd, ['train', ...common, 'run.dir=outputs/r2', '--no-test'], 'outputs/r2');
    copyFileSync(join(cwd, 'outputs/r2/checkpoints/last.ckpt'), join(cwd, 'outputs/r2/checkpoints/stopped.ckpt'));
    await sleep(1100);
    const byDir = cli(cwd, ['train', '--resume', 'outputs/r2', '--plugin', plugin, '--no-test']);
    assert.equal(byDir.status, 0, byDir.stderr);
    assertSameWeights(join(cwd, 'outputs/r2/checkpoints/last.ckpt'), target);

    // --resume <checkpoint>: the stopped state kept aside, resumed again in its run.
    const byFile = cli(cwd, ['train', '--resume', 'outputs/r2/checkpoints/stopped.ckpt', '--plugin', plugin, '--no-test']);
    assert.equal(byFile.status, 0, byFile.stderr);
    assertSameWeights(join(cwd, 'outputs/r2/checkpoints/last.ckpt'), target);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

void test('1. the keys that say where and how a run shows, never what it trains, are left out of the comparison', () => {
  const a = { run: { dir: 'a', sweepDir: 'x' }, ckptPath: null, logging: { csv: {} }, trainer: { maxEpochs: 2, enableProgressBar: true } };
  const b = { run: { dir: 'b', sweepDir: 'y' }, ckptPath: 'last', logging: {}, trainer: { maxEpochs: 2, enableProgressBar: false } };
  assert.deepEqual(diffConfigs(a, b, { exclude: RESUME_IGNORED_KEYS }), []);
  assert.deepEqual(
    diffConfigs(a, { ...b, trainer: { maxEpochs: 3 } }, { exclude: RESUME_IGNORED_KEYS }).map((d) => d.key),
    ['trainer.maxEpochs'],
  );
});

void test('3, 4, 26. a refused resume rewrites nothing; refused commands leave no run dir; an unusable run.dir is named', async () => {
  const data = await makeColourFolder(4);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-refuse-'));
  try {
    const common = [...conf, `data.root=${data}`, 'trainer.maxEpochs=1', '--no-test'];
    assert.equal(cli(cwd, ['train', ...common, 'run.dir=outputs/r1']).status, 0);
    const saved = ['config.yaml', 'overrides.yaml'].map((f) => read(join(cwd, 'outputs/r1/.config', f)));
    const refused = cli(cwd, ['train', ...common, 'run.dir=outputs/r1', 'ckptPath=last', 'optimizer.lr=0.5']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /optimizer\.lr/);
    assert.deepEqual(
      ['config.yaml', 'overrides.yaml'].map((f) => read(join(cwd, 'outputs/r1/.config', f))),
      saved,
      'the run keeps its config',
    );

    const fresh = mkdtempSync(join(tmpdir(), 'ct-nothing-'));
    try {
      const bad = [
        ['train', ...common, `data.root=${join(data, 'missing')}`],
        ['train', ...common, 'optimizer.lr=-1'],
        ['train', ...common, 'ckptPath=last'],
        ['train', '--resume', 'outputs/none', '--plugin', plugin],
      ];
      for (const args of bad) {
        const out = cli(fresh, args);
        assert.notEqual(out.status, 0, args.join(' '));
        assert.deepEqual(readdirSync(fresh), [], `nothing left behind by ${args.join(' ')}: ${out.stderr}`);
      }
      writeFileSync(join(fresh, 'taken'), 'a file');
      const notDir = cli(fresh, ['train', ...common, 'run.dir=taken/r1']);
      assert.equal(notDir.status, 2, notDir.stderr);
      assert.match(notDir.stderr, /taken.*ENOTDIR/s);
      assert.doesNotMatch(notDir.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

void test("5, 6. a run resumed from another run's checkpoint never deletes it; best resolves inside the given dir; stale temporaries go", async () => {
  const data = await makeColourFolder(4);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-owner-'));
  try {
    const common = [...conf, `data.root=${data}`, '--no-test'];
    assert.equal(cli(cwd, ['train', ...common, 'run.dir=P']).status, 0);
    const before = readdirSync(join(cwd, 'P/checkpoints')).sort();
    // A copy of P elsewhere: its 'best' is its own file, not P's.
    cpSync(join(cwd, 'P'), join(cwd, 'P2'), { recursive: true });
    const best = checkpointCandidates('best', join(cwd, 'P2/checkpoints'))[0];
    assert.ok(best.startsWith(join(cwd, 'P2')), `best inside P2: ${best}`);
    const state = statesOfKind(readCheckpointHeader(join(cwd, 'P/checkpoints/last.ckpt')).callbacks, 'ModelCheckpoint')[0][1] as {
      bestModelPath: string;
    };
    assert.ok(!state.bestModelPath.startsWith('/'), `saved relative: ${state.bestModelPath}`);

    // Q goes on from P's last checkpoint for one more epoch (saveTopK 1: its new best evicts the old one from
    // its ranking); a killed write left a temporary file in Q's folder.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(join(cwd, 'Q/checkpoints'), { recursive: true });
    writeFileSync(join(cwd, `Q/checkpoints/last.ckpt.tmp-${dead}-0`), 'half a checkpoint');
    const more = ['trainer.maxEpochs=3', 'trainer.resume.allowConfigChange=true'];
    const q = cli(cwd, ['train', ...common, ...more, 'run.dir=Q', `ckptPath=${join(cwd, 'P/checkpoints/last.ckpt')}`]);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(q.stderr.split('with a changed config (trainer.maxEpochs), as allowed').length - 1, 1, `said once: ${q.stderr}`);
    assert.deepEqual(readdirSync(join(cwd, 'P/checkpoints')).sort(), before, "P's checkpoints untouched");
    assert.ok(!readdirSync(join(cwd, 'Q/checkpoints')).some((f) => f.includes('.tmp-')), 'stale temporary removed');
    assert.ok(
      readdirSync(join(cwd, 'Q/checkpoints')).some((f) => f.startsWith('epoch=2')),
      'Q trained on',
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

void test('6. only temporaries of processes that are gone are removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-tmp-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    for (const name of [`a.ckpt.tmp-${dead}-3`, `a.ckpt.tmp-${process.pid}-0`, 'a.ckpt', 'notes.tmp-x']) writeFileSync(join(dir, name), '');
    assert.deepEqual(removeStaleTemporaries(dir), [`a.ckpt.tmp-${dead}-3`]);
    assert.deepEqual(readdirSync(dir).sort(), ['a.ckpt', `a.ckpt.tmp-${process.pid}-0`, 'notes.tmp-x']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('7. a SIGINT that arrives while the last checkpoint is written stops the run: exit 130, no test', async () => {
  const child = new URL('./signal-during-save-child.ts', import.meta.url).pathname;
  const data = await makeColourFolder(4);
  try {
    const out = spawnSync(process.execPath, ['--import', 'tsx', child, data], { encoding: 'utf8' });
    assert.equal(out.status, 130, `${out.stdout}\n${out.stderr}`);
    assert.match(out.stdout, /status interrupted/);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

void test("8. test/validate write their metrics in the checkpoint's run dir, and print them before saving", async () => {
  const data = await makeColourFolder(4);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-eval-'));
  try {
    assert.equal(cli(cwd, ['train', ...conf, `data.root=${data}`, 'trainer.maxEpochs=1', 'run.dir=runs/r1', '--no-test']).status, 0);
    copyFileSync(join(cwd, 'runs/r1/checkpoints/last.ckpt'), join(cwd, 'runs/r1/moved.ckpt'));
    const tested = cli(cwd, ['test', 'runs/r1/moved.ckpt', '--plugin', plugin]);
    assert.equal(tested.status, 0, tested.stderr);
    assert.ok(existsSync(join(cwd, 'runs/r1/test_metrics.json')));
    assert.ok(!existsSync(join(cwd, 'test_metrics.json')) && !existsSync(join(cwd, 'runs/test_metrics.json')));

    mkdirSync(join(cwd, 'runs/r1/val_metrics.json')); // a folder where the file goes: the write fails
    const blocked = cli(cwd, ['validate', 'runs/r1/checkpoints/last.ckpt', '--plugin', plugin]);
    assert.equal(blocked.status, 1, blocked.stderr);
    assert.ok('val/acc_top1' in (JSON.parse(blocked.stdout) as Record<string, number>), 'metrics printed');
    assert.match(blocked.stderr, /val_metrics\.json.*EISDIR/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

void test('9, 10. ${env:...} values stay out of saved files; every run dir has its provenance, one entry per command', async () => {
  const data = await makeColourFolder(4);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-env-'));
  try {
    const env = { CT_TEST_DATA_ROOT: data };
    const args = ['train', ...conf, 'data.root=${env:CT_TEST_DATA_ROOT}', 'trainer.maxEpochs=1', 'run.dir=r', '--no-test'];
    const out = cli(cwd, args, env);
    assert.equal(out.status, 0, out.stderr);
    const config = read(join(cwd, 'r/.config/config.yaml'));
    assert.match(config, /\$\{env:CT_TEST_DATA_ROOT\}/);
    assert.ok(!config.includes(data), 'the value is not saved');
    const header = readCheckpointHeader(join(cwd, 'r/checkpoints/last.ckpt'));
    assert.ok(!JSON.stringify(header.config).includes(data), 'nor in the checkpoint');

    const again = cli(cwd, ['train', '--resume', 'r', '--plugin', plugin, '--no-test'], env);
    assert.equal(again.status, 0, again.stderr);
    const { runs } = JSON.parse(read(join(cwd, 'r/.config/provenance.json'))) as { runs: ProvenanceEntry[] };
    assert.equal(runs.length, 2);
    for (const entry of runs) {
      assert.equal(entry.status, 'success');
      assert.match(entry.versions.libtorch, /^\d+\.\d+/);
      assert.equal(entry.versions.node, process.version);
      assert.ok(Date.parse(entry.endedAt ?? '') >= Date.parse(entry.startedAt));
      assert.ok(entry.command.includes('train'));
      assert.equal(typeof entry.host, 'string');
      assert.match(entry.data?.sha256 ?? '', /^[0-9a-f]{64}$/);
    }
    assert.equal(runs[0].data?.sha256, runs[1].data?.sha256, 'the same data');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
