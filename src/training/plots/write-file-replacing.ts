/**
 * Writes a plot, a CSV or a report so that a reader (a browser refreshing
 * the report, a TensorBoard plugin) never sees half a file: the bytes go to a
 * temporary file beside the target, which is then renamed over it. Parent
 * folders are created. A failure names the operation, the path and the
 * reason, and leaves no temporary file behind.
 *
 * @example
 * await writeFileReplacing('outputs/run/plots/curves_loss.png', png);
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SerializationError, fsReason } from '../../errors.js';

let counter = 0;

/**
 * Replaces `path` with `data` atomically (temporary file + rename).
 *
 * @example
 * await writeFileReplacing('report.html', html);
 */
export async function writeFileReplacing(path: string, data: string | Uint8Array): Promise<void> {
  const step = async (operation: string, target: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      throw new SerializationError(`writeFileReplacing: expected to ${operation} ${target}, but got ${fsReason(error)}`, { cause: error });
    }
  };
  await step('create the folder of', path, () => mkdir(dirname(path), { recursive: true }));
  const temporary = `${path}.tmp-${process.pid}-${counter++}`;
  try {
    await step('write', path, () => writeFile(temporary, data));
    await step('rename a temporary file over', path, () => rename(temporary, path));
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
