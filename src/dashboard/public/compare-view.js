/**
 * Compare (`#/compare?ids=a,b`): the chosen runs' curves overlaid (live
 * while any of them trains), a table of the config keys whose values
 * differ, and for runs of one sweep its parallel coordinates.
 *
 * @example
 * const view = compareView(['a1', 'b2']); main.append(view.node);
 */
import { getJson } from './api.js';
import { curveChart, PALETTE } from './curve-chart.js';
import { h, replace } from './dom.js';
import { formatValue } from './format.js';
import { parallelCoords } from './parallel-coords.js';

function differencesTable(runs, differences) {
  if (differences.length === 0) return h('p', { class: 'muted' }, 'The configs of these runs do not differ.');
  return h(
    'table',
    { class: 'differences' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'key'),
        runs.map((run, i) => h('th', {}, h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }), run.name)),
      ),
    ),
    h(
      'tbody',
      {},
      differences.map((d) =>
        h(
          'tr',
          { dataset: { key: d.key } },
          h('td', { class: 'key' }, d.key),
          runs.map((run) => h('td', { class: 'value' }, formatValue(d.values[run.id]))),
        ),
      ),
    ),
  );
}

/** The sweep's parallel coordinates, with a picker for the metric on the last axis. */
async function sweepSection(runs) {
  const sweepIds = new Set(runs.map((r) => r.sweep?.id ?? null));
  if (sweepIds.size !== 1 || sweepIds.has(null)) return null;
  const path = `/api/sweeps/${encodeURIComponent([...sweepIds][0])}`;
  const selected = new Set(runs.map((r) => r.id));
  const note = h('p', { class: 'muted' });
  const plot = h('div', { class: 'scroll-x' });
  const show = (sweep) => {
    replace(note, `${sweep.runs.length} runs · swept: ${sweep.swept.join(', ')} · last axis: best ${sweep.metric}`);
    replace(plot, parallelCoords(sweep, selected));
  };
  const sweep = await getJson(path);
  show(sweep);
  const names = [...new Set([sweep.metric, ...runs.flatMap((r) => r.metricNames)])];
  const picker = h(
    'select',
    {
      class: 'sweep-metric',
      'aria-label': 'sweep metric',
      onchange: (e) => {
        getJson(`${path}?metric=${encodeURIComponent(e.target.value)}`)
          .then(show)
          .catch((error) => replace(note, String(error.message ?? error)));
      },
    },
    names.map((name) => h('option', { value: name }, name)),
  );
  picker.value = sweep.metric;
  return h(
    'section',
    { class: 'card sweep' },
    h('h2', {}, 'Sweep ', sweep.dir),
    h('div', { class: 'controls' }, h('label', {}, 'metric ', picker)),
    note,
    plot,
  );
}

/**
 * The compare view.
 *
 * @example
 * compareView(['a1', 'b2']).node;
 */
export function compareView(ids) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  let chart = null;
  let destroyed = false;
  const load = async () => {
    const [{ runs: all }, compare] = await Promise.all([
      getJson('/api/runs'),
      getJson(`/api/compare?ids=${ids.map(encodeURIComponent).join(',')}`),
    ]);
    if (destroyed) return;
    const runs = ids.map((id) => all.find((r) => r.id === id)).filter((r) => r !== undefined);
    if (runs.length === 0) return replace(body, h('p', { class: 'error' }, 'None of these runs exists any more.'));
    const sweep = await sweepSection(runs).catch(() => null);
    if (destroyed) return;
    const metricNames = [...new Set(runs.flatMap((r) => r.metricNames))];
    chart = curveChart({ runs, metricNames, live: runs.some((r) => r.status === 'running') });
    replace(
      body,
      h('h2', {}, 'Curves'),
      chart.node,
      h('h2', {}, 'Config differences'),
      h('section', { class: 'card table-wrap' }, differencesTable(runs, compare.differences)),
      sweep,
    );
  };
  load().catch((e) => replace(body, h('p', { class: 'error' }, String(e.message ?? e))));
  const node = h(
    'section',
    { class: 'compare-view' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Compare'), h('a', { href: '#/runs' }, '← all runs')),
    body,
  );
  return {
    node,
    destroy: () => {
      destroyed = true;
      chart?.destroy();
    },
  };
}
