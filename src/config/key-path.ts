/**
 * Dotted keys, the way OmegaConf spells them: `model.stem`, `data.mean[0]`.
 * Config trees are plain JSON-like objects; these helpers read and write
 * them by path without caring whether a step is a mapping or a list.
 *
 * @example
 * splitKey('data.mean[0]'); // ['data', 'mean', 0]
 * joinKey(['data', 'mean', 0]); // 'data.mean[0]'
 */

/** One step of a path: a mapping key or a list index. */
export type KeySegment = string | number;

/** A plain mapping (not a list, not null). */
export type ConfigObject = Record<string, unknown>;

/** True for plain mappings (objects that are not arrays or null). */
export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Joins segments into a dotted key; list indices are written `[i]`. */
export function joinKey(segments: readonly KeySegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** Splits a dotted key (`a.b[0].c`, or `a.b.0.c`) into segments; `''` is the root. */
export function splitKey(key: string): KeySegment[] {
  const out: KeySegment[] = [];
  for (const part of key.split('.')) {
    if (part === '' && key === '') return [];
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** True when `key` is `prefix` or lies below it. */
export function isUnderKey(key: string, prefix: string): boolean {
  if (prefix === '') return true;
  return key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`);
}

function step(node: unknown, segment: KeySegment): { found: boolean; value: unknown } {
  if (Array.isArray(node)) {
    const i = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
    return i >= 0 && i < node.length ? { found: true, value: node[i] } : { found: false, value: undefined };
  }
  if (isConfigObject(node) && Object.hasOwn(node, String(segment))) return { found: true, value: node[String(segment)] };
  return { found: false, value: undefined };
}

/** The value at `segments`, or `{ found: false }`. */
export function getKey(root: unknown, segments: readonly KeySegment[]): { found: boolean; value: unknown } {
  let node = root;
  for (const s of segments) {
    const next = step(node, s);
    if (!next.found) return next;
    node = next.value;
  }
  return { found: true, value: node };
}

/** Sets the value at `segments`, creating mappings on the way. */
export function setKey(root: ConfigObject, segments: readonly KeySegment[], value: unknown): void {
  let node: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i];
    const next = step(node, s);
    if (next.found && typeof next.value === 'object' && next.value !== null) {
      node = next.value;
      continue;
    }
    const fresh: ConfigObject = {};
    assign(node, s, fresh);
    node = fresh;
  }
  assign(node, segments[segments.length - 1], value);
}

function assign(node: unknown, segment: KeySegment, value: unknown): void {
  if (Array.isArray(node)) node[Number(segment)] = value;
  else (node as ConfigObject)[String(segment)] = value;
}

/** Removes the value at `segments`; returns whether it was there. */
export function deleteKey(root: unknown, segments: readonly KeySegment[]): boolean {
  const parent = getKey(root, segments.slice(0, -1));
  const last = segments[segments.length - 1];
  if (!parent.found || !step(parent.value, last).found) return false;
  if (Array.isArray(parent.value)) parent.value.splice(Number(last), 1);
  else delete (parent.value as ConfigObject)[String(last)];
  return true;
}

/** Every key in the tree (mappings, lists and leaves), depth first. */
export function listKeys(root: unknown, prefix: readonly KeySegment[] = []): string[] {
  const out: string[] = [];
  const visit = (node: unknown, path: KeySegment[]): void => {
    if (path.length > 0) out.push(joinKey(path));
    if (Array.isArray(node)) node.forEach((v, i) => visit(v, [...path, i]));
    else if (isConfigObject(node)) for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
  };
  visit(root, [...prefix]);
  return out;
}
