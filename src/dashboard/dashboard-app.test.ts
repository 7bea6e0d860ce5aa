import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CompareResponse, CurveResponse, DetailsResponse, RunSummary, RunsResponse, SweepResponse } from './api-types.js';
import { dashboardApp } from './dashboard-app.js';
import { writeRun, writeSweep } from './run-fixtures.test-helper.js';
import { startDashboard } from './start-dashboard.js';

const root = mkdtempSync(join(tmpdir(), 'dashboard-'));
const outputs = join(root, 'outputs');
const multirun = join(root, 'multirun');
const { app } = dashboardApp({ roots: [outputs, multirun], rescanMs: 0, pollMs: 50 });
let runs: RunSummary[] = [];
/** The fixture's last loss, by its formula. */
const lastLoss = Number((2 / Math.sqrt(5000) + 0.01 * Math.sin(5000)).toFixed(5));
const byName = (name: string) => runs.find((r) => r.name === name)!;

before(async () => {
  writeRun(join(outputs, 'finished'), { status: 'success', steps: 5000, lr: 0.1 });
  writeRun(join(outputs, 'running'), { status: 'running', steps: 10 });
  writeRun(join(outputs, 'failed'), { status: 'failed', steps: 10, model: 'resnet34' });
  writeRun(join(outputs, 'killed'), { status: 'running', pid: 2_000_000_000, steps: 10 });
  writeSweep(join(multirun, 'sweep'), [0.1, 0.01], 10);
  // What the progress bar logs once per epoch and ModelSummary writes at fit start.
  writeRun(join(outputs, 'system'), { status: 'success', steps: 0 });
  writeFileSync(
    join(outputs, 'system', 'metrics.csv'),
    'epoch,step,train/loss_step,train/img_per_s,system/rss_mb,lr-AdamW,val/mAP,ap_class/0\n0,1,0.9,,,0.01,,\n0,2,0.7,812.5,950.25,,0.5,0.25\n1,3,0.8,790,990.5,0.001,0.75,0.125\n',
  );
  writeFileSync(join(outputs, 'system', 'model_summary.txt'), '  | Name | Type\n55  Total params\n');
  mkdirSync(join(outputs, 'finished', 'plots'), { recursive: true });
  writeFileSync(join(outputs, 'finished', 'plots', 'samples.png'), 'png bytes');
  writeFileSync(
    join(outputs, 'finished', 'plots', 'confusion_matrices.jsonl'),
    [
      JSON.stringify({
        epoch: 1,
        split: 'val',
        classNames: ['a', 'b'],
        matrix: [
          [3, 1],
          [0, 4],
        ],
      }),
      JSON.stringify({
        epoch: 0,
        split: 'val',
        classNames: ['a', 'b'],
        matrix: [
          [2, 2],
          [1, 3],
        ],
      }),
    ].join('\n'),
  );
  mkdirSync(join(outputs, 'finished', 'analysis', 'cam'), { recursive: true });
  for (const f of ['top_losses.csv', 'label_issues.csv', 'cam/10.png', 'cam/2.png'])
    writeFileSync(join(outputs, 'finished', 'analysis', f), f);
  const perClass = [{ index: 0, name: '<img src=x onerror=alert(1)>', precision: 0.5, recall: 1, f1: 0.667, support: 3, confusedWith: [] }];
  writeFileSync(join(outputs, 'finished', 'analysis', 'per_class.json'), JSON.stringify(perClass));
  writeFileSync(join(root, 'secret.txt'), 'outside');
  symlinkSync(join(root, 'secret.txt'), join(outputs, 'finished', 'plots', 'link.txt'));
  runs = ((await (await app.request('/api/runs')).json()) as RunsResponse).runs;
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard API', () => {
  it('lists finished, running, failed and killed runs, and sweep runs with their swept keys', () => {
    assert.equal(byName('finished').status, 'finished');
    assert.equal(byName('running').status, 'running', 'its pid is this process');
    assert.equal(byName('failed').status, 'failed');
    assert.equal(byName('killed').status, 'interrupted', "a 'running' entry whose pid is gone");
    assert.equal(byName('failed').model, 'resnet34');
    assert.equal(byName('finished').data, 'fashion-mnist');
    assert.equal(byName('finished').durationS, 600);
    assert.equal(byName('finished').lastMetrics['train/loss_step'], lastLoss);
    assert.equal(byName('finished').bestMetrics['val/acc_top1'], 0.99);
    assert.deepEqual(byName('finished').metricNames, ['train/loss_step', 'val/loss', 'val/acc_top1']);
    assert.deepEqual(byName('sweep/1').sweep?.swept, { 'optimizer.lr': 0.01 });
    assert.ok(
      runs.every((r) => /^[\w-]+$/.test(r.id)),
      'ids are URL-safe and no paths',
    );
  });

  it('answers JSON with its content type, and 404 JSON for an unknown run', async () => {
    const ok = await app.request('/api/runs');
    assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
    const missing = await app.request('/api/runs/nope/config');
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^application\/json/);
  });

  it('downsamples a curve of 5,000 steps by LTTB, first and last kept', async () => {
    const id = byName('finished').id;
    const curve = (await (await app.request(`/api/runs/${id}/curve?metric=train/loss_step&points=100`)).json()) as CurveResponse;
    assert.equal(curve.total, 5000);
    assert.equal(curve.points.length, 100);
    assert.deepEqual(curve.points[0], [1, 2.00841]);
    assert.deepEqual(curve.points.at(-1), [5000, lastLoss]);
    const epochs = (await (await app.request(`/api/runs/${id}/curve?metric=val/acc_top1&x=epoch`)).json()) as CurveResponse;
    assert.deepEqual(epochs.points.slice(0, 2), [
      [0, 0.6],
      [1, 0.7],
    ]);
    const time = (await (await app.request(`/api/runs/${id}/curve?metric=val/acc_top1&x=time`)).json()) as CurveResponse;
    assert.equal(time.x, 'step', 'metrics.csv has no times');
    assert.equal((await app.request(`/api/runs/${id}/curve?metric=val/acc_top1&x=wall`)).status, 400);
  });

  it('gives the config, the differences between runs and a sweep’s parallel coordinates', async () => {
    const [a, b] = [byName('finished').id, byName('failed').id];
    const config = (await (await app.request(`/api/runs/${a}/config`)).json()) as { yaml: string; config: { optimizer: { lr: number } } };
    assert.equal(config.config.optimizer.lr, 0.1);
    const compare = (await (await app.request(`/api/compare?ids=${a},${b}`)).json()) as CompareResponse;
    assert.deepEqual(
      compare.differences.map((d) => d.key),
      ['model.name', 'optimizer.lr'],
    );
    const sweep = (await (await app.request(`/api/sweeps/${byName('sweep/0').sweep!.id}`)).json()) as SweepResponse;
    assert.deepEqual(sweep.swept, ['optimizer.lr']);
    assert.equal(sweep.metric, 'val/acc_top1');
    assert.deepEqual(
      sweep.runs.map((r) => r.params['optimizer.lr']),
      [0.1, 0.01],
    );
  });

  it('gives the per-epoch confusion matrices and the run’s files', async () => {
    const details = (await (await app.request(`/api/runs/${byName('finished').id}/details`)).json()) as DetailsResponse;
    assert.deepEqual(
      details.confusion.map((c) => c.epoch),
      [0, 1],
    );
    assert.deepEqual(details.files.samples, ['plots/samples.png']);
    assert.equal(details.files.topLosses, 'analysis/top_losses.csv');
    assert.equal(details.files.labelIssues, 'analysis/label_issues.csv');
    assert.deepEqual(details.files.cams, ['analysis/cam/2.png', 'analysis/cam/10.png'], 'in rank order');
    assert.equal(details.perClass?.[0].name, '<img src=x onerror=alert(1)>', 'as data, for the page to show as text');
    const failed = (await (await app.request(`/api/runs/${byName('failed').id}/details`)).json()) as DetailsResponse;
    assert.deepEqual(failed.files, {
      samples: [],
      topLosses: null,
      labelIssues: null,
      cams: [],
      modelSummary: null,
      profiler: null,
      report: null,
    });
    assert.equal(failed.perClass, null);
    const file = await app.request(`/api/runs/${byName('finished').id}/file/plots/samples.png`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'image/png');
    assert.equal(await file.text(), 'png bytes');
  });

  it('shows a run’s HTML sandboxed, without script, with images from its own file route only', async () => {
    const id = byName('finished').id;
    writeFileSync(join(outputs, 'finished', 'report.html'), '<img src="analysis/cam/2.png">');
    const res = await app.request(`/api/runs/${id}/file/report.html`);
    assert.equal(res.status, 200);
    const policy = (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
    assert.ok(policy.includes('sandbox'), policy.join('; '));
    assert.ok(policy.includes("default-src 'none'"), 'no script, frame or fetch falls back to anything');
    assert.ok(!policy.some((d) => d.startsWith('script-src')), policy.join('; '));
    assert.deepEqual(policy.find((d) => d.startsWith('img-src'))?.split(' '), [
      'img-src',
      'data:',
      `http://localhost/api/runs/${id}/file/`,
    ]);
  });

  it('shows the logged img/s and RSS, model_summary.txt, and a best only for metrics that say which way is better', async () => {
    const run = byName('system');
    assert.deepEqual(run.lastMetrics, {
      'train/loss_step': 0.8,
      'train/img_per_s': 790,
      'system/rss_mb': 990.5,
      'lr-AdamW': 0.001,
      'val/mAP': 0.75,
      'ap_class/0': 0.125,
    });
    assert.deepEqual(run.bestMetrics, { 'train/loss_step': 0.7, 'val/mAP': 0.75, 'ap_class/0': 0.25 });
    const details = (await (await app.request(`/api/runs/${run.id}/details`)).json()) as DetailsResponse;
    assert.deepEqual(details.system, { imgPerSec: 790, rssMB: 990.5 });
    assert.equal(details.files.modelSummary, 'model_summary.txt');
  });

  it('answers 404 to every way out of the run dir', async () => {
    const base = `/api/runs/${byName('finished').id}/file/`;
    const attempts = [
      '../running/metrics.csv',
      '..%2f..%2fsecret.txt',
      '%2e%2e/%2e%2e/secret.txt',
      '%2e%2e%2f%2e%2e%2fsecret.txt',
      'plots%2f..%2f..%2f..%2fsecret.txt',
      '%2fetc%2fpasswd',
      '/etc/passwd',
      'plots/link.txt',
      'plots/samples.png%00.txt',
      'plots%5c..%5c..%5csecret.txt',
      '.config/../../secret.txt',
    ];
    for (const attempt of attempts) {
      const res = await app.request(base + attempt);
      assert.equal(res.status, 404, attempt);
    }
  });

  it('answers 404 to raw traversal on a real socket', async () => {
    const dashboard = await startDashboard({ roots: [outputs], port: 0 });
    try {
      const id = byName('finished').id;
      for (const target of [
        `/api/runs/${id}/file/../../../secret.txt`,
        `/api/runs/${id}/file/..%2f..%2f..%2fsecret.txt`,
        `/assets/../../../package.json`,
      ]) {
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(dashboard.port, '127.0.0.1', () =>
            socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
          );
          let text = '';
          socket.on('data', (d) => (text += d.toString()));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        assert.match(answer, /^HTTP\/1\.1 404/, target);
        assert.doesNotMatch(answer, /outside|"version"/, target);
      }
    } finally {
      await dashboard.close();
    }
  });

  it('serves the page and uPlot from the package, and nothing beside them', async () => {
    assert.equal((await app.request('/')).status, 200);
    const uplot = await app.request('/assets/uplot/uPlot.iife.min.js');
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await uplot.text(), /uPlot/);
    for (const attempt of ['/assets/uplot/..%2fpackage.json', '/assets/uplot/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json']) {
      assert.equal((await app.request(attempt)).status, 404, attempt);
    }
  });

  it('is read-only: other methods find no route', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const target of ['/api/runs', `/api/runs/${byName('finished').id}/file/metrics.csv`]) {
        const res = await app.request(target, { method });
        assert.ok(res.status === 404 || res.status === 405, `${method} ${target}: ${res.status}`);
      }
    }
  });

  it('streams rows appended to a running run’s metrics file', async () => {
    const run = byName('running');
    const res = await app.request(`/api/runs/${run.id}/stream`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: RegExp) => {
      while (!until.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await read(/event: status/);
    appendFileSync(join(outputs, 'running', 'metrics.csv'), '0,11,0.123,,\n0,12,0.122,,\n');
    await read(/event: metrics\ndata: .*\n\n/);
    await reader.cancel();
    const data = /event: metrics\ndata: (.*)\n/.exec(text)![1];
    assert.deepEqual(JSON.parse(data), {
      rows: [
        { epoch: 0, step: 11, values: { 'train/loss_step': 0.123 } },
        { epoch: 0, step: 12, values: { 'train/loss_step': 0.122 } },
      ],
    });
  });

  it('answers only requests for this machine’s names without a token (DNS rebinding)', async () => {
    assert.equal((await app.request('http://127.0.0.1:8080/api/runs')).status, 200);
    assert.equal((await app.request('http://[::1]:8080/api/runs')).status, 200);
    assert.equal((await app.request('http://evil.example:8080/api/runs')).status, 403);
    assert.equal((await app.request('/api/runs', { headers: { host: 'localhost.evil.example' } })).status, 403);
  });

  it('requires the token beyond loopback, then takes the cookie', async () => {
    const dashboard = await startDashboard({ roots: [outputs], port: 0, host: '0.0.0.0' });
    try {
      assert.ok(dashboard.token !== null && dashboard.url.includes(`?token=${dashboard.token}`));
      const base = `http://127.0.0.1:${dashboard.port}`;
      assert.equal((await fetch(`${base}/api/runs`)).status, 401);
      assert.equal((await fetch(`${base}/api/runs?token=wrong`)).status, 401);
      const first = await fetch(`${base}/api/runs?token=${dashboard.token}`);
      assert.equal(first.status, 200);
      const cookie = first.headers.get('set-cookie')!.split(';')[0];
      assert.equal((await fetch(`${base}/api/runs`, { headers: { cookie } })).status, 200);
    } finally {
      await dashboard.close();
    }
    const local = await startDashboard({ roots: [outputs], port: 0 });
    try {
      assert.equal(local.token, null);
      assert.equal((await fetch(`http://127.0.0.1:${local.port}/api/runs`)).status, 200);
    } finally {
      await local.close();
    }
  });
});
