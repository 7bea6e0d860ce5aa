/**
 * A file of a run dir shown by its kind: images inline, CSV as a table,
 * JSON pretty-printed, HTML as a link (it opens in its own tab, not inside
 * this page), anything else as preformatted text. Contents are always
 * inserted as text.
 *
 * @example
 * card.append(fileView(runId, 'model_summary.txt'));
 */
import { fileUrl, getText } from './api.js';
import { h, replace } from './dom.js';
import { formatNumber } from './format.js';

const IMAGE = /\.(png|jpe?g|webp|gif|svg)$/i;
const MAX_ROWS = 200;

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"' && (quoted || field === '')) {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c;
    } else if (c === ',') {
      endField();
    } else {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
    }
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** Rows of objects (or CSV rows with a header) as a table. */
export function recordsTable(header, rows, className = 'records') {
  return h(
    'table',
    { class: className },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        header.map((name) => h('th', {}, name)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          row.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}

/**
 * A ranked CSV of the analysis (`top_losses.csv`, `label_issues.csv`) has its
 * thumbnails beside it, `<name>/<rank>.png`; a missing one leaves its cell empty.
 */
function withThumbnails(runId, relative, header, rows) {
  const rank = header.indexOf('rank');
  if (rank < 0) return recordsTable(header, rows);
  const dir = relative.replace(/\.csv$/i, '');
  const table = recordsTable(
    ['image', ...header],
    rows.map((row) => ['', ...row]),
  );
  table.querySelectorAll('tbody tr').forEach((tr, i) => {
    const img = h('img', {
      class: 'thumb',
      src: fileUrl(runId, `${dir}/${rows[i][rank]}.png`),
      alt: `rank ${rows[i][rank]}`,
    });
    img.addEventListener('error', () => img.remove());
    tr.firstChild.append(img);
  });
  return table;
}

function render(runId, relative, text) {
  if (/\.csv$/i.test(relative)) {
    const [header = [], ...raw] = parseCsv(text);
    // Loggers write full float precision; four digits read better in a table.
    const rows = raw.map((row) => row.map((cell) => (/^-?\d+\.\d{5,}(e-?\d+)?$/.test(cell) ? formatNumber(Number(cell)) : cell)));
    const more = rows.length > MAX_ROWS ? h('p', { class: 'muted' }, `first ${MAX_ROWS} of ${rows.length} rows`) : null;
    return [h('div', { class: 'scroll-x' }, withThumbnails(runId, relative, header, rows.slice(0, MAX_ROWS))), more];
  }
  if (/\.json$/i.test(relative)) {
    try {
      return [h('pre', {}, JSON.stringify(JSON.parse(text), null, 2))];
    } catch {
      return [h('pre', {}, text)];
    }
  }
  return [h('pre', {}, text)];
}

/**
 * The file's view.
 *
 * @example
 * fileView('a1', 'analysis/top_losses.png');
 */
export function fileView(runId, relative) {
  const url = fileUrl(runId, relative);
  if (IMAGE.test(relative)) return h('figure', {}, h('img', { src: url, alt: relative }), h('figcaption', {}, relative));
  if (/\.html?$/i.test(relative)) return h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener' }, `open ${relative}`));
  const box = h('div', { class: 'file' }, h('p', { class: 'muted' }, `loading ${relative}…`));
  getText(url)
    .then((text) => replace(box, h('div', { class: 'muted' }, relative), ...render(runId, relative, text)))
    .catch((e) => replace(box, h('p', { class: 'error' }, String(e.message ?? e))));
  return box;
}
