/**
 * A fit logs its hyperparameters once: the run's config with the final
 * metrics, read back from `hparams.yaml` (CSV), `metrics.jsonl` and the
 * TensorBoard event file's HParams summaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { CSVLogger } from '../../src/training/loggers/csv-logger.js';
import { JSONLLogger } from '../../src/training/loggers/jsonl-logger.js';
import { TensorBoardLogger } from '../../src/training/loggers/tensorboard-logger.js';
import { eventType, hparamsPluginDataType } from '../../src/training/loggers/tfevents/schema.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

interface PluginValue {
  tag: string;
  metadata?: { pluginData?: { pluginName: string; content: Uint8Array } };
}

/** The hparams plugin's messages in an event file, by tag (TFRecord framing: length, CRC, data, CRC). */
function hparamsSummaries(file: string): Map<string, Record<string, unknown>> {
  const bytes = readFileSync(file);
  const out = new Map<string, Record<string, unknown>>();
  for (let at = 0; at < bytes.length;) {
    const length = Number(bytes.readBigUInt64LE(at));
    const event = eventType.toObject(eventType.decode(bytes.subarray(at + 12, at + 12 + length))) as { summary?: { value: PluginValue[] } };
    for (const value of event.summary?.value ?? []) {
      const data = value.metadata?.pluginData;
      if (data?.pluginName === 'hparams') out.set(value.tag, hparamsPluginDataType.toObject(hparamsPluginDataType.decode(data.content)));
    }
    at += 16 + length;
  }
  return out;
}

void test('fit logs the config and the final metrics once to CSV (hparams.yaml), JSONL and TensorBoard (HParams)', async (t) => {
  const root = await makeColourFolder(2);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  const config = { model: { name: 'tiny_cnn', width: 6 }, optimizer: { lr: 0.05 }, tags: ['a', 'b'] };
  const trainer = new Trainer({
    maxEpochs: 1,
    seed: 3,
    numThreads: 2,
    enableProgressBar: false,
    enableModelSummary: false,
    enableCheckpointing: false,
    defaultRootDir: dir,
    logger: [new CSVLogger(), new JSONLLogger(), new TensorBoardLogger()],
    config,
  });
  await trainer.fit(tinyCnn(), dm);
  const final = trainer.callbackMetrics;
  assert.ok(typeof final['val/loss'] === 'number' && typeof final['val/acc_top1'] === 'number', JSON.stringify(final));

  assert.deepEqual(parse(readFileSync(path.join(dir, 'hparams.yaml'), 'utf8')), { ...config, metrics: final });

  const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const hparams = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => 'hparams' in r);
  assert.deepEqual(hparams, [{ hparams: config, metrics: final }]);

  const [events] = readdirSync(dir).filter((n) => n.startsWith('events.out.tfevents.'));
  const summaries = hparamsSummaries(path.join(dir, events));
  const start = summaries.get('_hparams_/session_start_info')?.sessionStartInfo as { hparams: Record<string, Record<string, unknown>> };
  assert.deepEqual(start.hparams, {
    'model.name': { stringValue: 'tiny_cnn' },
    'model.width': { numberValue: 6 },
    'optimizer.lr': { numberValue: 0.05 },
    tags: { stringValue: '["a","b"]' },
  });
  const experiment = summaries.get('_hparams_/experiment')?.experiment as { metricInfos: { name: { tag: string } }[] };
  const tags = experiment.metricInfos.map((m) => m.name.tag);
  for (const name of Object.keys(final)) assert.ok(tags.includes(name), `metric ${name} beside the hparams: ${tags.join(', ')}`);
  assert.equal((summaries.get('_hparams_/session_end_info')?.sessionEndInfo as { status: number }).status, 1, 'STATUS_SUCCESS');
});
