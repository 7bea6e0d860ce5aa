/**
 * Follows one run's metrics log as it grows: each `poll()` reads only the
 * bytes appended since the last one and parses the whole lines among them,
 * so a request never reads a large file again. It keeps each metric's last
 * and best value and, when asked to (`keepSeries`), every metric's series
 * capped at `maxPoints`: past the cap a series is halved by LTTB, so memory
 * stays bounded however long the run logs. `metrics.jsonl` is preferred
 * (its rows carry times), else `metrics.csv`.
 *
 * The CSV logger rewrites its file (through a rename) when a new metric
 * appears; the rows already read come back with an extra blank column, so
 * the tailer reads the new file from the start and skips them.
 *
 * @example
 * const tailer = new MetricsTailer('outputs/2026-12-01/10-00-00', { keepSeries: true });
 * tailer.poll(); // the rows appended since the last poll
 * tailer.series('train/loss_step')?.value.length;
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CsvColumnStats } from './csv-stats-scan.js';
import { lttbIndices } from './lttb.js';
import { improves, metricDirection } from './metric-direction.js';
import { rowParser, splitCsvLine } from './metrics-rows.js';
import type { MetricsFormat, ParsedRow } from './metrics-rows.js';
import type { MetricsRow } from './api-types.js';

/** Options of `MetricsTailer`. */
export interface MetricsTailerOptions {
  /** Keep each metric's series for curves (default false: last and best only). */
  keepSeries?: boolean;
  /** The most points a series keeps before it is halved by LTTB (default 20,000). */
  maxPoints?: number;
  /**
   * Whether `poll()` hands back the new rows (default true). Without rows or
   * series a CSV log is scanned for last and best values without making an
   * object per row: the runs list reads hundreds of long files this way.
   */
  collectRows?: boolean;
}

/** One metric's points, in the order logged; NaN where the row had no step, epoch or time. */
export interface MetricSeries {
  step: number[];
  epoch: number[];
  /** Seconds since the log's first row. */
  time: number[];
  value: number[];
  /** How many points were logged, downsampled ones included. */
  total: number;
}

const CHUNK_BYTES = 4 << 20;

/** The incremental reader of a run's metrics log. */
export class MetricsTailer {
  readonly runDir: string;
  readonly #keepSeries: boolean;
  readonly #maxPoints: number;
  #fast: boolean;
  #collect: boolean;
  /** The CSV header as read by the fast scan, to start the row parser with. */
  #headerLine: string | null = null;
  /** The CSV header, for the fast scan (null until read). */
  #columns: string[] | null = null;
  #stats: CsvColumnStats | null = null;
  #restBytes = Buffer.alloc(0);
  #file: { path: string; format: MetricsFormat } | null = null;
  #ino = -1;
  #offset = 0;
  #rest = '';
  #decoder = new StringDecoder('utf8');
  #parse: (line: string) => ParsedRow | null = () => null;
  #rows = 0;
  #skip = 0;
  #firstTimeMs: number | null = null;
  #last: Record<string, number> = {};
  #best: Record<string, number> = {};
  #series = new Map<string, MetricSeries>();

  constructor(runDir: string, options: MetricsTailerOptions = {}) {
    this.runDir = runDir;
    this.#keepSeries = options.keepSeries ?? false;
    this.#maxPoints = Math.max(16, options.maxPoints ?? 20_000);
    this.#collect = options.collectRows ?? true;
    this.#fast = !this.#keepSeries && !this.#collect;
  }

  /** The log being followed, or null while the run has none. */
  get file(): string | null {
    return this.#file?.path ?? null;
  }

  /** Every metric's last value. */
  get last(): Readonly<Record<string, number>> {
    return this.#last;
  }

  /** The best value of every metric whose name says which way it improves (`metricDirection`); others have none. */
  get best(): Readonly<Record<string, number>> {
    return this.#best;
  }

  /** Metric names in first-seen order. */
  get names(): string[] {
    return Object.keys(this.#last);
  }

  /** Whether the log carries times (JSONL does, CSV does not). */
  get hasTime(): boolean {
    return this.#firstTimeMs !== null;
  }

  /** A metric's series (with `keepSeries`), or undefined. */
  series(metric: string): MetricSeries | undefined {
    return this.#series.get(metric);
  }

  /** Reads what was appended since the last poll and returns its rows (none when the file did not grow). */
  poll(): MetricsRow[] {
    const file = this.#file ?? this.#find();
    if (file === null) return [];
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch {
      return [];
    }
    try {
      const { ino, size } = fstatSync(fd);
      if (ino !== this.#ino || size < this.#offset) this.#restart(ino);
      const rows: MetricsRow[] = [];
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, size - this.#offset)));
      while (this.#offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - this.#offset), this.#offset);
        if (read <= 0) break;
        this.#offset += read;
        if (this.#fast && file.format === 'csv') this.#scanBytes(buffer.subarray(0, read));
        else this.#lines(this.#decoder.write(buffer.subarray(0, read)), rows);
      }
      return this.#collect ? rows : [];
    } finally {
      closeSync(fd);
    }
  }

  /**
   * From now on `poll()` hands back the rows appended: an event stream reads
   * what is already there by the fast scan, then follows row by row.
   *
   * @example
   * const tailer = new MetricsTailer(runDir, { collectRows: false });
   * tailer.poll(); tailer.startCollecting(); tailer.poll(); // only rows appended since
   */
  startCollecting(): void {
    if (this.#collect) return;
    this.#collect = true;
    if (!this.#fast) return;
    this.#fast = false;
    this.#parse = rowParser(this.#file?.format ?? 'csv');
    if (this.#headerLine !== null) this.#parse(this.#headerLine);
    this.#rest = this.#restBytes.toString('utf8');
    this.#restBytes = Buffer.alloc(0);
    this.#decoder = new StringDecoder('utf8');
  }

  #find(): { path: string; format: MetricsFormat } | null {
    for (const [name, format] of [
      ['metrics.jsonl', 'jsonl'],
      ['metrics.csv', 'csv'],
    ] as const) {
      const path = join(this.runDir, name);
      try {
        if (statSync(path).isFile()) {
          this.#file = { path, format };
          this.#parse = rowParser(format);
          return this.#file;
        }
      } catch {
        // not this one
      }
    }
    return null;
  }

  /** A new file in the log's place: read it from the start, skipping the rows already taken in. */
  #restart(ino: number): void {
    this.#ino = ino;
    this.#offset = 0;
    this.#rest = '';
    this.#decoder = new StringDecoder('utf8');
    this.#parse = rowParser(this.#file!.format);
    this.#skip = this.#rows;
    this.#rows = 0;
    this.#columns = null;
    this.#headerLine = null;
    this.#stats = null;
    this.#restBytes = Buffer.alloc(0);
  }

  #lines(text: string, out: MetricsRow[]): void {
    let start = 0;
    const all = this.#rest + text;
    for (let end = all.indexOf('\n'); end >= 0; end = all.indexOf('\n', start)) {
      const line = all.charCodeAt(end - 1) === 13 ? all.slice(start, end - 1) : all.slice(start, end);
      start = end + 1;
      if (line === '') continue;
      const row = this.#parse(line);
      if (row === null) continue;
      this.#rows++;
      if (this.#skip > 0) {
        this.#skip--;
        continue;
      }
      out.push(this.#take(row));
    }
    this.#rest = all.slice(start);
  }

  /** The fast path: whole lines of the bytes (after any cut line kept from the last poll) into last and best. */
  #scanBytes(chunk: Buffer): void {
    let bytes = this.#restBytes.length === 0 ? chunk : Buffer.concat([this.#restBytes, chunk]);
    if (this.#stats === null) {
      const end = bytes.indexOf(10);
      if (end < 0) {
        this.#restBytes = Buffer.from(bytes);
        return;
      }
      this.#headerLine = bytes.toString('utf8', 0, end).replace(/\r$/, '');
      const columns = splitCsvLine(this.#headerLine);
      this.#stats = new CsvColumnStats(columns, columns.map(metricDirection));
      this.#columns = columns;
      bytes = bytes.subarray(end + 1);
    }
    const stats = this.#stats;
    const before = stats.rows;
    const cut = stats.scan(bytes, this.#skip);
    const taken = stats.rows - before;
    this.#rows += taken;
    this.#skip = Math.max(0, this.#skip - taken);
    // A copy: the read buffer is used again for the next chunk.
    this.#restBytes = Buffer.from(bytes.subarray(cut));
    const columns = this.#columns!;
    for (let c = 0; c < columns.length; c++) {
      if (stats.seen[c] === 0) continue;
      const name = columns[c];
      this.#last[name] = stats.last[c];
      if (improves(metricDirection(name), stats.best[c], this.#best[name])) this.#best[name] = stats.best[c];
    }
  }

  #take(row: ParsedRow): MetricsRow {
    if (row.timeMs !== undefined) this.#firstTimeMs ??= row.timeMs;
    const time = row.timeMs === undefined || this.#firstTimeMs === null ? undefined : (row.timeMs - this.#firstTimeMs) / 1000;
    for (const [name, value] of Object.entries(row.values)) {
      this.#last[name] = value;
      if (improves(metricDirection(name), value, this.#best[name])) this.#best[name] = value;
      if (this.#keepSeries) this.#push(name, row, time, value);
    }
    const out: MetricsRow = { values: row.values };
    if (row.step !== undefined) out.step = row.step;
    if (row.epoch !== undefined) out.epoch = row.epoch;
    if (time !== undefined) out.time = time;
    return out;
  }

  #push(name: string, row: ParsedRow, time: number | undefined, value: number): void {
    let s = this.#series.get(name);
    if (s === undefined) {
      s = { step: [], epoch: [], time: [], value: [], total: 0 };
      this.#series.set(name, s);
    }
    s.step.push(row.step ?? Number.NaN);
    s.epoch.push(row.epoch ?? Number.NaN);
    s.time.push(time ?? Number.NaN);
    s.value.push(value);
    s.total++;
    if (s.value.length > this.#maxPoints) this.#halve(s);
  }

  /** Keeps half the points, chosen by LTTB over (position, value) so spikes survive. */
  #halve(s: MetricSeries): void {
    const xs = s.value.map((_, i) => i);
    const keep = lttbIndices(xs, s.value, Math.floor(this.#maxPoints / 2));
    s.step = keep.map((i) => s.step[i]);
    s.epoch = keep.map((i) => s.epoch[i]);
    s.time = keep.map((i) => s.time[i]);
    s.value = keep.map((i) => s.value[i]);
  }
}
