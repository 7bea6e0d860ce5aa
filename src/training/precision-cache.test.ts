import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrecisionCache, precisionCacheDir, probeKey } from './precision-cache.js';
import type { ProbeKeyParts } from './precision-cache.js';

const parts: ProbeKeyParts = {
  cpu: 'AMD EPYC | avx512_bf16',
  threads: 2,
  model: 'ClassificationModule:abc',
  inputShape: [1, 28, 28],
  batchSize: 128,
  device: 'cpu',
  candidates: [
    { precision: 'bf16-mixed', memoryFormat: 'channelsLast' },
    { precision: '32', memoryFormat: 'contiguous' },
  ],
  libtorch: '1.13.1',
};
const result = {
  choice: { precision: '32', memoryFormat: 'contiguous' } as const,
  timings: [{ choice: { precision: '32', memoryFormat: 'contiguous' } as const, msPerStep: 100 }],
};

void test('cache dir: the override, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(precisionCacheDir({ CLASSIFIER_TRAINING_CACHE_DIR: '/o', XDG_CACHE_HOME: '/x' }), '/o');
  assert.equal(precisionCacheDir({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'classifier-training'));
  assert.match(precisionCacheDir({}), /\.cache[/\\]classifier-training$/);
});

void test('the key changes with the input shape, the threads, the batch size and the candidates', () => {
  const base = probeKey(parts);
  assert.equal(probeKey({ ...parts }), base);
  assert.notEqual(probeKey({ ...parts, inputShape: [1, 64, 64] }), base);
  assert.notEqual(probeKey({ ...parts, threads: 1 }), base);
  assert.notEqual(probeKey({ ...parts, batchSize: 64 }), base);
  assert.notEqual(probeKey({ ...parts, candidates: parts.candidates.slice(1) }), base);
  assert.notEqual(probeKey({ ...parts, model: 'ClassificationModule:abd' }), base);
});

void test('a miss, then a hit after set, in a new folder; another key misses', () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'ct-pcache-')), 'nested');
  const warnings: string[] = [];
  const cache = new PrecisionCache({ dir, warn: (m) => warnings.push(m) });
  assert.equal(cache.get(parts), null);
  cache.set(parts, result);
  const again = new PrecisionCache({ dir, warn: (m) => warnings.push(m) });
  assert.deepEqual(again.get(parts)?.choice, result.choice);
  assert.deepEqual(again.get(parts)?.timings, result.timings);
  assert.equal(again.get({ ...parts, threads: 1 }), null);
  assert.deepEqual(warnings, []);
});

void test('a corrupt cache file is a warning and a miss, and the next write replaces it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ct-pcache-'));
  const warnings: string[] = [];
  const cache = new PrecisionCache({ dir, warn: (m) => warnings.push(m) });
  writeFileSync(cache.file, '{"version": 1, "entr');
  assert.equal(cache.get(parts), null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /ignoring the unreadable probe cache .*precision-auto\.json/);
  cache.set(parts, result);
  assert.deepEqual(cache.get(parts)?.choice, result.choice);
  assert.equal((JSON.parse(readFileSync(cache.file, 'utf8')) as { version: number }).version, 1);
  // An entry naming a choice that is not a candidate (hand-edited, say) is ignored too.
  const text = readFileSync(cache.file, 'utf8').replace('"contiguous"', '"sideways"');
  writeFileSync(cache.file, text);
  assert.equal(cache.get(parts), null);
  assert.match(warnings.at(-1) ?? '', /names no candidate/);
});
