/**
 * Validates a resolved config against a zod 4 schema and reports every
 * problem at once as a ConfigError: each issue carries the dotted key, what
 * was expected and what was received, the file:line the value came from, and
 * a "did you mean" for misspelt keys and enum values. `???` values
 * (OmegaConf's mandatory-missing marker) are reported as missing.
 *
 * @example
 * try { validateConfig(config, schema, sources); } catch (e) { if (e instanceof ConfigError) console.error(formatConfigError(e)); }
 * // trainer.maxEpochs: expected number, but got string "ten" (conf/trainer/default.yaml:2)
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { wordIssue } from './issue-wording.js';
import { getKey, isConfigObject, joinKey } from './key-path.js';
import type { KeySegment } from './key-path.js';
import { findSource, formatSource } from './source-map.js';
import type { SourceMap } from './source-map.js';

export { describeValue } from './issue-wording.js';

type Issue = ConfigError['issues'][number];

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The object schema's keys at `path`, seen through optional/default/pipe/array wrappers; undefined when unknown. */
function knownKeys(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] | undefined {
  let node = schema;
  let i = 0;
  for (let guard = 0; node !== undefined && guard < 1000; guard++) {
    const def = defOf(node);
    const inner = def.innerType ?? def.in ?? (def.type === 'lazy' ? def.getter?.() : undefined);
    if (inner !== undefined) node = inner;
    else if (i === path.length) return def.type === 'object' ? Object.keys(def.shape ?? {}) : undefined;
    else if (def.type === 'object') node = def.shape?.[String(path[i++])];
    else if (def.type === 'array' || def.type === 'record') {
      node = def.type === 'array' ? def.element : def.valueType;
      i++;
    } else return undefined;
  }
  return undefined;
}

function mandatoryMissing(config: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown, path: KeySegment[]): void => {
    if (node === '???') out.push(joinKey(path));
    else if (Array.isArray(node)) node.forEach((v, i) => visit(v, [...path, i]));
    else if (isConfigObject(node)) for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
  };
  visit(config, []);
  return out;
}

function toIssues(issue: z.core.$ZodIssue, config: unknown, schema: z.ZodType, where: (key: string) => string | undefined): Issue[] {
  const segments = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const path = joinKey(segments);
  const got = getKey(config, segments);
  if (got.value === '???') return [];
  const at = (key: string, message: string): Issue => ({ path: key, message, location: where(key) });
  if (issue.code !== 'unrecognized_keys') return [at(path, wordIssue(issue, got, path))];
  const known = knownKeys(schema, issue.path) ?? [];
  return issue.keys.map((k) => {
    const key = joinKey([...segments, k]);
    const near = didYouMean(k, known);
    const hint =
      near !== undefined
        ? ` (did you mean \`${joinKey([...segments, near])}\`?)`
        : known.length > 0
          ? ` (known keys: ${known.join(', ')})`
          : '';
    return at(key, `expected a known key${path === '' ? '' : ` of \`${path}\``}${hint}, but got unknown key \`${k}\``);
  });
}

/**
 * Parses `config` with `schema` and returns zod's output (defaults filled in);
 * throws one ConfigError listing every issue, each with its dotted key and file:line.
 */
export function validateConfig<S extends z.ZodType>(config: unknown, schema: S, sources: SourceMap = new Map()): z.output<S> {
  const where = (key: string): string | undefined => formatSource(findSource(sources, key));
  const issues: Issue[] = mandatoryMissing(config).map((key) => ({
    path: key,
    message: `expected a value, but got ??? (mandatory, missing); set it with \`${key}=...\``,
    location: where(key),
  }));
  const result = schema.safeParse(config, { reportInput: true });
  if (!result.success) for (const issue of result.error.issues) issues.push(...toIssues(issue, config, schema, where));
  if (issues.length === 0 && result.success) return result.data;
  const error = new ConfigError(
    `config: expected a valid config, but got ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
    issues,
  );
  error.message += `:\n${formatConfigError(error)}`;
  throw error;
}

/** One line per issue: `dotted.key: message (file:line)`; the message alone for an error without issues. */
export function formatConfigError(error: ConfigError): string {
  if (error.issues.length === 0) return error.message;
  return error.issues
    .map((i) => {
      const key = i.path !== '' ? `${i.path}: ` : '';
      const location = i.location !== undefined && !i.message.includes(i.location) ? ` (${shortLocation(i.location)})` : '';
      return `${key}${i.message}${location}`;
    })
    .join('\n');
}

/** An override thousands of characters long (`+x=${${${...}}}`) is shown by its start: the line has to stay readable. */
function shortLocation(location: string): string {
  const m = /^override '([\s\S]*)'$/.exec(location);
  if (m === null || location.length <= 120) return location;
  return `override '${m[1].slice(0, 60)}…' (${m[1].length} characters)`;
}
