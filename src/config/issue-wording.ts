/**
 * Words one zod issue as `expected <X>, but got <Y>`, the project's error
 * sentence, for every issue kind zod 4 reports (zod's own messages start
 * with "Invalid input:" or "Too small:" and would be glued to our "but got"
 * otherwise). Keys a schema does not know need the schema for their
 * did-you-mean, so `validateConfig` words those itself.
 *
 * @example
 * wordIssue(issue, { found: true, value: NaN }, 'data.batchSize'); // 'expected a finite number, but got NaN'
 */
import type { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.js';

/** The value found at an issue's path (`found: false` when the key is missing). */
export interface FoundValue {
  found: boolean;
  value: unknown;
}

const LONGEST_SHOWN = 80;

/**
 * `string "ten"`, `number 3`, `NaN`, `nothing`: how a received value reads in a message (long ones cut short).
 *
 * @example
 * describeValue(Infinity); // 'Infinity'
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `a list ${cut(listText(value))}`;
  if (typeof value === 'object') return `a mapping with keys ${cut(Object.keys(value).join(', ')) || '(none)'}`;
  if (typeof value === 'bigint') return `bigint ${value.toString()}`;
  if (typeof value === 'symbol') return value.toString();
  return `${typeof value} ${cut(JSON.stringify(value))}`;
}

/** A list as JSON; a YAML alias can make it contain itself, which JSON cannot write. */
function listText(list: unknown[]): string {
  try {
    return JSON.stringify(list);
  } catch {
    return `of ${plural(list.length, 'item')}`;
  }
}

function cut(text: string): string {
  return text.length <= LONGEST_SHOWN ? text : `${text.slice(0, LONGEST_SHOWN - 20)}… (${text.length} characters)`;
}

/** How a zod type name reads after "expected"; the primitive names stay as zod writes them. */
const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  int: 'an integer',
  nonoptional: 'a value',
  function: 'a function',
};

const plural = (n: number | bigint, word: string): string => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

function sizeBound(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const exact = issue.exact === true;
  if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
    const op = exact ? '' : `${small ? '>' : '<'}${issue.inclusive === false ? '' : '='}`;
    return `${issue.origin === 'number' ? 'number' : 'integer'} to be ${op}${limit}`;
  }
  const nouns: Record<string, [string, string]> = { string: ['a string', 'character'], array: ['a list', 'item'], set: ['a list', 'item'] };
  const noun = nouns[issue.origin];
  if (noun === undefined) return issue.message.replace(/^Too (small|big): expected /, '');
  const how = exact
    ? 'exactly'
    : small
      ? issue.inclusive === false
        ? 'more than'
        : 'at least'
      : issue.inclusive === false
        ? 'fewer than'
        : 'at most';
  return `${noun[0]} of ${how} ${plural(limit, noun[1])}`;
}

function formatBound(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const detail = issue as z.core.$ZodIssueInvalidStringFormat & { prefix?: string; suffix?: string; includes?: string };
  if (issue.format === 'regex') return `a string matching ${issue.pattern ?? 'its pattern'}`;
  if (issue.format === 'starts_with') return `a string starting with ${JSON.stringify(detail.prefix)}`;
  if (issue.format === 'ends_with') return `a string ending with ${JSON.stringify(detail.suffix)}`;
  if (issue.format === 'includes') return `a string containing ${JSON.stringify(detail.includes)}`;
  return `a valid ${issue.format}`;
}

/** What the union's branches wanted, when each failed on the value itself (`number or a list`); null otherwise. */
function unionBound(issue: z.core.$ZodIssueInvalidUnion): string | null {
  if (issue.errors.length === 0) return null;
  const wanted = issue.errors.map((branch) => (branch.length === 1 && branch[0].path.length === 0 ? expectation(branch[0]) : null));
  if (wanted.some((w) => w === null)) return discriminated(issue.errors) ?? `one of ${issue.errors.length} accepted forms`;
  return [...new Set(wanted)].join(' or ');
}

/** Branches that each refused one key's value (`name: x`, `name: y`): `a mapping whose \`name\` is one of x, y`. */
function discriminated(branches: readonly (readonly z.core.$ZodIssue[])[]): string | null {
  const picks = branches.map((branch) => branch.find((i) => i.code === 'invalid_value' && i.path.length === 1));
  const key = picks[0]?.path[0];
  if (key === undefined || picks.some((p) => p?.path[0] !== key)) return null;
  const values = picks.flatMap((p) => (p?.code === 'invalid_value' ? p.values.map(String) : []));
  return `a mapping whose \`${String(key)}\` is one of ${[...new Set(values)].join(', ')}`;
}

/** The `<X>` of "expected <X>" for an issue on the value itself; null where the value alone cannot say (a union that matched twice). */
function expectation(issue: z.core.$ZodIssue): string | null {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'too_small':
    case 'too_big':
      return sizeBound(issue);
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'invalid_format':
      return formatBound(issue);
    case 'invalid_value':
      return issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      return unionBound(issue);
    case 'invalid_key':
      return `a key that is ${issue.issues.map((i) => expectation(i) ?? 'valid').join(' and ')}`;
    case 'invalid_element':
      return `elements that are ${issue.issues.map((i) => expectation(i) ?? 'valid').join(' and ')}`;
    case 'unrecognized_keys':
      return 'only known keys';
    case 'custom':
      return issue.message.startsWith('expected ') ? issue.message.slice('expected '.length) : `a valid value (${issue.message})`;
  }
}

/**
 * One issue as `expected <X>, but got <Y>`, `got` being the value at the
 * issue's path and `key` its dotted path (for the hint to set a group's keys).
 *
 * @example
 * wordIssue(issue, { found: true, value: 'resnet18' }, 'model'); // 'expected a mapping, but got string "resnet18" (a config group cannot be chosen here: ...)'
 */
export function wordIssue(issue: z.core.$ZodIssue, got: FoundValue, key: string): string {
  const received = got.found ? describeValue(got.value) : 'nothing (the key is missing)';
  const { value } = got;
  // A schema's own message (`.int('expected an integer seed')`) says more than the generic wording.
  if (issue.code !== 'custom' && issue.message.startsWith('expected ')) return `${issue.message}, but got ${received}`;
  if (issue.code === 'invalid_type') {
    if (typeof value === 'number' && !Number.isFinite(value) && (issue.expected === 'number' || issue.expected === 'int')) {
      return `expected a finite number, but got ${received}`;
    }
    if ((issue.expected === 'object' || issue.expected === 'record') && typeof value === 'string') {
      const example = `${key === '' ? '' : `${key}.`}<key>=...`;
      return `expected a mapping, but got ${received} (a config group cannot be chosen here: only its keys can be set, e.g. \`${example}\`)`;
    }
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    return `expected ${expectation(issue)}${didYouMeanSuffix(value, issue.values.map(String))}, but got ${received}`;
  }
  if (issue.code === 'invalid_key') return `expected ${expectation(issue)}, but got the key \`${String(issue.path.at(-1))}\``;
  if (issue.code === 'invalid_union' && issue.errors.length === 0) {
    return `expected a value matching exactly one of the accepted forms, but got ${received}, which matches several`;
  }
  return `expected ${expectation(issue) ?? 'a valid value'}, but got ${received}`;
}
