/**
 * The command line as a user runs it: --version, doctor, data check, a real
 * tiny `train` from a user's config dir that extends ours (with a model of
 * its own registered by a plugin), `test` on its checkpoint, `config
 * show` / `config schema`, and the exit codes that report problems
 * (2 for config and usage errors, before libtorch loads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import YAML from 'yaml';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('--version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const out = run('--version');
  assert.equal(out.status, 0);
  assert.equal(out.stdout.trim(), pkg.version);
});

test('doctor reports libtorch, threads, BLAS speed, the JPEG decoder, CPU features and CUDA', () => {
  const out = run('doctor', '--json');
  const checks = JSON.parse(out.stdout) as { name: string; value: string; ok: boolean }[];
  assert.deepEqual(
    checks.map((c) => c.name),
    ['libtorch', 'threads', 'BLAS', 'JPEG decoder', 'CPU features', 'bfloat16 autocast', 'CUDA', 'distributed'],
  );
  assert.match(checks[3].value, /^libjpeg/);
  assert.match(checks[0].value, /^1\.13\.\d+ at \/.*libtorch_cpu\.so/);
  assert.match(checks[2].value, /GFLOP\/s/);
  assert.equal(out.status, checks.every((c) => c.ok) ? 0 : 1);
});

test('data check finds an unreadable file and exits 1; a clean folder exits 0', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ct-cli-'));
  try {
    for (const split of ['train', 'val']) {
      for (const [cls, colour] of [
        ['cat', 10],
        ['dog', 200],
      ] as const) {
        mkdirSync(join(root, split, cls), { recursive: true });
        const png = await sharp({
          create: { width: 8, height: 8, channels: 3, background: { r: colour, g: split === 'val' ? 1 : 0, b: 0 } },
        })
          .png()
          .toBuffer();
        writeFileSync(join(root, split, cls, 'a.png'), png);
      }
    }
    const clean = run('data', 'check', root);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    writeFileSync(join(root, 'train', 'cat', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
    const broken = run('data', 'check', root);
    assert.equal(broken.status, 1);
    assert.match(broken.stdout + broken.stderr, /broken\.jpg/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unknown command is a usage error: exit 2', () => {
  const out = run('frobnicate');
  assert.equal(out.status, 2);
  assert.match(out.stderr, /unknown command/);
});

// Reports every shared library node loads (the libtorch addon is classifier_training.node) on stderr.
const traceDlopen =
  'data:text/javascript,const o=process.dlopen;process.dlopen=function(m,f,...r){process.stderr.write("dlopen "+f+"\\n");return o.call(this,m,f,...r)}';
const runTraced = (...args: string[]) => spawnSync(process.execPath, ['--import', traceDlopen, bin, ...args], { encoding: 'utf8' });
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;

test("config errors, in the composition or in a component's options, exit 2 before the libtorch addon loads", () => {
  const out = runTraced('train', 'model=nope');
  assert.equal(out.status, 2, out.stderr);
  assert.match(
    out.stderr,
    /expected an option of group `model` among [a-z0-9_, ]*\bresnet18, resnet34, resnet50\b[a-z0-9_, ]*, but got 'nope' \(override 'model=nope'\)/,
  );
  assert.doesNotMatch(out.stderr, /classifier_training\.node/);
  assert.equal(out.stdout, '');
  // Errors inside a component's options are found by the components' own schemas, still before libtorch loads.
  const deeper = runTraced('config', 'show', '--validate', 'model.stem=smal');
  assert.equal(deeper.status, 2, deeper.stderr);
  assert.match(deeper.stderr, /model\.stem: expected one of imagenet, small/);
  assert.doesNotMatch(deeper.stderr, /classifier_training\.node/);
  // The tracer does see the addon when a command runs libtorch.
  const doctor = runTraced('doctor');
  assert.match(doctor.stderr, /dlopen .*classifier_training\.node/);
});

test('every config error is reported at once, one per line with its origin, exit 2, and nothing runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-cli-'));
  try {
    const out = run('train', 'model.stem=smal', 'trainer.maxEpochs=ten', '+optimizer.lrr=1', `run.dir=${dir}/run`);
    assert.equal(out.status, 2, out.stderr);
    const lines = out.stderr.trim().split('\n');
    assert.deepEqual(lines, [
      'error: invalid config',
      `trainer.maxEpochs: expected number, but got string "ten" (override 'trainer.maxEpochs=ten')`,
      'model.stem: expected one of imagenet, small (did you mean `small`?), but got string "smal" (override \'model.stem=smal\')',
      "optimizer.lrr: expected a known key of `optimizer` (did you mean `optimizer.lr`?), but got unknown key `lrr` (override '+optimizer.lrr=1')",
    ]);
    assert.equal(existsSync(join(dir, 'run')), false, 'no run dir for a config that does not validate');
    const missing = run('train', '--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /data\.root: expected a value, but got \?\?\? .*cli-user-conf\/data\/colours\.yaml:9\)/);
    const syntax = run('train', 'trainer.maxEpochs=[1');
    assert.equal(syntax.status, 2);
    assert.match(syntax.stderr, /trainer\.maxEpochs=\[1/);
    const typo = run('train', 'trainer.maxEpoch=3');
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /did you mean `trainer\.maxEpochs`\?.*use `\+trainer\.maxEpoch=3`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train from a user config dir with its own registered model writes the run dir; test evaluates its checkpoint', async () => {
  const root = await makeColourFolder(6);
  try {
    const runDir = join(root, 'run');
    const args = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];
    const out = run('train', ...args, `data.root=${root}`, `run.dir=${runDir}`, 'optimizer.lr=0.05');
    assert.equal(out.status, 0, out.stderr);
    const result = JSON.parse(out.stdout) as { runDir: string; test: Record<string, number> };
    assert.equal(result.runDir, runDir);
    assert.ok(result.test['test/acc_top1'] >= 0 && result.test['test/acc_top1'] <= 1);
    const saved = YAML.parse(readFileSync(join(runDir, '.config', 'config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(saved.model.name, 'tiny_cnn');
    assert.equal(saved.model.inChannels, 3, 'inChannels from data.channels');
    assert.equal(saved.data.root, root);
    assert.equal(saved.optimizer.lr, 0.05);
    assert.equal(saved.loss.labelSmoothing, 0.1, "our loss group's default");
    assert.deepEqual(saved.transforms.train, [
      { name: 'RandomResizedCrop', size: 10 },
      { name: 'RandomHorizontalFlip' },
      { name: 'Normalize' },
    ]);
    assert.deepEqual(YAML.parse(readFileSync(join(runDir, '.config', 'overrides.yaml'), 'utf8')), [
      `data.root=${root}`,
      `run.dir=${runDir}`,
      'optimizer.lr=0.05',
    ]);
    assert.ok(existsSync(join(runDir, 'checkpoints', 'last.ckpt')));
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'test_metrics.json'), 'utf8')), result.test);
    const csv = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.match(csv[0], /val\/acc_top1/);
    assert.equal(csv.filter((l) => /^1,/.test(l)).length > 0, true, 'metrics of the second epoch');
    const tested = run('test', join(runDir, 'checkpoints', 'last.ckpt'), '--plugin', plugin);
    assert.equal(tested.status, 0, tested.stderr);
    const metrics = JSON.parse(tested.stdout) as Record<string, number>;
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'test_metrics.json'), 'utf8')), metrics);
    assert.equal(metrics['test/acc_top1'], result.test['test/acc_top1'], 'the same checkpoint on the same split');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('config show prints the composed YAML with the overrides; config schema writes the JSON Schema of every component', () => {
  const shown = run('config', 'show', 'model=resnet50', 'data.imageSize=32', '--resolve');
  assert.equal(shown.status, 0, shown.stderr);
  const config = YAML.parse(shown.stdout) as Record<string, Record<string, unknown>>;
  assert.equal(config.model.name, 'resnet50');
  assert.equal(config.model.numClasses, 10);
  assert.deepEqual((config.transforms.train as unknown[])[0], { name: 'RandomCrop', size: 32, padding: 2 }, 'imageSize drives the crop');
  const raw = run('config', 'show');
  assert.match(raw.stdout, /numClasses: \$\{data\.numClasses\}/, 'unresolved without --resolve');
  const dir = mkdtempSync(join(tmpdir(), 'ct-cli-'));
  try {
    const file = join(dir, 'schema.json');
    const out = run('config', 'schema', '--out', file, '--plugin', plugin);
    assert.equal(out.status, 0, out.stderr);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as {
      properties: Record<string, { anyOf?: { properties: { name: { const: string } } }[] }>;
    };
    const models = schema.properties.model.anyOf!.map((m) => m.properties.name.const);
    assert.ok(models.includes('resnet18') && models.includes('tiny_cnn'), models.join());
    assert.ok(schema.properties.trainer !== undefined && schema.properties.callbacks !== undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help on a command shows its examples', () => {
  const out = run('train', '--help');
  assert.equal(out.status, 0);
  assert.match(out.stdout, /Examples:\n {2}classifier-training train/);
  assert.match(out.stdout, /--config-dir <dir>/);
});
