import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../torch/index.js';
import { busyReason, describeAutoPrecision, moduleKey, provenanceRecord, resolveAutoPrecision } from './precision-auto.js';
import type { AutoPrecisionInput } from './precision-auto.js';
import { PrecisionCache } from './precision-cache.js';
import type { ProbeOptions } from './precision-probe.js';
import { describeChoice } from './precision-choice.js';
import { tinyCnn } from '../../test/integration/trainer-fixtures.js';

/** A probe stub that reports fixed ms per candidate and counts its calls. */
function stubProbe(ms: Record<string, number>) {
  const calls: { shape: number[] }[] = [];
  const probe = (o: ProbeOptions) => {
    calls.push({ shape: o.batch.images.shape });
    return o.candidates.map((choice) => ({ choice, msPerStep: ms[describeChoice(choice)] }));
  };
  return { calls, probe };
}

function input(overrides: Partial<AutoPrecisionInput> & { size?: number } = {}): AutoPrecisionInput {
  const size = overrides.size ?? 8;
  return {
    options: { precision: 'auto', memoryFormat: 'auto', fastDevRun: false, strategy: 'auto' },
    environment: { device: 'cpu', nativeBf16: true },
    resumed: null,
    module: tinyCnn(),
    firstBatch: () => Promise.resolve({ images: torch.zeros([4, 3, size, size]), labels: torch.tensor([0, 1, 2, 0], { dtype: 'int64' }) }),
    threads: 2,
    cache: new PrecisionCache({ dir: mkdtempSync(path.join(tmpdir(), 'ct-pauto-')), warn: () => undefined }),
    load: () => ({ average: 0.5, cores: 2 }),
    ...overrides,
  };
}

const timings = { 'bf16-mixed channels-last': 191, 'bf16-mixed contiguous': 196, 'fp32 channels-last': 150, 'fp32 contiguous': 274 };

void test('a probe picks the fastest candidate, is cached, and the next run with the same key reads the cache', async () => {
  const stub = stubProbe(timings);
  const first = await resolveAutoPrecision(input({ probe: stub.probe }));
  assert.equal(stub.calls.length, 1);
  assert.deepEqual(stub.calls[0].shape, [4, 3, 8, 8]);
  assert.equal(first.how, 'probe');
  assert.deepEqual([first.precision, first.memoryFormat], ['32', 'channelsLast']);
  assert.match(
    describeAutoPrecision(first),
    /^precision auto: fp32 channels-last \(probe of \d+ ms: 150 ms\/step vs bf16-mixed channels-last 191, .*cached in .*precision-auto\.json\)$/,
  );
  const second = await resolveAutoPrecision(input({ probe: stub.probe }));
  assert.equal(second.how, 'probe', 'another cache folder: a miss');
  const shared = input({ probe: stub.probe });
  await resolveAutoPrecision(shared);
  const hit = await resolveAutoPrecision({ ...shared, module: tinyCnn({}, 5) });
  assert.equal(stub.calls.length, 3, 'the same model class, config and shapes (other weights) is a hit');
  assert.equal(hit.how, 'cached');
  assert.deepEqual([hit.precision, hit.memoryFormat], ['32', 'channelsLast']);
  assert.equal(provenanceRecord(hit).how, 'cached');
  assert.equal((provenanceRecord(hit).msPerStep as Record<string, number>)['fp32 contiguous'], 274);
});

void test('a probe on a busy machine is used but not cached', async () => {
  const stub = stubProbe(timings);
  const busy = input({ probe: stub.probe, load: () => ({ average: 9.2, cores: 2 }) });
  const first = await resolveAutoPrecision(busy);
  assert.deepEqual([first.how, first.precision, first.cacheFile, first.notCached], ['probe', '32', null, 'load average 9.2 on 2 cores']);
  assert.match(describeAutoPrecision(first), /; not cached: load average 9\.2 on 2 cores, the next run probes again\)$/);
  assert.equal(provenanceRecord(first).notCached, 'load average 9.2 on 2 cores');
  const again = await resolveAutoPrecision({ ...busy, load: () => ({ average: 3, cores: 2 }) });
  assert.equal(again.how, 'probe', 'nothing was cached');
  assert.equal((await resolveAutoPrecision(busy)).how, 'cached', 'the quiet probe was');
  assert.equal(busyReason({ average: 3, cores: 2 }), null);
  assert.equal(busyReason({ average: 9.2, cores: 2 }, 5), null, 'a higher per-core limit (CLASSIFIER_TRAINING_PROBE_BUSY_LOAD)');
});

void test('a cache miss when the input shape or the thread count changes', async () => {
  const stub = stubProbe(timings);
  const base = input({ probe: stub.probe });
  await resolveAutoPrecision(base);
  await resolveAutoPrecision({ ...base, threads: 1 });
  await resolveAutoPrecision({ ...input({ probe: stub.probe, size: 12 }), cache: base.cache });
  assert.equal(stub.calls.length, 3);
});

void test('no probe: a fixed precision, a resumed choice, a dev run, ddp, one candidate, no train batch', async () => {
  const stub = stubProbe(timings);
  let batches = 0;
  const counted = () => {
    batches++;
    return Promise.resolve(null);
  };
  const fixed = await resolveAutoPrecision(
    input({ probe: stub.probe, options: { precision: '32', memoryFormat: 'auto', fastDevRun: false, strategy: 'auto' } }),
  );
  assert.deepEqual([fixed.how, fixed.precision, fixed.memoryFormat], ['fixed', '32', 'contiguous']);
  const resumed = await resolveAutoPrecision(input({ probe: stub.probe, resumed: { precision: '32', memoryFormat: 'contiguous' } }));
  assert.deepEqual([resumed.how, resumed.precision, resumed.memoryFormat], ['resumed', '32', 'contiguous']);
  const dev = await resolveAutoPrecision(
    input({
      probe: stub.probe,
      firstBatch: counted,
      options: { precision: 'auto', memoryFormat: 'auto', fastDevRun: 1, strategy: 'auto' },
    }),
  );
  assert.deepEqual([dev.how, dev.reason, dev.precision, dev.memoryFormat], ['rule', 'fastDevRun', 'bf16-mixed', 'channelsLast']);
  const ddp = await resolveAutoPrecision(
    input({
      probe: stub.probe,
      firstBatch: counted,
      options: { precision: 'auto', memoryFormat: 'auto', fastDevRun: false, strategy: 'ddp' },
    }),
  );
  assert.equal(ddp.how, 'rule');
  assert.match(ddp.reason ?? '', /ddp/);
  const one = await resolveAutoPrecision(
    input({
      probe: stub.probe,
      firstBatch: counted,
      environment: { device: 'cpu', nativeBf16: false },
      options: { precision: 'auto', memoryFormat: 'contiguous', fastDevRun: false, strategy: 'auto' },
    }),
  );
  assert.deepEqual([one.how, one.precision, one.memoryFormat], ['rule', '32', 'contiguous']);
  assert.equal(batches, 0);
  const empty = await resolveAutoPrecision(input({ probe: stub.probe, firstBatch: counted }));
  assert.deepEqual([empty.how, empty.reason], ['rule', 'no train batch']);
  assert.equal(batches, 1);
  assert.equal(stub.calls.length, 0);
  assert.match(describeAutoPrecision(dev), /^precision auto: bf16-mixed channels-last \(rule: fastDevRun\)$/);
});

void test('the model key follows the config and parameter shapes, not the weights', () => {
  assert.equal(moduleKey(tinyCnn({}, 0)), moduleKey(tinyCnn({}, 1)));
  assert.notEqual(moduleKey(tinyCnn({}, 0)), moduleKey(tinyCnn({ numClasses: 4, classNames: ['a', 'b', 'c', 'd'] }, 0)));
  assert.match(moduleKey(tinyCnn()), /^ClassificationModule:[0-9a-f]{16}$/);
});
