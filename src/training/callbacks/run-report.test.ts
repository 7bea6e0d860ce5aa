import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Linear, Sequential } from '../../torch/nn/index.js';
import { ClassificationModule } from '../../models/classification-module.js';
import { registry } from '../../registry.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import type { EpochRecord } from '../trainer-view.js';
import { RunReport } from './run-report.js';

const history: EpochRecord[] = [
  { epoch: 0, step: 5, metrics: { 'train/loss': 1.25, 'val/loss': 1.375, 'val/acc_top1': 0.5 } },
  { epoch: 1, step: 10, metrics: { 'train/loss': 0.8125, 'val/loss': 0.9123456789, 'val/acc_top1': 0.625, 'val/acc_class/cat': 0.75 } },
];

/** The data: URIs of the page's images, decoded. */
async function images(html: string): Promise<{ width: number; height: number }[]> {
  const uris = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
  return Promise.all(
    uris.map(async (png) =>
      sharp(png)
        .metadata()
        .then((m) => ({ width: m.width, height: m.height })),
    ),
  );
}

test('RunReport writes a self-contained report.html with the hparams, config, metrics and plots', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'report-'));
  const module = new ClassificationModule(new Sequential(new Linear(2, 2)), {
    numClasses: 2,
    classNames: ['cat', 'dog'],
    optimizer: { lr: 0.0123 },
  });
  try {
    const trainer = fakeTrainer({
      runDir,
      currentEpoch: 1,
      history,
      callbackMetrics: { ...history[1].metrics, 'train/loss_step': 0.5 },
    });
    const report = new RunReport({ config: { data: { root: '/data/<pets>' } } });
    report.onValidationStart(trainer);
    await report.onValidationEnd(trainer, module);
    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    assert.equal((await readdir(runDir)).filter((f) => f.includes('.tmp-')).length, 0, 'no temporary file left');
    assert.match(html, /data-metric="val\/loss" data-value="0.9123456789">0.912346</);
    assert.match(html, /data-metric="train\/loss_step" data-value="0.5">0.5</);
    assert.match(html, /per-class accuracy/);
    assert.match(html, /&quot;lr&quot;: 0.0123|&#34;lr&#34;: 0.0123/, 'hparams shown');
    assert.match(html, /\/data\/&#60;pets&#62;/, 'config shown, escaped');
    assert.match(html, /running, epoch 1 validated/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing loaded from the network');
    // No plot callback ran: the report draws the curves itself (loss, accuracy).
    assert.deepEqual(await images(html), [
      { width: 960, height: 600 },
      { width: 960, height: 600 },
    ]);
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('RunReport embeds the PNGs the plot callbacks wrote during this validation, and the sample grid', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'report-'));
  const module = new ClassificationModule(new Sequential(new Linear(2, 2)), { numClasses: 2 });
  try {
    const trainer = fakeTrainer({ runDir, currentEpoch: 1, history, callbackMetrics: history[1].metrics });
    const report = new RunReport();
    await mkdir(join(runDir, 'plots'));
    const png = (w: number) =>
      sharp({ create: { width: w, height: 7, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
    await writeFile(join(runDir, 'plots', 'samples.png'), await png(11)); // from an earlier epoch: still shown
    await new Promise((resolve) => setTimeout(resolve, 120));
    report.onValidationStart(trainer);
    await writeFile(join(runDir, 'plots', 'curves_loss.png'), await png(13));
    await writeFile(join(runDir, 'plots', 'confusion_matrix.png'), await png(17));
    await report.onFitEnd(trainer, module);
    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    assert.deepEqual(
      (await images(html)).map((i) => i.width),
      [13, 17, 11],
    );
    assert.match(html, /finished/);
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('RunReport writes nothing off global zero or during the sanity check', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'report-'));
  const module = new ClassificationModule(new Sequential(new Linear(2, 2)), { numClasses: 2 });
  try {
    await new RunReport().onFitEnd(fakeTrainer({ runDir, isGlobalZero: false }), module);
    await new RunReport().onValidationEnd(fakeTrainer({ runDir, sanityChecking: true }), module);
    await assert.rejects(stat(join(runDir, 'report.html')), { code: 'ENOENT' });
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('RunReport is registered with its options schema', () => {
  assert.equal(registry.build<RunReport>('callback', 'run_report', {}).options.fileName, 'report.html');
  assert.throws(() => registry.build('callback', 'run_report', { title: 3 }), /callback\.run_report\.title/);
});
