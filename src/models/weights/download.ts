/**
 * Downloads one weights file into a cache folder, safely: the bytes go to a
 * `<file>.<pid>-<random>.partial` beside the target, which is renamed onto
 * the target only once complete and its SHA-256 checked, so a reader never
 * sees half a file and two processes fetching the same file (DDP ranks, two
 * runs) each rename a whole, verified copy. A broken transfer is resumed with
 * a Range request (from scratch when the server ignores Range) a few times
 * with backoff; a partial left by a process that died is picked up again.
 * A refused download (404, a hash mismatch) leaves no partial file.
 *
 * @example
 * await downloadFile({ url: 'https://download.pytorch.org/models/resnet18-f37072fd.pth', target: '/home/me/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth', sha256Prefix: 'f37072fd' });
 */
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerializationError, fsReason } from '../../errors.js';
import { downloadProgress } from './download-progress.js';
import type { ProgressStream } from './download-progress.js';
import { httpGet, TransientHttpError } from './http-get.js';
import type { HttpGetOptions } from './http-get.js';

/** What to fetch, where to, and how patiently. */
export interface DownloadOptions {
  url: string;
  /** The final path; its folder is created. */
  target: string;
  /** The file's sha256 must start with this (torchvision's `check_hash`). */
  sha256Prefix: string;
  /** The full sha256, where known. */
  sha256?: string;
  /** Idle timeout of the connection, connecting included (default 30 s). */
  timeoutMs?: number;
  /** Further tries after a broken transfer (default 3). */
  retries?: number;
  /** The wait before the first retry, doubled each time (default 1 s). */
  backoffMs?: number;
  /** Where progress goes (default stderr; null: nowhere). */
  progress?: ProgressStream | null;
  /** Proxy variables (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra trusted certificates (PEM). */
  ca?: HttpGetOptions['ca'];
}

/** A download that must not be retried (404, a hash mismatch): its partial file goes. */
class Refused extends SerializationError {}

/** The server sent a whole file, but not the one asked for (its sha256 differs). */
class WrongFile extends Refused {}

/**
 * Whether `downloadFile` failed because the server sent another file (fetching the same URL again would not help).
 *
 * @example
 * catch (error) { if (isWrongFile(error)) console.error('the mirror serves another file'); }
 */
export const isWrongFile = (error: unknown): boolean => error instanceof SerializationError && error.cause instanceof WrongFile;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Claims (by an atomic rename) a partial of the same file that a dead process left, so its bytes are resumed. */
async function claimOrphan(target: string, partial: string): Promise<void> {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  for (const name of await readdir(dir)) {
    const pid = name.startsWith(prefix) && name.endsWith('.partial') ? Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]) : NaN;
    if (!Number.isInteger(pid) || alive(pid)) continue;
    try {
      await rename(path.join(dir, name), partial);
      return;
    } catch {
      // Another process claimed it first.
    }
  }
}

const sizeOf = async (file: string): Promise<number> => (await stat(file).catch(() => null))?.size ?? 0;

/** The sha256 of a file, streamed. */
async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The total size from `Content-Range: bytes 100-999/1000` when it starts at `from`; null when it does not. */
function rangeTotal(header: string | undefined, from: number): { ok: boolean; total: number | null } {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  if (match === null || Number(match[1]) !== from) return { ok: false, total: null };
  return { ok: true, total: match[2] === '*' ? null : Number(match[2]) };
}

/** One try: appends to `partial` from its current size (or starts it again). */
async function transfer(options: DownloadOptions, partial: string, show: ReturnType<typeof downloadProgress>): Promise<void> {
  const have = await sizeOf(partial);
  const { response, url } = await httpGet(new URL(options.url), {
    timeoutMs: options.timeoutMs ?? 30_000,
    headers: have > 0 ? { range: `bytes=${have}-` } : {},
    env: options.env,
    ca: options.ca,
  });
  const status = response.statusCode ?? 0;
  const range = status === 206 ? rangeTotal(response.headers['content-range'], have) : { ok: false, total: null };
  if (status === 416 || (status === 206 && !range.ok)) {
    response.resume();
    await rm(partial, { force: true });
    throw new TransientHttpError(
      `the server answered the resume at byte ${have} with HTTP ${status} ${response.headers['content-range'] ?? ''}`,
    );
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    const error =
      `HTTP ${status} ${response.statusMessage ?? ''}`.trim() + (url.href === options.url ? '' : ` (redirected to ${url.href})`);
    if (status >= 500 || status === 429 || status === 408) throw new TransientHttpError(error);
    throw new Refused(`download: expected ${options.url}, but got ${error}`);
  }
  // 200 after a Range request: the server ignores Range, so the file starts again.
  const start = status === 206 ? have : 0;
  const length = Number(response.headers['content-length']);
  const total = status === 206 ? range.total : Number.isFinite(length) ? length : null;
  const file = await open(partial, start === 0 ? 'w' : 'a');
  let received = start;
  try {
    for await (const chunk of response) {
      await file.write(chunk as Buffer);
      received += (chunk as Buffer).length;
      show.update(received, total);
    }
  } catch (error) {
    throw new TransientHttpError(`the connection broke after ${received} bytes (${(error as Error).message})`);
  } finally {
    await file.close();
  }
  if (total !== null && received !== total) throw new TransientHttpError(`the connection closed after ${received} of ${total} bytes`);
}

/** Checks the finished partial's hash; a mismatch deletes it. */
async function verify(options: DownloadOptions, partial: string): Promise<void> {
  const digest = await sha256Of(partial);
  if (digest.startsWith(options.sha256Prefix) && (options.sha256 === undefined || digest === options.sha256)) return;
  await rm(partial, { force: true });
  throw new WrongFile(
    `download: expected ${options.url} to have sha256 ${options.sha256 ?? `${options.sha256Prefix}...`}, but got ${digest}; ` +
      'the file was deleted (a mirror serving another file, or a proxy rewriting it)',
  );
}

/**
 * Downloads `options.url` to `options.target` (atomically, verified). Throws
 * a SerializationError naming the URL and the reason when it cannot.
 *
 * @example
 * await downloadFile({ url, target, sha256Prefix: 'f37072fd', progress: null });
 */
export async function downloadFile(options: DownloadOptions): Promise<string> {
  const { target, retries = 3, backoffMs = 1000 } = options;
  try {
    await mkdir(path.dirname(target), { recursive: true });
  } catch (error) {
    throw new SerializationError(`download: expected to create ${path.dirname(target)}, but got ${fsReason(error)}`, { cause: error });
  }
  const partial = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  await claimOrphan(target, partial);
  const stream = options.progress === undefined ? process.stderr : options.progress;
  const show = downloadProgress(path.basename(target), stream ?? { write: () => true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await transfer(options, partial, show);
        break;
      } catch (error) {
        if (!(error instanceof TransientHttpError)) throw error;
        if (attempt >= retries) {
          const kept = await sizeOf(partial);
          if (kept === 0) await rm(partial, { force: true });
          throw new SerializationError(
            `download: expected ${options.url}, but got ${error.message} after ${attempt + 1} tries` +
              (kept > 0 ? ` (the ${kept} bytes received stay in ${partial}; the next download resumes them)` : ''),
            { cause: error },
          );
        }
        const wait = backoffMs * 2 ** attempt;
        stream?.write(`${path.basename(target)}: ${error.message}; trying again in ${wait} ms\n`);
        await sleep(wait);
      }
    }
    show.done();
    await verify(options, partial);
    await rename(partial, target);
    return target;
  } catch (error) {
    show.done();
    if (error instanceof Refused || !(error instanceof SerializationError)) await rm(partial, { force: true });
    if (error instanceof Refused) throw new SerializationError(error.message, { cause: error instanceof WrongFile ? error : error.cause });
    throw error;
  }
}
