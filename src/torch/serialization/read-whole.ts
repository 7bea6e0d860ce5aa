/**
 * Reads a whole file into one Buffer, in reads of at most 1 GiB: readFileSync
 * refuses files over 2 GiB, and vit_h_14's and regnet_y_128gf's weights are
 * 2.5 GB. A Buffer still caps a file at 4 GiB.
 *
 * @example
 * const bytes = readWhole('vit_h_14.safetensors');
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const readChunkBytes = 1 << 30;

/** The file's bytes (throws the file system's error, as readFileSync does). */
export function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(fstatSync(fd).size);
    for (let at = 0; at < bytes.byteLength;) {
      const read = readSync(fd, bytes, at, Math.min(readChunkBytes, bytes.byteLength - at), at);
      if (read === 0) return bytes.subarray(0, at);
      at += read;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}
