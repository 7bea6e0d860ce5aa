/**
 * Atomic file writes: the bytes go to a temporary file beside the target,
 * which is flushed and fsynced, renamed over the target, and the folder is
 * fsynced so the rename survives a crash. Until the rename, the previous file
 * is untouched; on any error the temporary file is removed and the error
 * names the path and the reason (ENOSPC, EACCES, EROFS, ...).
 *
 * @example
 * writeFileAtomic('outputs/run/checkpoints/last.ckpt', bytes);
 */
import { closeSync, constants, copyFileSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SerializationError } from '../../errors.js';

let counter = 0;
const TEMPORARY_INFIX = '.tmp-';
const temporaryName = /\.tmp-(\d+)-\d+$/;
/** Errors of a file system without hard links (FAT, some network mounts): the file is copied instead. */
const linkRefused = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS']);

/** Whether process `pid` still runs (EPERM: it runs under another user). @example processAlive(process.pid); // true */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files `writeFileAtomic` left in `dir` when its
 * process was killed mid-write (`<name>.tmp-<pid>-<n>`): only those whose
 * writing process is gone, so a write in progress elsewhere is left alone.
 * Returns the names removed; a missing folder removes nothing.
 *
 * @example
 * removeStaleTemporaries('outputs/run/checkpoints'); // ['last.ckpt.tmp-4242-0']
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const match = temporaryName.exec(name);
    return match !== null && Number(match[1]) !== process.pid && !processAlive(Number(match[1]));
  });
  for (const name of stale) rmSync(join(dir, name), { force: true });
  return stale;
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder (EINVAL, EISDIR): the rename is still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Writes `chunks` to `path` atomically. `what` names the file's kind in errors ("checkpoint").
 *
 * @example
 * writeFileAtomic('model.safetensors', [header, body], { what: 'safetensors' });
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | readonly Uint8Array[], options: { what?: string } = {}): void {
  const temporary = `${path}${TEMPORARY_INFIX}${process.pid}-${counter++}`;
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'w');
    for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(fd, chunk, offset, chunk.byteLength - offset);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SerializationError(
      `${options.what ?? 'write'}: expected to write ${path}, but got ${reason}; the previous file (if any) is unchanged`,
      {
        cause: error,
      },
    );
  }
  fsyncDir(dirname(path));
}

/**
 * Gives the file `source` names the second name `path`, atomically: a hard
 * link made under a temporary name is renamed over `path`, so `path` is never
 * missing or half there, and no byte is read or written. The two names then
 * share one file, which is safe because every writer here replaces a file by
 * rename and never writes into it. Where the file system refuses hard links,
 * the file is copied by the kernel (a copy-on-write clone where supported)
 * and fsynced.
 *
 * @example
 * linkFileAtomic('checkpoints/epoch=3-step=1200.ckpt', 'checkpoints/last.ckpt', { what: 'checkpoint' });
 */
export function linkFileAtomic(source: string, path: string, options: { what?: string } = {}): void {
  const temporary = `${path}${TEMPORARY_INFIX}${process.pid}-${counter++}`;
  try {
    try {
      linkSync(source, temporary);
    } catch (error) {
      if (!linkRefused.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      copyFileSync(source, temporary, constants.COPYFILE_FICLONE);
      const fd = openSync(temporary, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(temporary, path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SerializationError(
      `${options.what ?? 'link'}: expected to give ${source} the name ${path}, but got ${reason}; the previous file (if any) is unchanged`,
      { cause: error },
    );
  } finally {
    // Also when the rename was a no-op: POSIX leaves both names when they already name one file.
    rmSync(temporary, { force: true });
  }
  fsyncDir(dirname(path));
}
