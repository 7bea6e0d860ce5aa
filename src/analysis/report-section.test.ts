import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toCsv } from './csv.js';
import * as analysis from './index.js';
import { analysisSectionHtml } from './report-section.js';

/** A run dir with the analysis summary and `flagged` confident issues followed by `disagreements` others, thumbnails for the first 32. */
async function runWithLabelIssues(flagged: number, disagreements: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'report-section-'));
  const files = path.join(dir, analysis.analysisFiles.dir);
  await mkdir(path.join(files, analysis.analysisFiles.labelIssuesDir), { recursive: true });
  await writeFile(path.join(files, analysis.analysisFiles.summary), JSON.stringify({ split: 'val', samples: 100, topLosses: [] }));
  const rows = Array.from({ length: flagged + disagreements }, (_, rank) => [
    rank,
    `train/cat/${rank}.png`,
    'cat',
    'dog',
    0.9,
    rank < flagged ? 1 : 0,
  ]);
  await writeFile(
    path.join(files, analysis.analysisFiles.labelIssuesCsv),
    toCsv(['rank', 'path', 'given', 'suggested', 'score', 'confident'], rows),
  );
  for (let rank = 0; rank < Math.min(rows.length, analysis.LABEL_ISSUE_THUMBNAILS); rank++)
    await writeFile(path.join(files, analysis.galleryFile(analysis.analysisFiles.labelIssuesDir, rank)), 'png');
  return dir;
}

const labelIssues = (html: string): string => /<div class="gallery" id="analysis-label-issues">(.*?)<\/div>/s.exec(html)?.[1] ?? '';

test('the label-issues list shows the rows with a thumbnail and counts confident learning’s apart from the disagreements', async () => {
  const dir = await runWithLabelIssues(5, 45);
  try {
    const html = (await analysisSectionHtml(dir)) ?? '';
    assert.equal(analysis.LABEL_ISSUE_THUMBNAILS, 32);
    assert.equal(labelIssues(html).match(/<figure>/g)?.length, 32, 'one figure per thumbnail, not per CSV row');
    assert.equal(labelIssues(html).match(/<img /g)?.length, 32);
    assert.doesNotMatch(html, /train\/cat\/32\.png/);
    assert.match(html, /5 flagged by confident learning, 45 more disagreements; the first 32 here, all in label_issues\.csv\./);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a short list shows every row, and no disagreements are mentioned when there are none', async () => {
  const dir = await runWithLabelIssues(3, 0);
  try {
    const html = (await analysisSectionHtml(dir)) ?? '';
    assert.equal(labelIssues(html).match(/<figure>/g)?.length, 3);
    assert.match(html, /<p id="analysis-label-issues-count">3 flagged by confident learning\.<\/p>/);
    assert.doesNotMatch(html, /analysis-duplicates/, 'no duplicates.csv, no table');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the duplicates across splits show as a table of escaped paths when duplicates.csv exists', async () => {
  const dir = await runWithLabelIssues(1, 0);
  try {
    const pairs = [
      ['train', '/data/train/<b>cat</b>/1.png', 'test', '/data/test/cat/9.png', 'ab12'],
      ['train', '/data/train/dog/2.png', 'val', '/data/val/cat/2.png', 'cd34'],
    ];
    await writeFile(
      path.join(dir, analysis.analysisFiles.dir, analysis.analysisFiles.duplicatesCsv),
      toCsv(['split_a', 'path_a', 'split_b', 'path_b', 'sha256'], pairs),
    );
    const html = (await analysisSectionHtml(dir)) ?? '';
    const table = /<table id="analysis-duplicates">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    assert.equal(table.match(/<tr>/g)?.length, 3, 'a header and a row per pair');
    assert.match(table, /\/data\/val\/cat\/2\.png/);
    assert.doesNotMatch(html, /<b>cat<\/b>/);
    assert.match(html, /2 pairs of identical files/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('findLabelIssues is part of the analysis API', () => {
  const probs = Float32Array.of(0.9, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.9);
  const { issues } = analysis.findLabelIssues({ probs, labels: Int32Array.of(0, 1, 1, 1), numClasses: 2 });
  assert.deepEqual(
    issues.map((i) => i.index),
    [1],
  );
});
