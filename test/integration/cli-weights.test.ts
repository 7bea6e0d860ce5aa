/**
 * `weights list` and `weights download` as a user runs them, against a
 * weights server on 127.0.0.1 (CLASSIFIER_TRAINING_WEIGHTS_URL), with the
 * proxy variables removed and TORCH_HOME in a temp folder: nothing leaves
 * the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightsBytes, weightsServer } from '../../src/models/weights/weights-server.test-helper.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;

/** Runs the CLI without blocking this process (the weights server lives here). */
function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** This environment without any proxy variable, plus `extra`. */
function isolated(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
  return { ...env, ...extra };
}

void test('weights list shows where each id is found; weights download fetches from the mirror and refuses a wrong file', async () => {
  const { bytes } = weightsBytes(10_000);
  const server = await weightsServer(bytes);
  const root = mkdtempSync(join(tmpdir(), 'cli-weights-'));
  const env = isolated({ TORCH_HOME: join(root, 'torch'), CLASSIFIER_TRAINING_WEIGHTS_URL: `${server.url}/models`, HOME: root });
  try {
    mkdirSync(join(root, 'w'));
    writeFileSync(join(root, 'w', 'resnet18-f37072fd.pth'), 'x');
    const list = await run(['weights', 'list', '--weights-dir', join(root, 'w')], env);
    assert.equal(list.status, 0, list.stderr);
    const rows = new Map(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => [l.split('\t')[0], l.split('\t')] as const),
    );
    assert.deepEqual(rows.get('resnet18.imagenet1k_v1'), [
      'resnet18.imagenet1k_v1',
      'resnet18-f37072fd.pth',
      'resize 256 bilinear, crop 224',
      join(root, 'w', 'resnet18-f37072fd.pth'),
    ]);
    assert.deepEqual(rows.get('resnet50.imagenet1k_v2')?.slice(2), ['resize 232 bilinear, crop 224', 'missing']);

    // The server's bytes are not resnet50's: the download is refused and deleted, exit 1.
    const got = await run(['weights', 'download', 'resnet50.imagenet1k_v2'], env);
    assert.equal(got.status, 1);
    assert.match(
      got.stderr,
      new RegExp(`expected ${server.url}/models/resnet50-11ad3fa6\\.pth to have sha256 11ad3fa6\\.\\.\\., but got [0-9a-f]{64}`),
    );
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/models/resnet50-11ad3fa6.pth'],
    );
    assert.deepEqual(readdirSync(join(root, 'torch', 'hub', 'checkpoints')), []);

    const unknown = await run(['weights', 'download', 'resnet50.imagenet9k'], env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /weights download: expected one of .*resnet50\.imagenet1k_v2.*, but got 'resnet50\.imagenet9k'/);
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

void test("weights list and download look in a run's default weightsDir: ./weights, or $CLASSIFIER_TRAINING_WEIGHTS_DIR", async () => {
  const server = await weightsServer(weightsBytes(1_000).bytes);
  const root = mkdtempSync(join(tmpdir(), 'cli-weights-'));
  const env = isolated({ TORCH_HOME: join(root, 'torch'), CLASSIFIER_TRAINING_WEIGHTS_URL: `${server.url}/models`, HOME: root });
  const whereResnet18 = (stdout: string) =>
    stdout
      .split('\n')
      .find((l) => l.startsWith('resnet18.imagenet1k_v1\t'))
      ?.split('\t')[3];
  try {
    mkdirSync(join(root, 'weights'));
    writeFileSync(join(root, 'weights', 'resnet18-f37072fd.pth'), 'x');
    const list = await run(['weights', 'list'], env, root);
    assert.equal(list.status, 0, list.stderr);
    assert.equal(whereResnet18(list.stdout), join(root, 'weights', 'resnet18-f37072fd.pth'));

    mkdirSync(join(root, 'mine'));
    writeFileSync(join(root, 'mine', 'resnet18-f37072fd.pth'), 'x');
    const fromEnv = await run(['weights', 'list'], { ...env, CLASSIFIER_TRAINING_WEIGHTS_DIR: join(root, 'mine') }, root);
    assert.equal(whereResnet18(fromEnv.stdout), join(root, 'mine', 'resnet18-f37072fd.pth'));

    // Found there, so download fetches nothing (the file is verified, and this one is not resnet18's).
    const got = await run(['weights', 'download', 'resnet18.imagenet1k_v1'], env, root);
    assert.equal(got.status, 1);
    assert.match(got.stderr, /expected .*\/weights\/resnet18-f37072fd\.pth to have sha256 f37072fd/);
    assert.equal(server.requests.length, 0);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});
