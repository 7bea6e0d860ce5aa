/**
 * OmegaConf-style interpolation over a composed config: `${path.to.key}`,
 * relative `${.sibling}` / `${..parent_key}`, `${env:VAR,default}` (also
 * `oc.env`), `${now:YYYY-MM-DD}`, and interpolations inside larger strings.
 * A value that is exactly one interpolation keeps the referenced value's type;
 * `\${` is a literal `${`. Cycles and missing keys are ConfigErrors naming
 * the chain, or the key and the file:line that referenced it.
 *
 * @example
 * resolveInterpolations({ data: { size: 28 }, model: { inputSize: '${data.size}' } }).model.inputSize; // 28
 */
import { ConfigError } from '../errors.js';
import { didYouMeanSuffix } from './did-you-mean.js';
import { formatDate } from './format-date.js';
import { getKey, isConfigObject, joinKey, listKeys, setKey, splitKey } from './key-path.js';
import type { ConfigObject, KeySegment } from './key-path.js';
import { findSource, formatSource } from './source-map.js';
import type { SourceMap } from './source-map.js';

/** Context for resolving: where values came from (for messages), the environment and the clock. */
export interface ResolveOptions {
  sources?: SourceMap;
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** The time every `${now:...}` formats; defaults to one `new Date()` per call. */
  now?: Date;
  /**
   * Leave `${env:...}` as written (Hydra saves configs so): the form that goes
   * into files, so secrets passed through the environment never land there.
   */
  keepEnv?: boolean;
}

type Part = { text: string } | { body: string };

/** Splits a string into literal text and `${...}` bodies (braces balanced, so bodies may nest). */
function splitInterpolations(s: string, fail: (message: string) => never): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s.startsWith('${', i + 1)) {
      text += '${';
      i += 2;
    } else if (s.startsWith('${', i)) {
      let depth = 0;
      let end = i + 1;
      for (; end < s.length; end++) {
        if (s[end] === '{') depth++;
        else if (s[end] === '}' && --depth === 0) break;
      }
      if (end >= s.length) fail(`interpolation: expected '}' to close '\${' in '${s}', but got the end`);
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ body: s.slice(i + 2, end) });
      i = end;
    } else text += s[i];
  }
  if (text !== '') parts.push({ text });
  return parts;
}

const hasInterpolation = (value: unknown): value is string => typeof value === 'string' && value.includes('${');

/** Returns a copy of `config` with every interpolation resolved. */
export function resolveInterpolations<T>(config: T, options: ResolveOptions = {}): T {
  const root = structuredClone(config) as unknown as ConfigObject;
  new Resolver(root, options).tree([]);
  return root as unknown as T;
}

class Resolver {
  readonly done = new Set<string>();
  readonly stack: string[] = [];
  readonly now: Date;
  readonly env: Record<string, string | undefined>;

  constructor(
    readonly root: ConfigObject,
    readonly options: ResolveOptions,
  ) {
    this.now = options.now ?? new Date();
    this.env = options.env ?? process.env;
  }

  where(key: string): string {
    const at = formatSource(findSource(this.options.sources ?? new Map(), key));
    return at === undefined ? `\`${key}\`` : `\`${key}\` at ${at}`;
  }

  fail(message: string, key: string): never {
    throw new ConfigError(message, [{ path: key, message, location: formatSource(findSource(this.options.sources ?? new Map(), key)) }]);
  }

  /** Resolves every value at and below `path`. */
  tree(path: KeySegment[]): void {
    const node = this.leaf(path);
    if (Array.isArray(node)) node.forEach((_, i) => this.tree([...path, i]));
    else if (isConfigObject(node)) for (const k of Object.keys(node)) this.tree([...path, k]);
  }

  /** Resolves the value at `path` itself (not its children) and returns it. */
  leaf(path: KeySegment[]): unknown {
    const key = joinKey(path);
    const value = getKey(this.root, path).value;
    if (this.done.has(key) || !hasInterpolation(value)) return value;
    const at = this.stack.indexOf(key);
    if (at >= 0) this.fail(`interpolation: expected no cycle, but got ${[...this.stack.slice(at), key].join(' -> ')}`, key);
    this.stack.push(key);
    const resolved = this.evaluate(value, path);
    this.stack.pop();
    setKey(this.root, path, resolved);
    this.done.add(key);
    return resolved;
  }

  evaluate(s: string, owner: KeySegment[]): unknown {
    const parts = splitInterpolations(s, (message) => this.fail(message, joinKey(owner)));
    if (parts.length === 1 && 'body' in parts[0]) return this.interpolation(parts[0].body, owner);
    return parts.map((p) => ('text' in p ? p.text : stringify(this.interpolation(p.body, owner)))).join('');
  }

  interpolation(rawBody: string, owner: KeySegment[]): unknown {
    const body = hasInterpolation(rawBody) ? stringify(this.evaluate(rawBody, owner)) : rawBody;
    const resolver = /^([A-Za-z_][\w.]*):([\s\S]*)$/.exec(body);
    if (resolver !== null) return this.call(resolver[1], resolver[2], owner);
    return this.reference(body.trim(), owner);
  }

  call(name: string, arg: string, owner: KeySegment[]): unknown {
    if (name === 'now') return formatDate(this.now, arg);
    if (name === 'env' || name === 'oc.env') {
      if (this.options.keepEnv === true) return `\${${name}:${arg}}`;
      const comma = arg.indexOf(',');
      const variable = (comma < 0 ? arg : arg.slice(0, comma)).trim();
      const value = this.env[variable];
      if (value !== undefined) return value;
      if (comma < 0) {
        this.fail(
          `interpolation: expected environment variable ${variable} to be set (or a default: \`\${env:${variable},default}\`), but got nothing; referenced by ${this.where(joinKey(owner))}`,
          joinKey(owner),
        );
      }
      const fallback = arg.slice(comma + 1).trim();
      return fallback === 'null' ? null : fallback.replace(/^(['"])(.*)\1$/s, '$2');
    }
    return this.fail(
      `interpolation: expected a resolver among env, oc.env, now, but got '${name}' in ${this.where(joinKey(owner))}`,
      joinKey(owner),
    );
  }

  reference(body: string, owner: KeySegment[]): unknown {
    const dots = /^\.*/.exec(body)![0].length;
    if (dots > owner.length)
      this.fail(
        `interpolation: expected at most ${owner.length} leading dots, but got '\${${body}}' in ${this.where(joinKey(owner))}`,
        joinKey(owner),
      );
    const base = dots === 0 ? [] : owner.slice(0, owner.length - dots);
    const rest = body.slice(dots);
    const target = [...base, ...(rest === '' ? [] : splitKey(rest))];
    const key = joinKey(target);
    let node: unknown = this.root;
    for (let i = 0; i < target.length; i++) {
      const next = getKey(node, [target[i]]);
      if (!next.found) {
        this.fail(
          `interpolation: expected key \`${key}\`${didYouMeanSuffix(key, listKeys(this.root))} to exist, but got nothing; referenced by ${this.where(joinKey(owner))}`,
          joinKey(owner),
        );
      }
      node = this.leaf(target.slice(0, i + 1));
    }
    if (node === '???')
      this.fail(
        `interpolation: expected \`${key}\` to have a value, but got ??? (mandatory, missing); referenced by ${this.where(joinKey(owner))}`,
        joinKey(owner),
      );
    if (typeof node === 'object' && node !== null) {
      const inside = this.stack.find((k) => key === '' || k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}[`));
      if (inside !== undefined)
        this.fail(
          `interpolation: expected no cycle, but got ${[...this.stack.slice(this.stack.indexOf(inside)), key].join(' -> ')}`,
          joinKey(owner),
        );
      this.tree(target);
      return structuredClone(getKey(this.root, target).value);
    }
    return node;
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
