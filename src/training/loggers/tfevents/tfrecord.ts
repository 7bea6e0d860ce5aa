/**
 * TFRecord framing, the container of TensorBoard event files: each record is
 * `uint64 LE length`, `uint32 LE masked CRC32C(length bytes)`, the data, and
 * `uint32 LE masked CRC32C(data)`. The CRC is masked so that a CRC stored
 * inside the data it covers does not produce a degenerate checksum.
 *
 * @example
 * const bytes = frameRecord(eventBytes); // append to events.out.tfevents.*
 */
import { crc32c } from '@node-rs/crc32';

const MASK_DELTA = 0xa282ead8;

/**
 * TFRecord's masked CRC32C of `data`: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, as uint32.
 *
 * @example
 * maskedCrc32c(Buffer.from('123456789')); // a uint32
 */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/**
 * One framed record: header (length and its masked CRC), data, masked CRC of the data.
 *
 * @example
 * fs.appendFileSync(file, frameRecord(Buffer.from([1, 2, 3])));
 */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}
