/**
 * Runs one file-system call of a logger and, when it fails, rethrows a
 * SerializationError that names the logger, the operation, the path and the
 * reason (`CSVLogger: expected to append to outputs/run/metrics.csv, but got
 * ENOSPC (no space left on the device)`), the raw error kept as `cause`.
 *
 * @example
 * await fsAttempt('CSVLogger', 'append to', path, () => appendFile(path, text));
 */
import { SerializationError, fsReason } from '../../errors.js';

/**
 * The error `fsAttempt` throws, for calls that cannot go through it (a sync one, or one whose failure joins another).
 *
 * @example
 * throw fsFailure('EventFileWriter', 'close', path, error);
 */
export function fsFailure(component: string, operation: string, path: string, error: unknown): SerializationError {
  return new SerializationError(`${component}: expected to ${operation} ${path}, but got ${fsReason(error)}`, { cause: error });
}

/**
 * Awaits `call`; its failure becomes `fsFailure(component, operation, path, error)`.
 *
 * @example
 * await fsAttempt('JSONLLogger', 'create the folder of', path, () => mkdir(dirname(path), { recursive: true }));
 */
export async function fsAttempt<T>(component: string, operation: string, path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fsFailure(component, operation, path, error);
  }
}
