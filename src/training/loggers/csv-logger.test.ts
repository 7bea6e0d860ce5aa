import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../errors.js';
import { registry } from '../../registry.js';
import { CSVLogger } from './csv-logger.js';

/** RFC 4180 reader written for the test (regex tokens, not the module's state machine). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [[]];
  const token = /("(?:[^"]|"")*"|[^,"\r\n]*)(,|\r?\n|$)/gy;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const m = token.exec(text);
    if (m === null) throw new Error(`bad CSV at ${at}`);
    const raw = m[1];
    rows[rows.length - 1].push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw);
    at = token.lastIndex;
    if (m[2] !== ',' && at < text.length) rows.push([]);
    if (m[0] === '') throw new Error(`stuck at ${at}`);
  }
  return rows;
}

/** Python's csv module, when Debian's python is there (it is on the test machines). */
function pythonCsv(path: string): string[][] | null {
  if (!existsSync('/usr/bin/python3')) return null;
  const script = 'import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))';
  const run = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as string[][];
}

async function readBoth(path: string): Promise<string[][]> {
  const rows = readCsv(await readFile(path, 'utf8'));
  const python = pythonCsv(path);
  if (python !== null) assert.deepEqual(python, rows, 'Python csv reads the same rows');
  return rows;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'csv-logger-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test("metrics.csv: Lightning's layout, blanks, a widened header, quoted names", () =>
  withDir(async (dir) => {
    const csv = new CSVLogger();
    await csv.setup(dir, { resumed: false });
    await csv.logMetrics({ 'train/loss_step': 2.5 }, { step: 10, epoch: 0 });
    await csv.logMetrics({ 'train/loss_step': 1.25 }, { step: 20, epoch: 0 });
    await csv.flush();
    const path = join(dir, 'metrics.csv');
    assert.equal(await readFile(path, 'utf8'), 'epoch,step,train/loss_step\n0,10,2.5\n0,20,1.25\n');
    await csv.logMetrics({ 'val/loss': 0.398, 'val/acc, "top1"': 0.871 }, { step: 20, epoch: 0 });
    await csv.logMetrics({ 'train/loss_step': 0.5 }, { step: 30, epoch: 1 });
    await csv.finalize('success');
    assert.deepEqual(await readBoth(path), [
      ['epoch', 'step', 'train/loss_step', 'val/loss', 'val/acc, "top1"'],
      ['0', '10', '2.5', '', ''],
      ['0', '20', '1.25', '', ''],
      ['0', '20', '', '0.398', '0.871'],
      ['1', '30', '0.5', '', ''],
    ]);
    assert.match(await readFile(path, 'utf8'), /^epoch,step,train\/loss_step,val\/loss,"val\/acc, ""top1"""\n/);
    assert.ok(!existsSync(`${path}.tmp`));
  }));

void test('a resumed run appends under the existing columns and widens them when needed', () =>
  withDir(async (dir) => {
    const first = new CSVLogger();
    await first.setup(dir, { resumed: false });
    await first.logMetrics({ 'train/loss': 1, 'val/loss': 2 }, { step: 100, epoch: 0 });
    await first.finalize('interrupted');

    const second = new CSVLogger();
    await second.setup(dir, { resumed: true });
    await second.logMetrics({ 'val/loss': 1.5 }, { step: 200, epoch: 1 });
    await second.flush();
    const path = join(dir, 'metrics.csv');
    assert.deepEqual(await readBoth(path), [
      ['epoch', 'step', 'train/loss', 'val/loss'],
      ['0', '100', '1', '2'],
      ['1', '200', '', '1.5'],
    ]);
    await second.logMetrics({ 'val/acc_top1': 0.5, 'train/loss': 0.75 }, { step: 300, epoch: 2 });
    await second.finalize('success');
    assert.deepEqual(await readBoth(path), [
      ['epoch', 'step', 'train/loss', 'val/loss', 'val/acc_top1'],
      ['0', '100', '1', '2', ''],
      ['1', '200', '', '1.5', ''],
      ['2', '300', '0.75', '', '0.5'],
    ]);

    const fresh = new CSVLogger();
    await fresh.setup(dir, { resumed: false });
    await fresh.logMetrics({ x: 1 }, { step: 1, epoch: 0 });
    await fresh.finalize('success');
    assert.equal(await readFile(path, 'utf8'), 'epoch,step,x\n0,1,1\n');
  }));

void test('rows wait for flushEverySteps; options dir and filename; hparams.yaml', () =>
  withDir(async (dir) => {
    const csv = registry.build<CSVLogger>('logger', 'csv', { dir: join(dir, 'logs'), filename: 'm.csv', flushEverySteps: 50 });
    await csv.setup(join(dir, 'run'), { resumed: false });
    const path = join(dir, 'logs', 'm.csv');
    assert.equal(csv.path, path);
    assert.equal(csv.logMetrics({ a: 1 }, { step: 49, epoch: 0 }), undefined);
    assert.ok(!existsSync(path));
    await csv.logMetrics({ a: 2 }, { step: 50, epoch: 0 });
    assert.equal(await readFile(path, 'utf8'), 'epoch,step,a\n0,49,1\n0,50,2\n');
    await csv.logHyperparams({ model: { name: 'resnet18' }, lr: 0.1 }, { 'val/acc_top1': 0.9 });
    assert.deepEqual(parseYaml(await readFile(join(dir, 'logs', 'hparams.yaml'), 'utf8')), {
      model: { name: 'resnet18' },
      lr: 0.1,
      metrics: { 'val/acc_top1': 0.9 },
    });
    await csv.finalize('success');
    assert.throws(
      () => registry.build('logger', 'csv', { flushEverySteps: 0, extra: 1 }),
      (e: Error) => e instanceof ConfigError && e.issues.length === 2,
    );
  }));

void test('resuming from a file that is not a metrics.csv fails with the path', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'metrics.csv'), 'time,value\n1,2\n');
    await assert.rejects(
      new CSVLogger().setup(dir, { resumed: true }),
      /expected .*metrics\.csv to start with the columns epoch,step, but got time,value/,
    );
  }));
