/**
 * The one way a failed zod validation becomes a ConfigError: every issue at
 * once, each under the dotted key it concerns (`optimizer.lr`,
 * `trainer.seed`), in one sentence `<component>: expected valid options, but
 * got <key>: <problem>; ...`. The config system adds file:line to these
 * issues; library constructors throw them as they are.
 *
 * @example
 * const parsed = schema.safeParse(input);
 * if (!parsed.success) throw configErrorFromZod(parsed.error, { component: 'ClassificationModule', input });
 */
import type { z } from 'zod';
import { ConfigError } from './errors.js';

type Issue = { path: string; message: string };

/** How the issues are named and worded. */
export interface ZodErrorOptions {
  /** Who validated: the start of the message ('ClassificationModule', 'registry'). */
  component: string;
  /** What was expected (default 'valid options'). */
  expected?: string;
  /** Keys above the validated object (`['optimizer']`, `['trainer']`). */
  prefix?: readonly string[];
  /** The validated input: each message then ends with the value it received. */
  input?: unknown;
  /**
   * 'each' (default): one issue per unknown key, at that key; 'object': one
   * issue for them all at the object holding them (zod's own wording).
   */
  unknownKeys?: 'each' | 'object';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** zod's issues under dotted keys. @example zodIssues(error, { component: 'data' }); // [{ path: 'batchSize', message: '...' }] */
export function zodIssues(error: z.ZodError, options: ZodErrorOptions): Issue[] {
  const prefix = options.prefix ?? [];
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys' && options.unknownKeys !== 'object') {
      return i.keys.map((k) => ({ path: [...path, k].join('.'), message: 'unknown option' }));
    }
    if (!('input' in options)) return [{ path: path.join('.'), message: i.message }];
    const received = valueAt(options.input, i.path);
    return [{ path: path.join('.'), message: `${i.message}, but got ${JSON.stringify(received) ?? String(received)}` }];
  });
}

/**
 * A ConfigError listing every issue of `error` with its dotted key; `extra`
 * issues found beside zod's (a cross-field check) are listed with them.
 *
 * @example
 * throw configErrorFromZod(parsed.error, { component: 'registry', prefix: ['loss', 'focal'] });
 */
export function configErrorFromZod(error: z.ZodError | null, options: ZodErrorOptions, extra: readonly Issue[] = []): ConfigError {
  const issues = [...(error === null ? [] : zodIssues(error, options)), ...extra];
  const listed = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  return new ConfigError(`${options.component}: expected ${options.expected ?? 'valid options'}, but got ${listed}`, issues);
}
