/**
 * Reads one YAML config file with `yaml`'s `parseDocument` and `LineCounter`,
 * keeping the file:line of every key so errors can point at it. A leading
 * `# @package <pkg>` comment (Hydra's package directive) is returned too.
 *
 * @example
 * const { value, sources } = loadYamlFile('conf/trainer/default.yaml');
 * sources.get('maxEpochs'); // { file: 'conf/trainer/default.yaml', line: 2 }
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { joinKey } from './key-path.js';
import type { KeySegment } from './key-path.js';
import type { SourceMap } from './source-map.js';

/** A parsed config file. */
export interface LoadedYaml {
  /** The file's contents as plain data (null for an empty file). */
  value: unknown;
  /** file:line per dotted key, relative to the file's root. */
  sources: SourceMap;
  /** The `# @package` directive of the file's header, if any. */
  packageDirective?: string;
}

/** Reads and parses `file`; a syntax error is a ConfigError naming file:line. */
export function loadYamlFile(file: string): LoadedYaml {
  return loadYamlText(readFileSync(file, 'utf8'), file);
}

/** Aliases a file may expand (yaml's own guard against "billion laughs"); config files use a handful. */
const MAX_ALIAS_COUNT = 100;

/** yaml's message for a parser that ran out of stack, and how a user reads it. */
const STACK_OVERFLOW = /^Maximum call stack size exceeded/;
const TOO_DEEP = 'nesting too deep to parse';

/** Parses YAML `text` as if read from `file`. */
export function loadYamlText(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const line = e.linePos?.[0].line;
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return {
        path: '',
        message: STACK_OVERFLOW.test(message) ? TOO_DEEP : message,
        location: line === undefined ? file : `${file}:${line}`,
      };
    });
    throw new ConfigError(`config: expected valid YAML in ${file}, but got: ${issues[0].message} (${issues[0].location})`, issues);
  }
  const sources: SourceMap = new Map();
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const visit = (node: Node | null, path: KeySegment[], line: number | undefined): void => {
    if (path.length > 0 && line !== undefined) sources.set(joinKey(path), { file, line });
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value as Node | null, [...path, key], lineOf(pair.key as Node) ?? lineOf(pair.value as Node));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item as Node, [...path, i], lineOf(item as Node)));
    }
  };
  visit(doc.contents, [], undefined);
  const packageDirective = readPackageDirective(text);
  return { value: toPlainData(doc, file, sources), sources, ...(packageDirective === undefined ? {} : { packageDirective }) };
}

function toPlainData(doc: Document, file: string, sources: SourceMap): unknown {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a bare ReferenceError for an alias bomb; nothing else is expected here, but any failure is this file's.
    const reason = error instanceof Error ? error.message : String(error);
    const got = /alias count/i.test(reason) ? `more than ${MAX_ALIAS_COUNT} alias expansions (an alias bomb?)` : reason;
    const message = `config: expected valid YAML in ${file}, but got ${got}`;
    throw new ConfigError(message, [{ path: '', message, location: file }], { cause: error });
  }
  const loop = selfContaining(value, [], new Set());
  if (loop !== undefined) {
    // Every later step (merging, interpolation, validation) walks the tree and would recurse forever.
    const key = joinKey(loop);
    const line = sources.get(key)?.line;
    const message = `config: expected YAML whose aliases do not contain themselves in ${file}, but got one at \`${key}\``;
    const issue = 'expected an alias that does not contain itself, but got one that does';
    throw new ConfigError(message, [{ path: key, message: issue, location: line === undefined ? file : `${file}:${line}` }]);
  }
  return value;
}

/** The path of the first node inside itself (`x: &a [1, *a]`), if any. */
function selfContaining(value: unknown, path: KeySegment[], ancestors: Set<object>): KeySegment[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (ancestors.has(value)) return path;
  ancestors.add(value);
  const entries: [KeySegment, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const found = selfContaining(child, [...path, key], ancestors);
    if (found !== undefined) return found;
  }
  ancestors.delete(value);
  return undefined;
}

function readPackageDirective(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('#')) return undefined;
    const m = /^#\s*@package\s+(\S+)/.exec(trimmed);
    if (m !== null) return m[1];
  }
  return undefined;
}
