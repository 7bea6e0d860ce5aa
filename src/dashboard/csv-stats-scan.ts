/**
 * The runs list's fast path over a `metrics.csv`: each column's last and
 * best value, scanned over the file's bytes without making a string or an
 * object per row. Plain decimals are read digit by digit; `m / 10^k` with
 * m < 2^53 and k <= 22 is exactly what `Number()` gives (both are exact
 * doubles and the division rounds once). Anything else (exponents, NaN,
 * long digit strings) goes through `Number()`.
 *
 * @example
 * const stats = new CsvColumnStats(['epoch', 'step', 'val/loss'], [null, null, 'min']);
 * stats.scan(Buffer.from('0,1,0.5\n0,2,0.25\n'), 0); // whole lines end at 17
 * stats.last[2]; // 0.25
 */
import { improves } from './metric-direction.js';
import type { MetricDirection } from './metric-direction.js';

const COMMA = 44;
const NEWLINE = 10;
const CR = 13;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const powers = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Last and best value of each column of a CSV log, taken in line by line. */
export class CsvColumnStats {
  readonly last: Float64Array;
  readonly best: Float64Array;
  /** 1 where the column had a value since `clearSeen()`. */
  readonly seen: Uint8Array;
  readonly #directions: readonly MetricDirection[];
  /** Columns before this one (epoch, step) are not metrics. */
  readonly #first: number;
  /** Rows taken in. */
  rows = 0;

  /** `directions`: each column's (null: no best kept, the column's best stays NaN). */
  constructor(columns: readonly string[], directions: readonly MetricDirection[]) {
    this.last = new Float64Array(columns.length).fill(Number.NaN);
    this.best = new Float64Array(columns.length).fill(Number.NaN);
    this.seen = new Uint8Array(columns.length);
    this.#directions = directions;
    this.#first = Math.max(columns.indexOf('epoch'), columns.indexOf('step')) + 1;
  }

  /**
   * Takes in every whole line of `bytes`, skipping the first `skip` of them;
   * returns the offset where the cut last line starts (bytes.length when none).
   */
  scan(bytes: Uint8Array, skip: number): number {
    // One pass over the bytes up to the last newline: a native call per line costs more than the parsing.
    const whole = bytes.lastIndexOf(NEWLINE) + 1;
    const columns = this.last.length;
    let skipping = skip;
    let lineStart = 0;
    let fieldStart = 0;
    let c = 0;
    for (let i = 0; i < whole; i++) {
      const byte = bytes[i];
      if (byte !== COMMA && byte !== NEWLINE) continue;
      let end = i;
      if (byte === NEWLINE && end > fieldStart && bytes[end - 1] === CR) end--;
      if (skipping === 0 && end > fieldStart && c >= this.#first && c < columns) this.#take(c, readNumber(bytes, fieldStart, end));
      fieldStart = i + 1;
      if (byte === COMMA) {
        c++;
        continue;
      }
      if (end > lineStart) {
        this.rows++;
        if (skipping > 0) skipping--;
      }
      c = 0;
      lineStart = i + 1;
    }
    return whole;
  }

  #take(c: number, value: number): void {
    if (Number.isNaN(value)) return;
    this.last[c] = value;
    this.seen[c] = 1;
    if (improves(this.#directions[c], value, this.best[c])) this.best[c] = value;
  }
}

/**
 * The number in `bytes[a, b)`, as `Number()` reads it.
 *
 * @example
 * readNumber(Buffer.from('-0.125'), 0, 6); // -0.125
 */
export function readNumber(bytes: Uint8Array, a: number, b: number): number {
  let i = a;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < b; i++) {
    const byte = bytes[i];
    if (byte >= ZERO && byte <= NINE) {
      mantissa = mantissa * 10 + (byte - ZERO);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (byte === DOT && fraction < 0) fraction = 0;
    else return Number(Buffer.from(bytes.buffer, bytes.byteOffset + a, b - a).toString('latin1'));
  }
  if (digits === 0 || digits > 15 || fraction > 22)
    return Number(Buffer.from(bytes.buffer, bytes.byteOffset + a, b - a).toString('latin1'));
  const value = fraction > 0 ? mantissa / powers[fraction] : mantissa;
  return negative ? -value : value;
}
