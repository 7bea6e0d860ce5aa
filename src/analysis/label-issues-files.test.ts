import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { parseCsv } from '../training/loggers/csv.js';
import { analyzeLabelIssues, labelIssuesSummary } from './label-issues-files.js';
import type { Predictions } from './predictions.js';

const root = mkdtempSync(path.join(tmpdir(), 'ct-label-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Six samples of two classes; sample 4 ('dog, "the big one".png', a 0 labelled 1) is a confident issue, sample 2 a disagreement. */
function predictions(): Predictions {
  const p0 = [0.9, 0.95, 0.4, 0.1, 0.97, 0.05, 0.92, 0.08];
  return {
    probs: Float32Array.from(p0.flatMap((p) => [p, 1 - p])),
    targets: Int32Array.of(0, 0, 0, 1, 1, 1, 0, 1),
    losses: new Float32Array(8),
    paths: ['cat/a.png', 'cat/b.png', 'cat/c.png', 'dog/d.png', 'dog/e, "the big one".png', 'dog/f.png', 'cat/g.png', 'dog/h.png'],
    indices: Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7),
    classNames: ['cat', 'dog'],
  };
}

test('analyzeLabelIssues writes label_issues.csv (confident issues, then disagreements) and a thumbnail per row', async () => {
  const runDir = path.join(root, 'run');
  const gallery = path.join(runDir, 'analysis', 'label_issues');
  mkdirSync(gallery, { recursive: true });
  writeFileSync(path.join(gallery, '7.png'), 'from an earlier analysis');
  const image = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 10, b: 10 } } })
    .png()
    .toBuffer();
  const sources: (Buffer | null)[] = [image, image, image, image, image, null, image, image];
  const dataset = { source: (i: number) => sources[i] } as unknown as Parameters<typeof analyzeLabelIssues>[2]['dataset'];
  const { issues, summary } = await analyzeLabelIssues(runDir, predictions(), { dataset, where: 'val' });
  assert.deepEqual(
    issues.map((i) => [i.index, i.confident]),
    [
      [4, true],
      [2, false],
    ],
  );
  const rows = parseCsv(readFileSync(path.join(runDir, 'analysis', 'label_issues.csv'), 'utf8'));
  assert.deepEqual(rows, [
    ['rank', 'path', 'given', 'suggested', 'score', 'confident'],
    ['0', 'dog/e, "the big one".png', 'dog', 'cat', String(issues[0].score), '1'],
    ['1', 'cat/c.png', 'cat', 'dog', String(issues[1].score), '0'],
  ]);
  assert.ok(Math.abs(issues[0].score - 0.03) < 1e-6);
  assert.deepEqual(readdirSync(gallery).sort(), ['0.png', '1.png'], 'the old thumbnails are gone');
  const meta = await sharp(path.join(gallery, '0.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 85]);
  assert.equal(
    summary,
    'likely label errors: 1 of 8 val samples (+1 disagreements); first: dog/e, "the big one".png (dog -> cat), cat/c.png (cat -> dog)',
  );
});

test('analyzeLabelIssues without a data set writes the CSV and no thumbnails; a clean split gives a header alone', async () => {
  const runDir = path.join(root, 'clean');
  const p = predictions();
  p.targets = Int32Array.of(0, 0, 1, 1, 0, 1, 0, 1);
  const { issues, summary } = await analyzeLabelIssues(runDir, p, { dataset: null, where: 'test' });
  assert.deepEqual(issues, []);
  assert.equal(readFileSync(path.join(runDir, 'analysis', 'label_issues.csv'), 'utf8'), 'rank,path,given,suggested,score,confident\n');
  assert.equal(existsSync(path.join(runDir, 'analysis', 'label_issues')), false);
  assert.equal(summary, 'likely label errors: 0 of 8 test samples');
});

test('labelIssuesSummary names at most three, by folder and file', () => {
  const p = predictions();
  const issue = (index: number) => ({ index, givenLabel: 0, suggestedLabel: 1, score: 0.1, confident: true });
  assert.equal(
    labelIssuesSummary([issue(0), issue(1), issue(2), issue(3)], { ...p, paths: p.paths.map((f) => `/data/train/${f}`) }, 'train'),
    'likely label errors: 4 of 8 train samples; first: cat/a.png (cat -> dog), cat/b.png (cat -> dog), cat/c.png (cat -> dog)',
  );
});
