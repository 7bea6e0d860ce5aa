/**
 * The byte-level half of the unpickler: bounds-checked little-endian reads
 * of a pickle's bytes, each failure a SerializationError with the byte offset.
 *
 * @example
 * const r = new PickleReader(bytes, 'model.pth'); r.u8(); r.text(r.u32());
 */
import { SerializationError } from '../../errors.js';

/** Reads a pickle's bytes in order; `fail` names the source and the byte offset. */
export class PickleReader {
  readonly view: DataView;
  readonly source: string;
  readonly decoder = new TextDecoder('utf-8', { fatal: true });
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = source;
  }

  fail(expected: string, got: string, at = this.pos): never {
    throw new SerializationError(`unpickle: ${this.source}: expected ${expected}, but got ${got} (at byte ${at})`);
  }

  take(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.byteLength) {
      this.fail(`${n} more bytes`, `the end of the ${this.bytes.byteLength}-byte pickle`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.take(4), true);
  }
  u64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    if (value > BigInt(this.bytes.byteLength)) this.fail('a length inside the pickle', String(value));
    return Number(value);
  }
  raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }
  text(n: number): string {
    const raw = this.raw(n);
    try {
      return this.decoder.decode(raw);
    } catch {
      return this.fail('UTF-8 text', 'invalid bytes');
    }
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('a newline-terminated argument', 'the end of the pickle');
    return this.text(end - this.pos + 1).slice(0, -1);
  }
}
