import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import { MetricsTailer } from './metrics-tailer.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dir = mkdtempSync(join(tmpdir(), 'tailer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function runDir(name: string): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  return mkdtempSync(`${d}-`);
}

describe('MetricsTailer', () => {
  it('reads only the rows appended since the last poll, a cut line once it is whole', () => {
    const d = runDir('csv');
    writeFileSync(join(d, 'metrics.csv'), 'epoch,step,train/loss_step,val/acc_top1\n0,1,2.5,\n0,2,2.0,');
    const t = new MetricsTailer(d);
    assert.deepEqual(t.poll(), [{ epoch: 0, step: 1, values: { 'train/loss_step': 2.5 } }]);
    assert.deepEqual(t.poll(), []);
    appendFileSync(join(d, 'metrics.csv'), '\n0,2,,0.5\n');
    assert.deepEqual(t.poll(), [
      { epoch: 0, step: 2, values: { 'train/loss_step': 2 } },
      { epoch: 0, step: 2, values: { 'val/acc_top1': 0.5 } },
    ]);
    appendFileSync(join(d, 'metrics.csv'), '1,3,3.0,0.25\n');
    t.poll();
    assert.deepEqual(t.last, { 'train/loss_step': 3, 'val/acc_top1': 0.25 });
    assert.deepEqual(t.best, { 'train/loss_step': 2, 'val/acc_top1': 0.5 }, 'loss: min; accuracy: max');
    assert.deepEqual(t.names, ['train/loss_step', 'val/acc_top1']);
  });

  it('skips the rows already read when the CSV logger rewrites its file with a new column', () => {
    const d = runDir('rewrite');
    const file = join(d, 'metrics.csv');
    writeFileSync(file, 'epoch,step,a\n0,1,1\n0,2,2\n');
    const t = new MetricsTailer(d, { keepSeries: true });
    assert.equal(t.poll().length, 2);
    writeFileSync(`${file}.tmp`, 'epoch,step,a,b\n0,1,1,\n0,2,2,\n0,3,3,7\n');
    renameSync(`${file}.tmp`, file);
    assert.deepEqual(t.poll(), [{ epoch: 0, step: 3, values: { a: 3, b: 7 } }]);
    assert.deepEqual(t.series('a')?.value, [1, 2, 3]);
  });

  it('reads JSONL with times in seconds since the first row, and skips hparams', () => {
    const d = runDir('jsonl');
    writeFileSync(join(d, 'metrics.csv'), 'epoch,step,a\n');
    writeFileSync(
      join(d, 'metrics.jsonl'),
      [
        '{"hparams":{"lr":0.1}}',
        '{"epoch":0,"step":1,"time":"2026-12-01T00:00:00.000Z","a":1}',
        '{"epoch":0,"step":2,"time":"2026-12-01T00:00:02.500Z","a":null,"b":4}',
        '',
      ].join('\n'),
    );
    const t = new MetricsTailer(d, { keepSeries: true });
    assert.deepEqual(t.poll(), [
      { epoch: 0, step: 1, time: 0, values: { a: 1 } },
      { epoch: 0, step: 2, time: 2.5, values: { b: 4 } },
    ]);
    assert.ok(t.file?.endsWith('metrics.jsonl'));
    assert.ok(t.hasTime);
  });

  it('keeps memory bounded while a file grows: series capped, first and last kept', () => {
    const d = runDir('grow');
    const file = join(d, 'metrics.csv');
    writeFileSync(file, 'epoch,step,loss\n');
    const t = new MetricsTailer(d, { keepSeries: true, maxPoints: 1000 });
    let step = 0;
    const heaps: number[] = [];
    for (let round = 0; round < 40; round++) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++, step++) lines.push(`0,${step},${step === 77_777 ? 1000 : Math.sin(step)}\n`);
      appendFileSync(file, lines.join(''));
      t.poll();
      const s = t.series('loss')!;
      assert.ok(s.value.length <= 1000, `round ${round}: ${s.value.length} points`);
      if (round % 10 === 9) {
        gc();
        heaps.push(process.memoryUsage().heapUsed);
      }
    }
    const s = t.series('loss')!;
    assert.equal(s.total, 200_000);
    assert.equal(s.step[0], 0);
    assert.equal(s.step.at(-1), 199_999);
    assert.ok(s.value.includes(1000), 'the spike survives downsampling');
    assert.ok(heaps.at(-1)! - heaps[0] < 4 << 20, `heap grew ${heaps.map((h) => h >> 20).join(', ')} MB`);
  });
});

describe('MetricsTailer without rows (the runs list’s fast scan)', () => {
  it('gives the same last and best as the row parser while a file grows and is rewritten', () => {
    const d = runDir('fast');
    const file = join(d, 'metrics.csv');
    writeFileSync(file, 'epoch,step,train/loss_step,val/acc_top1\n0,1,2.5,\n0,2,2.0,0.3\n0,3,1.');
    const fast = new MetricsTailer(d, { collectRows: false });
    const rows = new MetricsTailer(d);
    const both = () => {
      assert.deepEqual(fast.poll(), []);
      rows.poll();
      assert.deepEqual(fast.last, rows.last);
      assert.deepEqual(fast.best, rows.best);
    };
    both();
    assert.deepEqual(fast.last, { 'train/loss_step': 2, 'val/acc_top1': 0.3 });
    appendFileSync(file, '5,\n1,4,2.2,0.9\n');
    both();
    assert.deepEqual(fast.last, { 'train/loss_step': 2.2, 'val/acc_top1': 0.9 });
    assert.deepEqual(fast.best, { 'train/loss_step': 1.5, 'val/acc_top1': 0.9 });
    writeFileSync(
      `${file}.tmp`,
      'epoch,step,train/loss_step,val/acc_top1,lr\n0,1,2.5,,\n0,2,2.0,0.3,\n0,3,1.5,,\n1,4,2.2,0.9,\n1,5,0.5,,0.01\n',
    );
    renameSync(`${file}.tmp`, file);
    both();
    assert.deepEqual(fast.last, { 'train/loss_step': 0.5, 'val/acc_top1': 0.9, lr: 0.01 });
    assert.deepEqual(fast.best, { 'train/loss_step': 0.5, 'val/acc_top1': 0.9 }, 'lr improves neither way: no best');
  });

  it('then follows row by row from where the scan stopped, a cut line included', () => {
    const d = runDir('switch');
    const file = join(d, 'metrics.csv');
    writeFileSync(file, 'epoch,step,loss\n0,1,2.5\n0,2,2.');
    const t = new MetricsTailer(d, { collectRows: false });
    assert.deepEqual(t.poll(), []);
    t.startCollecting();
    appendFileSync(file, '0\n0,3,1.5\n');
    assert.deepEqual(t.poll(), [
      { epoch: 0, step: 2, values: { loss: 2 } },
      { epoch: 0, step: 3, values: { loss: 1.5 } },
    ]);
    assert.deepEqual(t.best, { loss: 1.5 });
  });

  it('hands back no rows for a JSONL log either', () => {
    const d = runDir('jsonl-fast');
    writeFileSync(join(d, 'metrics.jsonl'), '{"epoch":0,"step":1,"a":1}\n');
    const t = new MetricsTailer(d, { collectRows: false });
    assert.deepEqual(t.poll(), []);
    assert.deepEqual(t.last, { a: 1 });
  });
});
