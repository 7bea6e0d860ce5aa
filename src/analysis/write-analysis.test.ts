import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parseCsv } from '../training/loggers/csv.js';
import { analysisFiles } from './analysis-files.js';
import { analyzePredictions } from './analyze-predictions.js';
import type { Predictions } from './predictions.js';
import { analysisSectionHtml } from './report-section.js';
import { runAnalysis } from './run-analysis.js';

/** Class names a user may well have: commas, quotes, a line break, markup. */
const nasty = ['cat, tabby', 'say "dog"', 'two\nlines', '<b>fox</b> & co'];

/** Six samples: a PNG file, a JPEG-less path that cannot be read, and in-memory pixels. */
async function fixture(
  dir: string,
): Promise<{ predictions: Predictions; sources: (string | { data: Buffer; width: number; height: number; channels: 3 })[] }> {
  const png = path.join(dir, 'images', 'a "b", c.png');
  await mkdir(path.dirname(png), { recursive: true });
  await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3a6' } })
    .png()
    .toFile(png);
  const pixels = { data: Buffer.alloc(5 * 4 * 3, 200), width: 5, height: 4, channels: 3 as const };
  const probs = Float32Array.of(
    0.1,
    0.7,
    0.1,
    0.1,
    0.6,
    0.2,
    0.1,
    0.1,
    0.2,
    0.2,
    0.5,
    0.1,
    0.1,
    0.1,
    0.1,
    0.7,
    0.3,
    0.3,
    0.3,
    0.1,
    0.25,
    0.25,
    0.25,
    0.25,
  );
  const targets = Int32Array.of(0, 0, 1, 3, 2, 1);
  const losses = Float32Array.from(targets, (t, i) => -Math.log(probs[i * 4 + t]));
  return {
    predictions: {
      probs,
      targets,
      losses,
      paths: [png, 'missing.png', 'idx:val#2', png, 'idx:val#4', 'idx:val#5'],
      indices: Int32Array.of(0, 1, 2, 3, 4, 5),
      classNames: nasty,
    },
    sources: [png, path.join(dir, 'missing.png'), pixels, png, pixels, pixels],
  };
}

test('writeAnalysis: the CSVs parse back with nasty class names and paths, thumbnails decode, analysis.json sums it up', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'analysis-'));
  try {
    const { predictions, sources } = await fixture(dir);
    // An earlier analysis's overlays belong to other top losses: they must go.
    await mkdir(path.join(dir, 'analysis', 'cam'), { recursive: true });
    await writeFile(path.join(dir, 'analysis', 'cam', '9.png'), 'stale');
    const analysis = await runAnalysis(dir, predictions, {
      split: 'val',
      topK: 4,
      dataset: {
        length: 6,
        classes: nasty,
        targets: predictions.targets,
        source: (i) => sources[i],
        describe: (i) => predictions.paths[i],
      },
    });
    const read = (name: string) => readFile(path.join(dir, analysisFiles.dir, name), 'utf8');
    const perClass = parseCsv(await read(analysisFiles.perClassCsv));
    assert.deepEqual(perClass[0], [
      'class',
      'precision',
      'recall',
      'f1',
      'support',
      'confused_with_1',
      'confused_with_2',
      'confused_with_3',
    ]);
    assert.deepEqual(
      perClass.slice(1).map((r) => r[0]),
      nasty,
    );
    assert.deepEqual(
      perClass.slice(1).map((r) => Number(r[3])),
      analysis.perClass.map((r) => r.f1),
    );
    assert.equal(perClass[1][5], 'say "dog" (1)', 'the class confused with, and how often');
    assert.deepEqual(JSON.parse(await read(analysisFiles.perClassJson)), analysis.perClass);
    const pairs = parseCsv(await read(analysisFiles.confusedPairsCsv));
    assert.deepEqual(pairs[0], ['true', 'predicted', 'count', 'share']);
    assert.deepEqual(
      pairs.slice(1).map(([t, p]) => [t, p]),
      analysis.confusedPairs.map((p) => [p.trueClass, p.predicted]),
    );
    const top = parseCsv(await read(analysisFiles.topLossesCsv));
    assert.deepEqual(top[0], ['rank', 'path', 'true', 'predicted', 'confidence', 'loss']);
    assert.equal(top.length, 5);
    assert.deepEqual(
      top.slice(1).map((r) => [r[1], r[2], r[3]]),
      analysis.topLosses.map((t) => [t.path, t.trueClass, t.predicted]),
    );
    const summary = JSON.parse(await read(analysisFiles.summary)) as {
      accuracy: number;
      topLosses: { sample: number; image: string | null }[];
    };
    assert.equal(summary.accuracy, 2 / 6);
    for (const t of summary.topLosses) {
      if (t.sample === 1) {
        assert.equal(t.image, null, 'an unreadable file loses its thumbnail only');
        continue;
      }
      assert.equal(t.image, `top_losses/${summary.topLosses.indexOf(t)}.png`);
      const meta = await sharp(path.join(dir, analysisFiles.dir, t.image)).metadata();
      assert.equal(meta.format, 'png');
      assert.ok(Math.max(meta.width, meta.height) === 128, `${t.image}: ${meta.width}x${meta.height}`);
    }
    assert.equal(existsSync(path.join(dir, 'analysis', 'cam', '9.png')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the report section escapes class names and paths, replaces itself, and a run without a report gets a page', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'analysis-'));
  try {
    assert.equal(await analysisSectionHtml(dir), null, 'no analysis, no section');
    const { predictions } = await fixture(dir);
    await runAnalysis(dir, predictions, { split: 'val', topK: 2 });
    await runAnalysis(dir, predictions, { split: 'test', topK: 2 });
    const page = await readFile(path.join(dir, 'report.html'), 'utf8');
    assert.equal(page.match(/<!-- section:analysis -->/g)?.length, 1, 'one section after two analyses');
    assert.match(page, /test split/);
    assert.doesNotMatch(page, /<b>fox<\/b>/);
    assert.match(page, /&#60;b&#62;fox&#60;\/b&#62; &#38; co/);
    assert.match(page, /a &#34;b&#34;, c\.png/);
    assert.doesNotMatch(page, /<img[^>]*top loss/, 'no thumbnails without a data set');
    const byRow = analyzePredictions(predictions, { split: 'val' }).confusion.byRow;
    assert.match(page, new RegExp(`<table id="analysis-by-row">.*${byRow[0][1].toFixed(2)}`, 's'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
