/**
 * Run dirs for the dashboard's browser tests, made by the real CLI on a
 * tiny generated image folder (a conv + linear model from the CLI tests'
 * user config, seconds per run): a finished sweep of two learning rates
 * and a run that keeps training while the page watches it. The data
 * folder and one class are named like HTML, so every page shows names a
 * careless page would parse. Also: saving a page's screenshot as a test
 * artefact and measuring that it is not blank.
 *
 * @example
 * const data = await makeClassFolder(root);
 * await runCli(['train', '-m', ...tinyTrainArgs(data), `run.sweepDir=${dir}`, 'optimizer.lr=0.05,0.01']);
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repo, 'bin', 'classifier-training.js');

/** Markup that runs script if a page ever parses it as HTML. */
export const INJECTION = '<img src=x onerror=alert(1)>';

/** Test artefacts (gitignored): the pages' screenshots. */
export const ARTIFACTS = path.join(repo, 'test-artifacts', 'dashboard');

/** The trainer tests' colour folder moved to `<root>/<INJECTION>`, its class `blue` renamed `<INJECTION>`; returns the data root. */
export async function makeClassFolder(root: string, perClass = 6): Promise<string> {
  const made = await makeColourFolder(perClass);
  const dataRoot = path.join(root, INJECTION);
  await rename(made, dataRoot);
  for (const split of ['train', 'test']) await rename(path.join(dataRoot, split, 'blue'), path.join(dataRoot, split, INJECTION));
  return dataRoot;
}

/** An override's value in quotes, so the grammar takes `<`, `=` and `(` as text. */
export function quoted(value: string): string {
  return `'${value}'`;
}

/** The CLI arguments of a tiny run on `dataRoot` (the CLI tests' user config and plugin model). */
export function tinyTrainArgs(dataRoot: string): string[] {
  const conf = path.join(repo, 'test', 'integration', 'cli-user-conf');
  const plugin = path.join(repo, 'test', 'integration', 'cli-plugin.ts');
  return ['--config-dir', conf, '--config-name', 'tiny', '--plugin', plugin, `data.root=${quoted(dataRoot)}`];
}

/** Starts the built CLI (dist/: `npm run build` first). */
export function spawnCli(args: string[]): ChildProcess {
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js')))
    throw new Error('dashboard tests: expected dist/ (npm run build), but got none');
  return spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the CLI to its end; rejects with its stderr unless it exits 0. */
export function runCli(args: string[]): Promise<void> {
  const child = spawnCli(args);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`classifier-training ${args[0]} exited ${code}: ${stderr}`))));
  });
}

/** Ends a CLI child with SIGINT (it saves and exits) and waits for it, or kills it after `graceMs`. */
export async function stopCli(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Replaces `plots/confusion_matrices.jsonl` (the confusion_matrix
 * callback's format: one `{ epoch, split, classNames, matrix }` a line) with
 * one matrix per epoch, each with more on the diagonal than the one before.
 */
export async function writeConfusionEpochs(runDir: string, classNames: string[], epochs: number): Promise<number[][][]> {
  const matrices = Array.from({ length: epochs }, (_, epoch) =>
    classNames.map((_, i) => classNames.map((_, j) => (i === j ? 2 + 3 * epoch : epochs - epoch + i))),
  );
  const lines = matrices.map((matrix, epoch) => JSON.stringify({ epoch, split: 'val', classNames, matrix }));
  await writeFile(path.join(runDir, 'plots', 'confusion_matrices.jsonl'), `${lines.join('\n')}\n`);
  return matrices;
}

/** Saves a full-page screenshot under ARTIFACTS and returns the largest per-channel standard deviation of its pixels. */
export async function screenshotSpread(page: Page, name: string): Promise<number> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const { channels } = await sharp(file).removeAlpha().stats();
  return Math.max(...channels.map((c) => c.stdev));
}
