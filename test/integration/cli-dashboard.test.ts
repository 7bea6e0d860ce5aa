/**
 * `dashboard` and `train … dashboard=true` as a user runs them: the command
 * prints its URL, serves the runs it finds and stops cleanly on Ctrl-C
 * (exit 0); a tiny training run with dashboard=true prints a URL whose
 * server lists the run as running while it trains and is gone once the run ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunsResponse } from '../../src/dashboard/api-types.js';
import { writeRun } from '../../src/dashboard/run-fixtures.test-helper.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;
const tiny = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];

/** Waits until `pattern` shows in the child's stdout or stderr; returns its first group. */
async function waitFor(child: ChildProcessWithoutNullStreams, pattern: RegExp, output: { text: string }): Promise<string> {
  for (let waited = 0; ; waited += 20) {
    const m = pattern.exec(output.text);
    if (m !== null) return m[1];
    assert.ok(waited < 60_000 && child.exitCode === null, `never printed ${pattern}: ${output.text}`);
    await sleep(20);
  }
}

function start(args: string[], cwd: string) {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (c: Buffer) => (output.text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output.text += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output, closed };
}

void test('dashboard prints its URL, serves the runs it finds, and stops on SIGINT', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-dashboard-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  writeRun(join(cwd, 'outputs', 'r1'), { status: 'success', steps: 20 });
  const { child, output, closed } = start(['dashboard', '--port', '0'], cwd);
  const url = await waitFor(child, /^(http:\/\/127\.0\.0\.1:\d+\/)$/m, output);
  const { runs } = (await (await fetch(`${url}api/runs`)).json()) as RunsResponse;
  assert.deepEqual(
    runs.map((r) => [r.name, r.status]),
    [['r1', 'finished']],
  );
  child.kill('SIGINT');
  assert.equal(await closed, 0, output.text);
  await assert.rejects(fetch(`${url}api/runs`), 'the port is closed');
});

void test('train dashboard=true serves the run while it trains and stops with it', async (t) => {
  const root = await makeColourFolder(6);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const runDir = join(root, 'outputs', 'run');
  const args = [
    'train',
    ...tiny,
    `data.root=${root}`,
    `run.dir=${runDir}`,
    'callbacks=none',
    'trainer.maxEpochs=30',
    'dashboard=true',
    '--no-test',
  ];
  const { child, output, closed } = start(args, root);
  const url = await waitFor(child, /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m, output);
  const { runs } = (await (await fetch(`${url}api/runs`)).json()) as RunsResponse;
  assert.deepEqual(
    runs.map((r) => [r.name, r.status]),
    [['run', 'running']],
  );
  // SIGINT once the Trainer is fitting (a checkpoint saved), when its handler saves and exits 130.
  for (
    let waited = 0;
    !(existsSync(join(runDir, 'checkpoints')) && readdirSync(join(runDir, 'checkpoints')).some((f) => f.endsWith('.ckpt')));
    waited += 20
  ) {
    assert.ok(waited < 60_000 && child.exitCode === null, `no checkpoint: ${output.text}`);
    await sleep(20);
  }
  child.kill('SIGINT');
  assert.equal(await closed, 130, output.text);
  await assert.rejects(fetch(`${url}api/runs`), 'the dashboard stopped with the run');
});
