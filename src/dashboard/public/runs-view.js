/**
 * The runs list (`#/runs`): every run the server found, sweeps grouped
 * under a header naming their swept keys, with status, model, data, start,
 * duration and the best and last value of a chosen metric. Columns sort on
 * click, the filter box matches any shown text, and checked runs open in
 * Compare. The list refreshes every few seconds so statuses stay current.
 *
 * @example
 * const view = runsView(); main.append(view.node); // later: view.destroy();
 */
/* global setInterval, clearInterval, location */
import { getJson } from './api.js';
import { h, replace } from './dom.js';
import { formatDuration, formatNumber, formatTime, formatValue } from './format.js';

const REFRESH_MS = 3000;
const PREFERRED = ['val/acc', 'val/accuracy', 'val/acc_top1', 'val/loss', 'train/loss'];

const COLUMNS = [
  { key: 'name', label: 'run', value: (r) => r.name },
  { key: 'status', label: 'status', value: (r) => r.status },
  { key: 'model', label: 'model', value: (r) => r.model ?? '' },
  { key: 'data', label: 'data', value: (r) => r.data ?? '' },
  { key: 'startedAt', label: 'started', value: (r) => r.startedAt ?? '' },
  { key: 'durationS', label: 'duration', value: (r) => r.durationS ?? -1 },
  { key: 'best', label: 'best', value: (r, metric) => r.bestMetrics[metric] ?? -Infinity },
  { key: 'last', label: 'last', value: (r, metric) => r.lastMetrics[metric] ?? -Infinity },
];

/** A status as a coloured badge. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, dataset: { status } }, status);
}

function sweptText(run) {
  if (run.sweep === null) return '';
  return Object.entries(run.sweep.swept)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ');
}

function matches(run, filter) {
  if (filter === '') return true;
  const text = [run.name, run.status, run.model, run.data, sweptText(run), run.sweep?.dir].join(' ').toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .every((word) => text.includes(word));
}

function compareBy(column, metric, descending) {
  return (a, b) => {
    const x = column.value(a, metric);
    const y = column.value(b, metric);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  };
}

function runRow(run, state, onSelect) {
  const checkbox = h('input', {
    type: 'checkbox',
    'aria-label': `select ${run.name}`,
    checked: state.selected.has(run.id),
    onchange: (e) => onSelect(run.id, e.target.checked),
  });
  const swept = sweptText(run);
  return h(
    'tr',
    { dataset: { runId: run.id } },
    h('td', {}, checkbox),
    h(
      'td',
      { class: 'name' },
      h('a', { href: `#/run/${encodeURIComponent(run.id)}` }, run.name),
      swept && h('div', { class: 'swept' }, swept),
    ),
    h('td', {}, statusBadge(run.status)),
    h('td', {}, run.model ?? '–'),
    h('td', {}, run.data ?? '–'),
    h('td', {}, formatTime(run.startedAt)),
    h('td', { class: 'num' }, formatDuration(run.durationS)),
    h('td', { class: 'num best' }, formatNumber(run.bestMetrics[state.metric])),
    h('td', { class: 'num last' }, formatNumber(run.lastMetrics[state.metric])),
  );
}

/** Rows of runs outside sweeps first, then each sweep under its header row. */
function groupedRows(runs, state, onSelect) {
  const loose = runs.filter((r) => r.sweep === null);
  const sweeps = new Map();
  for (const run of runs) if (run.sweep !== null) sweeps.set(run.sweep.dir, [...(sweeps.get(run.sweep.dir) ?? []), run]);
  const rows = loose.map((run) => runRow(run, state, onSelect));
  for (const [dir, members] of sweeps) {
    const keys = Object.keys(members[0].sweep.swept);
    const ids = members.map((r) => encodeURIComponent(r.id)).join(',');
    rows.push(
      h(
        'tr',
        { class: 'sweep-header' },
        h(
          'td',
          { colspan: COLUMNS.length + 1 },
          'sweep ',
          h('strong', {}, dir),
          ` · ${members.length} runs · swept: ${keys.join(', ')} · `,
          h('a', { href: `#/compare?ids=${ids}` }, 'compare the sweep'),
        ),
      ),
    );
    for (const run of members) rows.push(runRow(run, state, onSelect));
  }
  return rows;
}

/**
 * The runs list view.
 *
 * @example
 * runsView().node;
 */
export function runsView() {
  const state = { runs: [], filter: '', sort: 'startedAt', descending: true, metric: '', selected: new Set() };
  const tbody = h('tbody');
  const head = h('tr');
  const metricPicker = h('select', { class: 'metric-picker', 'aria-label': 'metric', onchange: (e) => set({ metric: e.target.value }) });
  const compare = h('button', { class: 'compare', disabled: true, onclick: () => openCompare() }, 'Compare');
  const error = h('div', { class: 'error', hidden: true });
  const openCompare = () => {
    location.hash = `#/compare?ids=${[...state.selected].map(encodeURIComponent).join(',')}`;
  };
  const onSelect = (id, on) => {
    if (on) state.selected.add(id);
    else state.selected.delete(id);
    compare.disabled = state.selected.size < 1;
    compare.textContent = state.selected.size > 0 ? `Compare ${state.selected.size}` : 'Compare';
  };
  const render = () => {
    const metrics = [...new Set(state.runs.flatMap((r) => r.metricNames))].sort();
    if (!metrics.includes(state.metric)) state.metric = PREFERRED.find((m) => metrics.includes(m)) ?? metrics[0] ?? '';
    replace(metricPicker, ...metrics.map((m) => h('option', { value: m }, m)));
    metricPicker.value = state.metric;
    const headers = COLUMNS.map((column) => {
      const arrow = state.sort === column.key ? (state.descending ? ' ▾' : ' ▴') : '';
      const label = column.key === 'best' || column.key === 'last' ? `${column.label} ${state.metric}` : column.label;
      return h('th', { class: 'sortable', dataset: { sort: column.key }, onclick: () => sortBy(column.key) }, label + arrow);
    });
    replace(head, h('th', {}, ''), ...headers);
    const column = COLUMNS.find((c) => c.key === state.sort) ?? COLUMNS[0];
    const shown = state.runs.filter((r) => matches(r, state.filter)).sort(compareBy(column, state.metric, state.descending));
    replace(tbody, ...groupedRows(shown, state, onSelect));
    if (shown.length === 0) tbody.append(h('tr', {}, h('td', { colspan: COLUMNS.length + 1, class: 'muted' }, 'No runs match.')));
  };
  const set = (change) => {
    Object.assign(state, change);
    render();
  };
  const sortBy = (key) => set(state.sort === key ? { descending: !state.descending } : { sort: key, descending: key !== 'name' });
  const refresh = async () => {
    try {
      const { runs } = await getJson('/api/runs');
      error.hidden = true;
      set({ runs });
    } catch (e) {
      replace(error, String(e.message ?? e));
      error.hidden = false;
    }
  };
  const filter = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: 'filter runs',
    oninput: (e) => set({ filter: e.target.value }),
  });
  void refresh();
  const interval = setInterval(() => void refresh(), REFRESH_MS);
  const node = h(
    'section',
    { class: 'runs-view' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Runs'), filter, h('label', {}, 'metric ', metricPicker), compare),
    error,
    h('div', { class: 'card table-wrap' }, h('table', { class: 'runs' }, h('thead', {}, head), tbody)),
  );
  return { node, destroy: () => clearInterval(interval) };
}
