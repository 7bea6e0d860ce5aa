/**
 * The command line as a user runs it: --version, doctor, data check, and
 * the exit codes that report problems.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

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
    ['libtorch', 'threads', 'BLAS', 'JPEG decoder', 'CPU features', 'bfloat16 autocast', 'CUDA'],
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

test('an unknown command is refused with a non-zero exit', () => {
  const out = run('frobnicate');
  assert.notEqual(out.status, 0);
  assert.match(out.stderr, /unknown command/);
});
