// formatPredictions: the table's aligned columns, JSON Lines, and CSV's one row per rank with
// RFC 4180 quoting of paths and class names holding commas or quotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPredictions } from './format-predictions.js';
import type { ImagePrediction } from './predictor.js';

const predictions: ImagePrediction[] = [
  {
    path: 'photos/a,b.jpg',
    topK: [
      { index: 2, className: 'cat', probability: 0.75 },
      { index: 0, className: 'say "hi"', probability: 0.25 },
    ],
  },
  { path: 'x.png', topK: [{ index: 0, className: 'say "hi"', probability: 1 }] },
];

void test('table: one row per image, columns aligned, 4 decimals', () => {
  assert.equal(
    formatPredictions(predictions, 'table'),
    [
      'image           top-1            top-2',
      'photos/a,b.jpg  cat 0.7500       say "hi" 0.2500',
      'x.png           say "hi" 1.0000',
      '',
    ].join('\n'),
  );
});

void test('json: one object per line that parses back to the prediction', () => {
  const lines = formatPredictions(predictions, 'json').trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    predictions,
  );
});

void test('csv: a header, one row per image and rank, quoted where needed', () => {
  assert.equal(
    formatPredictions(predictions, 'csv'),
    [
      'path,rank,class_index,class_name,probability',
      '"photos/a,b.jpg",1,2,cat,0.75',
      '"photos/a,b.jpg",2,0,"say ""hi""",0.25',
      'x.png,1,0,"say ""hi""",1',
      '',
    ].join('\n'),
  );
  assert.throws(() => formatPredictions(predictions, 'xml' as 'csv'), /expected a format among table, json, csv, but got 'xml'/);
});

void test('a multi-label model: the table lists every label over its threshold, (none) when no label is; CSV one row per label', () => {
  const multi: ImagePrediction[] = [
    {
      path: 'a.png',
      topK: [
        { index: 1, className: 'dog', probability: 0.9 },
        { index: 0, className: 'cat', probability: 0.6 },
      ],
      labels: [
        { index: 1, className: 'dog', probability: 0.9 },
        { index: 0, className: 'cat', probability: 0.6 },
      ],
    },
    { path: 'b.png', topK: [{ index: 0, className: 'cat', probability: 0.2 }], labels: [] },
  ];
  assert.equal(formatPredictions(multi, 'table'), ['image  labels', 'a.png  dog 0.9000, cat 0.6000', 'b.png  (none)', ''].join('\n'));
  assert.equal(
    formatPredictions(multi, 'csv'),
    ['path,rank,class_index,class_name,probability', 'a.png,1,1,dog,0.9', 'a.png,2,0,cat,0.6', ''].join('\n'),
  );
});
