/**
 * Resolving a file path asked for over HTTP inside one folder, or nothing:
 * the path is decoded once, and a NUL byte, a backslash, an absolute path, a
 * `..` or `.` segment, or a real path (symbolic links followed) outside the
 * folder all answer null, which the server turns into a 404. The folder's
 * own real path is the fence, so a run dir reached through a link still
 * serves its own files.
 *
 * @example
 * confinedFile('/abs/outputs/r1', 'plots/confusion_matrix.png'); // '/abs/outputs/r1/plots/confusion_matrix.png'
 * confinedFile('/abs/outputs/r1', '..%2f..%2fetc%2fpasswd'); // null
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const inside = (root: string, candidate: string): boolean => {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

/**
 * The real path of the regular file `encoded` names inside `dir`, or null.
 *
 * @example
 * confinedFile(runDir, 'metrics.csv');
 */
export function confinedFile(dir: string, encoded: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  if (relative === '' || /[\0\\]/.test(relative) || path.isAbsolute(relative)) return null;
  if (relative.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) return null;
  try {
    const root = realpathSync(dir);
    const real = realpathSync(path.join(root, relative));
    return inside(root, real) && statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

const types: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The content type of a file by its extension (`application/octet-stream` when unknown).
 *
 * @example
 * contentTypeOf('a/b.png'); // 'image/png'
 */
export function contentTypeOf(file: string): string {
  return types[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
