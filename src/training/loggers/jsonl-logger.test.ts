import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry } from '../../registry.js';
import { JSONLLogger } from './jsonl-logger.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'jsonl-logger-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const readLines = async (path: string): Promise<Record<string, unknown>[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

void test('metrics.jsonl: one object per call with epoch, step and ISO time; hparams as one line', () =>
  withDir(async (dir) => {
    const jsonl = new JSONLLogger();
    await jsonl.setup(dir, { resumed: false });
    const path = join(dir, 'metrics.jsonl');
    assert.equal(jsonl.path, path);
    const before = Date.now();
    jsonl.logHyperparams({ model: { name: 'resnet18' }, lr: 0.1 });
    await jsonl.logMetrics({ 'train/loss_step': 2.5 }, { step: 10, epoch: 0 });
    await jsonl.logMetrics({ 'val/loss': 0.398, 'val/acc_top1': 0.871, 'val/odd': NaN }, { step: 20, epoch: 1 });
    assert.equal(await readFile(path, 'utf8'), '', 'buffered until flush');
    await jsonl.finalize('success');
    const lines = await readLines(path);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0], { hparams: { model: { name: 'resnet18' }, lr: 0.1 } });
    assert.deepEqual(Object.keys(lines[1]), ['epoch', 'step', 'time', 'train/loss_step']);
    const { time, ...rest } = lines[2];
    assert.deepEqual(rest, { epoch: 1, step: 20, 'val/loss': 0.398, 'val/acc_top1': 0.871, 'val/odd': null });
    assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(String(time)) - before) < 60_000);
  }));

void test('a resumed run appends; a fresh one starts empty; flushEverySteps writes on its own', () =>
  withDir(async (dir) => {
    const path = join(dir, 'out', 'log.jsonl');
    const options = { dir: join(dir, 'out'), filename: 'log.jsonl', flushEverySteps: 10 };
    const first = registry.build<JSONLLogger>('logger', 'jsonl', options);
    await first.setup(join(dir, 'run'), { resumed: false });
    assert.equal(first.logMetrics({ a: 1 }, { step: 5, epoch: 0 }), undefined);
    await first.logMetrics({ a: 2 }, { step: 10, epoch: 0 });
    assert.deepEqual(
      (await readLines(path)).map((l) => l.a),
      [1, 2],
    );
    await first.finalize('interrupted');

    const resumed = registry.build<JSONLLogger>('logger', 'jsonl', options);
    await resumed.setup(join(dir, 'run'), { resumed: true });
    resumed.logHyperparams({ lr: 0.1 }, { 'val/loss': 0.5 });
    await resumed.logMetrics({ a: 3 }, { step: 12, epoch: 1 });
    await resumed.finalize('success');
    const lines = await readLines(path);
    assert.deepEqual(
      lines.map((l) => l.a ?? l.hparams),
      [1, 2, { lr: 0.1 }, 3],
    );
    assert.deepEqual(lines[2].metrics, { 'val/loss': 0.5 });

    const fresh = new JSONLLogger(options);
    await fresh.setup(dir, { resumed: false });
    assert.equal(await readFile(path, 'utf8'), '');
    await fresh.finalize('success');
    assert.ok(!existsSync(join(dir, 'metrics.jsonl')));
  }));
