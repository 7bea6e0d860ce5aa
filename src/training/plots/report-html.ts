/**
 * The HTML of a run report: one page (inline CSS, plots as data: URIs, no
 * script, a Content-Security-Policy that forbids any request but for images
 * beside the page) with the run's configuration, the latest metrics, the
 * epoch history, the plots and extra sections written by others (the
 * analysis), each between markers so a later writer can replace it and a
 * rewrite of the page can keep it.
 *
 * @example
 * const html = reportHtml({ title: 'run', status: 'running', metrics: { 'val/loss': 0.4 }, history: [], config: {}, images: [] });
 */
import { ShapeError } from '../../errors.js';
import type { EpochRecord } from '../trainer-view.js';

/** An image of the report. */
export interface ReportImage {
  title: string;
  png: Buffer;
  /** CSS pixels to show it at (a chart drawn at scale 2 shows at half its pixel width); default: its own width. */
  displayWidth?: number;
}

/** What the report shows. */
export interface ReportContent {
  title: string;
  /** 'running (epoch 3)', 'finished', ... */
  status: string;
  /** The latest value of every metric. */
  metrics: Readonly<Record<string, number>>;
  history: readonly EpochRecord[];
  /** Named configuration sections (hparams, the run's config), shown as JSON. */
  config: Readonly<Record<string, unknown>>;
  images: readonly ReportImage[];
  /** Extra sections, after the plots (see `reportSections`). */
  sections?: readonly ReportSection[];
  /** When the page was written. */
  writtenAt?: Date;
}

/** A section of the page another part of the project writes: an id (letters, digits, '-') and its HTML. */
export interface ReportSection {
  id: string;
  html: string;
}

const SECTION = /<!-- section:([\w-]+) -->([\s\S]*?)<!-- \/section:\1 -->/g;
const ANCHOR = '<!-- sections -->';

function wrap(section: ReportSection): string {
  if (!/^[\w-]+$/.test(section.id))
    throw new ShapeError(`reportHtml: expected a section id of letters, digits and '-', but got '${section.id}'`);
  return `<!-- section:${section.id} -->${section.html}<!-- /section:${section.id} -->`;
}

/**
 * The extra sections of a page `reportHtml` wrote, so a rewrite keeps them.
 *
 * @example
 * reportHtml({ ...content, sections: reportSections(readFileSync('report.html', 'utf8')) });
 */
export function reportSections(html: string): ReportSection[] {
  return [...html.matchAll(SECTION)].map((m) => ({ id: m[1], html: m[2] }));
}

/**
 * `html` with `section` in place of the one of the same id, or added after the others.
 *
 * @example
 * writeFileSync('report.html', withReportSection(readFileSync('report.html', 'utf8'), { id: 'analysis', html }));
 */
export function withReportSection(html: string, section: ReportSection): string {
  const wrapped = wrap(section);
  let replaced = false;
  const out = html.replace(SECTION, (whole, id: string) => {
    if (id !== section.id) return whole;
    replaced = true;
    return wrapped;
  });
  if (replaced) return out;
  return out.includes(ANCHOR) ? out.replace(ANCHOR, () => `${wrapped}\n${ANCHOR}`) : out.replace('</body>', () => `${wrapped}\n</body>`);
}

/**
 * Text made safe inside HTML text and attribute values.
 *
 * @example
 * escapeHtml('<b>"cat"</b>'); // '&#60;b&#62;&#34;cat&#34;&#60;/b&#62;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A metric value as the page shows it: integers as they are, others with 6
 * significant digits (the exact value is in the cell's `data-value`).
 *
 * @example
 * formatMetric(0.123456789); // '0.123457'
 */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(5);
}

function valueCell(name: string, value: number | undefined): string {
  if (value === undefined) return '<td class="value"></td>';
  return `<td class="value" data-metric="${escapeHtml(name)}" data-value="${value}">${escapeHtml(formatMetric(value))}</td>`;
}

function metricsTable(metrics: Readonly<Record<string, number>>, id: string): string {
  const rows = Object.keys(metrics)
    .sort()
    .map((name) => `<tr><th scope="row">${escapeHtml(name)}</th>${valueCell(name, metrics[name])}</tr>`);
  return `<table id="${id}"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function historyTable(history: readonly EpochRecord[]): string {
  const names = [...new Set(history.flatMap((r) => Object.keys(r.metrics)))].filter((n) => !n.includes('/acc_class/')).sort();
  const head = `<tr><th>epoch</th><th>step</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const rows = history.map(
    (r) => `<tr data-epoch="${r.epoch}"><td>${r.epoch}</td><td>${r.step}</td>${names.map((n) => valueCell(n, r.metrics[n])).join('')}</tr>`,
  );
  return `<table id="history"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function split(metrics: Readonly<Record<string, number>>, perClass: boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([name]) => name.includes('/acc_class/') === perClass));
}

const style = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.status { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: .9rem; } th, td { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: left; }
td.value { text-align: right; font-variant-numeric: tabular-nums; } .scroll { overflow-x: auto; }
figure { display: inline-block; margin: 0 1rem 1rem 0; vertical-align: top; } figcaption { color: #666; font-size: .85rem; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
td.cell { text-align: right; font-variant-numeric: tabular-nums; min-width: 2.5rem; }
.gallery figure { width: 140px; } .gallery figcaption { word-break: break-all; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .85rem; }`;

/**
 * The report page.
 *
 * @example
 * await writeFile('report.html', reportHtml(content));
 */
export function reportHtml(content: ReportContent): string {
  const images = content.images.map(
    (image) =>
      `<figure><img alt="${escapeHtml(image.title)}"${image.displayWidth === undefined ? '' : ` width="${Math.round(image.displayWidth)}"`} src="data:image/png;base64,${image.png.toString('base64')}"><figcaption>${escapeHtml(image.title)}</figcaption></figure>`,
  );
  const perClass = split(content.metrics, true);
  const config = Object.entries(content.config).map(
    ([name, value]) => `<h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(value, null, 2) ?? 'null')}</pre>`,
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)}</title><style>${style}</style></head>
<body>
<h1>${escapeHtml(content.title)}</h1>
<p class="status">${escapeHtml(content.status)} · written ${escapeHtml((content.writtenAt ?? new Date()).toISOString())}</p>
<h2>Metrics</h2>
${metricsTable(split(content.metrics, false), 'metrics')}
${Object.keys(perClass).length > 0 ? `<details><summary>per-class accuracy</summary>${metricsTable(perClass, 'per-class')}</details>` : ''}
<h2>Plots</h2>
${images.length > 0 ? images.join('\n') : '<p>No plots yet.</p>'}
${(content.sections ?? []).map(wrap).join('\n')}
${ANCHOR}
<h2>History</h2>
<div class="scroll">${content.history.length > 0 ? historyTable(content.history) : '<p>No completed epoch yet.</p>'}</div>
<h2>Configuration</h2>
${config.length > 0 ? config.join('\n') : '<p>None recorded.</p>'}
</body></html>
`;
}
