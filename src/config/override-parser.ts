/**
 * Hydra's command-line override grammar: `key=value`, `+key=value` (add),
 * `++key=value` (add or replace), `~key` / `~key=value` (delete); values are
 * unquoted primitives typed as YAML 1.2 core types them, quoted strings,
 * lists `[a,b]`, dicts `{a:1,b:[x]}`, and sweeps (`a,b`, `range(1,4)`,
 * `choice(a,b)`) for multirun. Interpolations `${...}` stay as text for the
 * resolver.
 *
 * @example
 * parseOverride('+trainer.tags=[a,b]'); // { type: 'add', key: 'trainer.tags', value: ['a', 'b'], ... }
 * parseOverride('optimizer.lr=1e-3').value; // 0.001
 */
import { isScalar, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

/** What an override does to its key. */
export type OverrideType = 'change' | 'add' | 'forceAdd' | 'delete';

/** One parsed command-line override. */
export interface Override {
  /** The override as typed. */
  text: string;
  type: OverrideType;
  /** Dotted key (`trainer.maxEpochs`) or group path (`model`, `model/head`). */
  key: string;
  /** The typed value; undefined for `~key` without a value and for sweeps. */
  value?: unknown;
  /** The value's text as typed, trimmed (a group's option name). */
  valueText?: string;
  /** The values of a sweep (`a,b`, `range(...)`, `choice(...)`), for multirun; written out when first read. */
  sweep?: unknown[];
  /** Each sweep value as typed (`'a b'`, `[1,2]`; a range's numbers written out), so `key=<text>` sets exactly that value. */
  sweepTexts?: string[];
  /** The same sweep read one value at a time: a `range(...)` of 10^8 numbers is never written out. */
  sweepValues?: SweepValues;
}

/**
 * A sweep's values by index, without an array of them.
 *
 * @example
 * const values = parseOverride('seed=range(0,100000000)').sweepValues!;
 * [values.length, values.text(7)]; // [100000000, '7']
 */
export interface SweepValues {
  readonly length: number;
  /** The k-th value, typed. */
  value(k: number): unknown;
  /** The k-th value as typed on the command line (a range's number written out). */
  text(k: number): string;
}

const KEY = /^[A-Za-z_$][\w$-]*(?:[./][A-Za-z0-9_$-]+|\[\d+\])*/;

/** Lists and dicts nest at most this deep in one value, and a key has at most this many parts: every step after parsing recurses per level, and no config needs more. */
export const MAX_OVERRIDE_NESTING = 100;

/** The override as messages show it: a pathological one (thousands of brackets) is cut short. */
function shown(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 60)}… (${text.length} characters)`;
}
const STOP = new Set([',', '[', ']', '{', '}', '(', ')', "'", '"', '=']);

/** A list of values as typed: `a,b` and `choice(a,b)`. */
class Sweep implements SweepValues {
  constructor(
    readonly values: unknown[],
    readonly texts: string[],
  ) {}
  get length(): number {
    return this.values.length;
  }
  value(k: number): unknown {
    return this.values[k];
  }
  text(k: number): string {
    return this.texts[k];
  }
}

/** `range(start, stop, step)`: Python's range, with float steps too; its length is computed, never counted out. */
class RangeSweep implements SweepValues {
  readonly length: number;
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {
    const inside = (k: number) => (step > 0 ? this.value(k) < stop : this.value(k) > stop);
    let n = Math.max(0, Math.ceil((stop - start) / step));
    if (Number.isNaN(n)) n = 0;
    // Float rounding can put the estimate one off the values the loop `start + k * step` gives.
    while (n > 0 && Number.isFinite(n) && !inside(n - 1)) n--;
    while (Number.isFinite(n) && inside(n)) n++;
    this.length = n;
  }
  value(k: number): number {
    return this.start + k * this.step;
  }
  text(k: number): string {
    return String(this.value(k));
  }
}

class Parser {
  i = 0;
  depth = 0;
  constructor(
    readonly text: string,
    readonly s: string,
    readonly offset: number,
  ) {}

  fail(expected: string, back = 0, found?: string): never {
    this.i += back;
    const got = found ?? (this.i >= this.s.length ? 'the end' : `'${this.s[this.i]}'`);
    const text = shown(this.text);
    throw new ConfigError(`override '${text}': expected ${expected} at column ${this.offset + this.i + 1}, but got ${got}`, [
      { path: '', message: `expected ${expected}, but got ${got}`, location: `override '${text}'` },
    ]);
  }

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  peek(): string | undefined {
    return this.s[this.i];
  }

  top(): { value?: unknown; sweepValues?: SweepValues } {
    this.ws();
    if (this.i >= this.s.length) return { value: '' };
    const [first, firstText] = this.typed(true);
    this.ws();
    if (this.peek() !== ',') {
      if (this.i < this.s.length) this.fail('the end of the value (quote it if it holds special characters)');
      return first instanceof Sweep || first instanceof RangeSweep ? { sweepValues: first } : { value: first };
    }
    if (first instanceof Sweep || first instanceof RangeSweep) this.fail('a single sweep');
    const values = [first];
    const texts = [firstText];
    while (this.peek() === ',') {
      this.i++;
      const [value, text] = this.typed(false);
      values.push(value);
      texts.push(text);
      this.ws();
    }
    if (this.i < this.s.length) this.fail("',' or the end of the sweep");
    return { sweepValues: new Sweep(values, texts) };
  }

  /** An element and its text as typed (trimmed). */
  typed(allowSweep: boolean): [unknown, string] {
    this.ws();
    const start = this.i;
    const value = this.element(allowSweep);
    return [value, this.s.slice(start, this.i).trim()];
  }

  element(allowSweep: boolean): unknown {
    this.ws();
    const c = this.peek();
    let value: unknown;
    if ((c === '[' || c === '{') && this.depth === MAX_OVERRIDE_NESTING) {
      this.fail(`at most ${MAX_OVERRIDE_NESTING} nested lists and dicts`);
    }
    if (c === '[') value = this.nested(() => this.list());
    else if (c === '{') value = this.nested(() => this.dict());
    else if (c === "'" || c === '"') value = this.quoted(c);
    else if (/^[A-Za-z_]\w*\(/.test(this.s.slice(this.i))) value = this.call(allowSweep);
    else value = this.primitive();
    this.ws();
    return value;
  }

  nested<T>(parse: () => T): T {
    this.depth++;
    const value = parse();
    this.depth--;
    return value;
  }

  list(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.peek() === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.element(false));
      const c = this.peek();
      this.i++;
      if (c === ']') return out;
      if (c !== ',') this.fail("',' or ']' in the list", -1);
    }
  }

  dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.peek() === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      const m = /^[^:,{}[\]'"\s]+/.exec(this.s.slice(this.i));
      if (m === null) this.fail('a dict key');
      this.i += m[0].length;
      this.ws();
      if (this.peek() !== ':') this.fail(`':' after dict key '${m[0]}'`);
      this.i++;
      out[m[0]] = this.element(false);
      const c = this.peek();
      this.i++;
      if (c === '}') return out;
      if (c !== ',') this.fail("',' or '}' in the dict", -1);
    }
  }

  quoted(q: string): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\' && (this.s[this.i + 1] === q || this.s[this.i + 1] === '\\')) {
        out += this.s[this.i + 1];
        this.i += 2;
      } else if (c === q) {
        this.i++;
        return out;
      } else {
        out += c;
        this.i++;
      }
    }
    return this.fail(`a closing ${q}`);
  }

  call(allowSweep: boolean): Sweep | RangeSweep {
    const name = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))![0];
    if (name !== 'range' && name !== 'choice') this.fail('a value (the functions are range(...) and choice(...); quote a literal)');
    if (!allowSweep) this.fail('a plain value (a sweep only stands alone)');
    this.i += name.length + 1;
    const args: unknown[] = [];
    const texts: string[] = [];
    this.ws();
    while (this.peek() !== ')') {
      const [arg, text] = this.typed(false);
      args.push(arg);
      texts.push(text);
      if (this.peek() === ',') this.i++;
      else if (this.peek() !== ')') this.fail(`',' or ')' in ${name}(...)`);
    }
    this.i++;
    if (name === 'choice') return new Sweep(args, texts);
    if (args.length < 1 || args.length > 3 || !args.every((a) => typeof a === 'number')) {
      this.fail('range(stop), range(start, stop) or range(start, stop, step) with numbers', -1);
    }
    const [start, stop, step] = args.length === 1 ? [0, args[0], 1] : [args[0], args[1], args[2] ?? 1];
    if (step === 0) this.fail('a step other than 0 in range(...)', -1);
    const range = new RangeSweep(start, stop, step);
    if (!Number.isSafeInteger(range.length)) this.fail(`a range of at most ${Number.MAX_SAFE_INTEGER} values`, -1);
    return range;
  }

  primitive(): unknown {
    let out = '';
    let escaped = false;
    let interpolated = false;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
        escaped = true;
      } else if (c === '$' && this.s[this.i + 1] === '{') {
        const end = closingBrace(this.s, this.i + 1);
        if (end < 0) this.fail("'}' closing the interpolation");
        out += this.s.slice(this.i, end + 1);
        this.i = end + 1;
        interpolated = true;
      } else if (STOP.has(c)) {
        break;
      } else {
        out += c;
        this.i++;
      }
    }
    const trimmed = out.trim();
    if (trimmed === '' && !escaped) this.fail('a value');
    return escaped || interpolated ? trimmed : typeScalar(trimmed);
  }
}

function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let k = open; k < s.length; k++) {
    if (s[k] === '{') depth++;
    else if (s[k] === '}' && --depth === 0) return k;
  }
  return -1;
}

/** Types an unquoted scalar the way YAML 1.2's core schema does (`1e-3`, `true`, `null`); anything else stays a string. */
export function typeScalar(text: string): unknown {
  if (text === '') return '';
  const doc = parseDocument(text);
  if (doc.errors.length === 0 && isScalar(doc.contents) && doc.contents.type === 'PLAIN' && doc.contents.tag === undefined) {
    return doc.contents.toJSON() as unknown;
  }
  return text;
}

/** Parses one override; a malformed one is a ConfigError naming the column. */
export function parseOverride(text: string): Override {
  const prefix = /^(\+\+|\+|~)?/.exec(text)![0];
  const type: OverrideType = prefix === '++' ? 'forceAdd' : prefix === '+' ? 'add' : prefix === '~' ? 'delete' : 'change';
  const rest = text.slice(prefix.length);
  const head = new Parser(text, rest, prefix.length);
  const key = KEY.exec(rest)?.[0] ?? head.fail('a key (`key=value`, `+key=value`, `++key=value` or `~key`)');
  const parts = key.split(/[./[]/).length;
  if (parts > MAX_OVERRIDE_NESTING) head.fail(`a key of at most ${MAX_OVERRIDE_NESTING} parts`, 0, String(parts));
  head.i = key.length;
  if (head.i === rest.length) {
    if (type === 'delete') return { text, type, key };
    head.fail(`'=' and a value after '${key}' (or \`~${key}\` to delete it)`);
  }
  if (rest[head.i] !== '=') head.fail(`'=' after the key '${key}'`);
  const valueText = rest.slice(key.length + 1);
  const { sweepValues, ...parsed } = new Parser(text, valueText, prefix.length + key.length + 1).top();
  const override: Override = { text, type, key, ...parsed, valueText: valueText.trim() };
  return sweepValues === undefined ? override : withSweep(override, sweepValues);
}

/** `sweep` and `sweepTexts` as arrays, written out only when read (a multirun reads `sweepValues`). */
function withSweep(override: Override, values: SweepValues): Override {
  let all: unknown[] | undefined;
  let texts: string[] | undefined;
  const indices = (): number[] => Array.from({ length: values.length }, (_, k) => k);
  return Object.defineProperties(override, {
    sweepValues: { value: values, enumerable: true },
    sweep: { get: () => (all ??= indices().map((k) => values.value(k))), enumerable: true },
    sweepTexts: { get: () => (texts ??= indices().map((k) => values.text(k))), enumerable: true },
  });
}
