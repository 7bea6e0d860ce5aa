/**
 * Where each value of a composed config came from: a YAML file and line, or
 * a command-line override. Kept per dotted key so that every error can point
 * at the line to fix.
 *
 * @example
 * formatSource({ file: 'conf/trainer/default.yaml', line: 3 }); // 'conf/trainer/default.yaml:3'
 * formatSource({ file: "override 'trainer.maxEpochs=3'" }); // "override 'trainer.maxEpochs=3'"
 */
import { isUnderKey } from './key-path.js';

/** The origin of one value: `file` is a path, or `override '<text>'` for the command line. */
export interface ConfigSource {
  file: string;
  /** 1-based line in `file`; absent for command-line values. */
  line?: number;
}

/** Origins by dotted key. */
export type SourceMap = Map<string, ConfigSource>;

/** `file:line`, or just `file` when there is no line. */
export function formatSource(source: ConfigSource | undefined): string | undefined {
  if (source === undefined) return undefined;
  return source.line === undefined ? source.file : `${source.file}:${source.line}`;
}

/** The source of `key`, or of its nearest ancestor that has one. */
export function findSource(sources: SourceMap, key: string): ConfigSource | undefined {
  let k = key;
  for (;;) {
    const hit = sources.get(k);
    if (hit !== undefined || k === '') return hit;
    const cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
    k = cut < 0 ? '' : k.slice(0, cut);
  }
}

/** Drops every source at or below `prefix`. */
export function dropSources(sources: SourceMap, prefix: string): void {
  for (const key of [...sources.keys()]) if (isUnderKey(key, prefix)) sources.delete(key);
}

/** Copies the sources of `from` at or below `relative` into `into`, moved from `relative` to `prefix`. */
export function copySources(into: SourceMap, from: SourceMap, prefix: string, relative = ''): void {
  for (const [key, source] of from) {
    if (!isUnderKey(key, relative)) continue;
    const suffix = relative === '' ? (key === '' || key.startsWith('[') ? key : `.${key}`) : key.slice(relative.length);
    into.set(prefix === '' ? suffix.replace(/^\./, '') : prefix + suffix, source);
  }
}
