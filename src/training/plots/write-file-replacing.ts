/**
 * Writes a plot, a CSV or a report so that a reader (a browser refreshing
 * the report, a TensorBoard plugin) never sees half a file: the bytes go to a
 * temporary file beside the target, which is then renamed over it. Parent
 * folders are created.
 *
 * @example
 * await writeFileReplacing('outputs/run/plots/curves_loss.png', png);
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let counter = 0;

/**
 * Replaces `path` with `data` atomically (temporary file + rename).
 *
 * @example
 * await writeFileReplacing('report.html', html);
 */
export async function writeFileReplacing(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${counter++}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
