/**
 * The server's JSON API as the page calls it (src/dashboard/api-types.ts
 * is the contract). Ids are opaque and URL-encoded; file paths are encoded
 * segment by segment so `/` stays a separator.
 *
 * @example
 * const { runs } = await getJson('/api/runs');
 */
/* global fetch */

/** GETs `path` and parses its JSON; a non-2xx answer throws with the status. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${response.statusText}`);
  return response.json();
}

/** GETs `path` as text. */
export async function getText(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${response.statusText}`);
  return response.text();
}

/** The API path of one run: `/api/runs/<id>` plus `rest`. */
export function runPath(id, rest = '') {
  return `/api/runs/${encodeURIComponent(id)}${rest}`;
}

/** The URL of a file inside a run dir. */
export function fileUrl(id, relative) {
  return runPath(id, `/file/${relative.split('/').map(encodeURIComponent).join('/')}`);
}
