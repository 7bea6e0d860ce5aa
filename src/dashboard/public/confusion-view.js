/**
 * A run's confusion matrices: a table per epoch (rows true class, columns
 * predicted) shaded by each true class's fraction, a slider over the saved
 * epochs and a split picker when there are several splits. Class names
 * are inserted as text.
 *
 * @example
 * card.append(confusionView(details.confusion));
 */
import { h, replace } from './dom.js';

function matrixTable(entry) {
  const header = h(
    'tr',
    {},
    h('th', { class: 'corner' }, 'true \\ predicted'),
    entry.classNames.map((name) => h('th', { class: 'class-name', title: name }, name)),
  );
  const rows = entry.matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return h(
      'tr',
      {},
      h('th', { class: 'class-name', title: entry.classNames[i] }, entry.classNames[i] ?? String(i)),
      row.map((count, j) => {
        const share = count / total;
        const style = `background: rgba(37, 99, 235, ${(0.08 + 0.85 * share).toFixed(3)}); color: ${share > 0.5 ? '#fff' : '#111827'}`;
        return h(
          'td',
          { class: i === j ? 'cell diagonal' : 'cell', style, title: `${(share * 100).toFixed(1)}% of the true class` },
          String(count),
        );
      }),
    );
  });
  return h(
    'table',
    { class: 'confusion', dataset: { epoch: String(entry.epoch), split: entry.split } },
    h('thead', {}, header),
    h('tbody', {}, rows),
  );
}

/**
 * The matrix with its epoch slider.
 *
 * @example
 * confusionView([{ epoch: 0, split: 'val', classNames: ['cat', 'dog'], matrix: [[3, 1], [0, 4]] }]);
 */
export function confusionView(entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No confusion matrix saved yet.');
  const splits = [...new Set(entries.map((e) => e.split))];
  const state = { split: splits.includes('val') ? 'val' : splits[0], index: 0 };
  const box = h('div', { class: 'scroll-x' });
  const label = h('output', { class: 'epoch-label' });
  const slider = h('input', {
    type: 'range',
    class: 'epoch-slider',
    min: 0,
    step: 1,
    'aria-label': 'epoch',
    oninput: (e) => show(Number(e.target.value)),
  });
  const ofSplit = () => entries.filter((e) => e.split === state.split).sort((a, b) => a.epoch - b.epoch);
  const show = (index) => {
    const list = ofSplit();
    state.index = Math.min(Math.max(index, 0), list.length - 1);
    const entry = list[state.index];
    slider.max = String(list.length - 1);
    slider.value = String(state.index);
    slider.disabled = list.length < 2;
    label.textContent = `${entry.epoch < 0 ? 'last epoch' : `epoch ${entry.epoch}`} (${entry.split})`;
    replace(box, matrixTable(entry));
  };
  const splitPicker =
    splits.length > 1 &&
    h(
      'select',
      {
        'aria-label': 'split',
        onchange: (e) => {
          state.split = e.target.value;
          show(Number.MAX_SAFE_INTEGER);
        },
      },
      splits.map((s) => h('option', { value: s }, s)),
    );
  if (splitPicker) splitPicker.value = state.split;
  show(Number.MAX_SAFE_INTEGER);
  return h('div', { class: 'confusion-view' }, h('div', { class: 'controls' }, splitPicker, h('label', {}, 'epoch ', slider), label), box);
}
