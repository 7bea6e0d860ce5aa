/**
 * A run's page (`#/run/<id>`): its summary and system figures, live
 * curves, the confusion matrix per epoch, per-class metrics, the sample
 * gallery, the analysis files (top losses, label issues, Grad-CAM) where
 * they exist, the resolved config, the model summary and the profiler's
 * report. Sections without data are left out.
 *
 * @example
 * const view = runView('a1'); main.append(view.node);
 */
import { fileUrl, getJson, runPath } from './api.js';
import { confusionView } from './confusion-view.js';
import { curveChart } from './curve-chart.js';
import { h, replace } from './dom.js';
import { fileView, recordsTable } from './file-view.js';
import { formatDuration, formatNumber, formatTime, formatValue } from './format.js';
import { statusBadge } from './runs-view.js';

const card = (title, ...children) => h('section', { class: 'card' }, h('h2', {}, title), ...children);

function facts(summary, system) {
  const items = [
    ['status', statusBadge(summary.status)],
    ['model', summary.model ?? '–'],
    ['data', summary.data ?? '–'],
    ['started', formatTime(summary.startedAt)],
    ['duration', formatDuration(summary.durationS)],
  ];
  if (system.imgPerSec !== undefined) items.push(['throughput', `${formatNumber(system.imgPerSec)} img/s`]);
  if (system.rssMB !== undefined) items.push(['memory (RSS)', `${formatNumber(system.rssMB)} MB`]);
  if (summary.sweep !== null) {
    for (const [key, value] of Object.entries(summary.sweep.swept)) items.push([key, formatValue(value)]);
  }
  return h(
    'dl',
    { class: 'facts' },
    items.map(([label, value]) => h('div', { class: 'fact', dataset: { fact: label } }, h('dt', {}, label), h('dd', {}, value))),
  );
}

function metricsTable(summary) {
  const rows = summary.metricNames.map((name) => [name, formatNumber(summary.lastMetrics[name]), formatNumber(summary.bestMetrics[name])]);
  return recordsTable(['metric', 'last', 'best'], rows, 'metrics');
}

function perClassTable(rows) {
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v) => (typeof v === 'number' ? formatNumber(v) : formatValue(v));
  return h(
    'div',
    { class: 'scroll-x' },
    recordsTable(
      header,
      rows.map((r) => header.map((k) => cell(r[k]))),
      'per-class',
    ),
  );
}

function gallery(runId, paths, className) {
  return h(
    'div',
    { class: `gallery ${className}` },
    paths.map((path) => h('figure', {}, h('img', { src: fileUrl(runId, path), alt: path }), h('figcaption', {}, path))),
  );
}

function sections(id, details, config) {
  const { files } = details;
  const out = [card('Confusion matrix', confusionView(details.confusion))];
  if (details.perClass !== null && details.perClass.length > 0) out.push(card('Per class', perClassTable(details.perClass)));
  if (files.samples.length > 0) out.push(card('Samples', gallery(id, files.samples, 'samples')));
  out.push(card('Metrics', metricsTable(details.summary)));
  if (files.topLosses !== null) out.push(card('Top losses', fileView(id, files.topLosses)));
  if (files.labelIssues !== null) out.push(card('Label issues', fileView(id, files.labelIssues)));
  if (files.cams.length > 0) out.push(card('Grad-CAM', gallery(id, files.cams, 'cams')));
  out.push(card('Config', h('pre', { class: 'config' }, config.yaml)));
  if (files.modelSummary !== null) out.push(card('Model summary', fileView(id, files.modelSummary)));
  if (files.profiler !== null) out.push(card('Profiler', fileView(id, files.profiler)));
  if (files.report !== null) out.push(card('Static report', fileView(id, files.report)));
  return out;
}

/**
 * The run view.
 *
 * @example
 * runView('a1').node;
 */
export function runView(id) {
  const title = h('h1', {}, 'Run');
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  let chart = null;
  let destroyed = false;
  const load = async () => {
    const [details, config] = await Promise.all([
      getJson(runPath(id, '/details')),
      getJson(runPath(id, '/config')).catch(() => ({ yaml: '' })),
    ]);
    if (destroyed) return;
    const { summary } = details;
    replace(title, summary.name);
    const factsBox = h('div', {}, facts(summary, details.system));
    const onStatus = (next) => replace(factsBox, facts(next, details.system));
    // A finished run may be resumed, so every run's page listens.
    chart = curveChart({ runs: [{ id, name: summary.name }], metricNames: summary.metricNames, live: true, onStatus });
    replace(body, factsBox, h('h2', {}, 'Curves'), chart.node, ...sections(id, details, config));
  };
  load().catch((e) => replace(body, h('p', { class: 'error' }, String(e.message ?? e))));
  const node = h('section', { class: 'run-view' }, h('div', { class: 'toolbar' }, title, h('a', { href: '#/runs' }, '← all runs')), body);
  return {
    node,
    destroy: () => {
      destroyed = true;
      chart?.destroy();
    },
  };
}
