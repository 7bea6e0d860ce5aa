/**
 * `TcpStore`: c10d's TCPStore, the key-value rendezvous every rank connects
 * to (rank 0 serves it), as `torch.distributed.TCPStore`.
 *
 * @example
 * const store = TcpStore.create({ host: '127.0.0.1', port: 29500, worldSize: 2, isServer: rank === 0 });
 * store.set('ready', 'yes');
 * store.dispose();
 */
import { ConfigError, TrainingError } from '../../errors.js';
import { distributedNative } from './native-distributed.js';
import type { StoreHandle } from './native-distributed.js';

/** Options for `TcpStore.create`. */
export interface TcpStoreOptions {
  host: string;
  port: number;
  worldSize: number;
  /** True on exactly one process (rank 0): it listens on `port`. */
  isServer: boolean;
  /** How long connecting and `get()` wait (default 30 s). */
  timeoutMs?: number;
}

function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`TcpStore: expected an integer ${name} in [${min}, ${max}], but got ${String(value)}`);
  }
}

/** A connection to (or, on the server, the host of) a c10d TCPStore. */
export class TcpStore implements Disposable {
  #handle: StoreHandle | null;

  private constructor(handle: StoreHandle) {
    this.#handle = handle;
  }

  /** Connects (the server also listens); throws a TrainingError when the server is unreachable within the timeout. */
  static create(options: TcpStoreOptions): TcpStore {
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (typeof options.host !== 'string' || options.host === '')
      throw new ConfigError(`TcpStore: expected a host, but got ${JSON.stringify(options.host)}`);
    checkInteger('port', options.port, options.isServer ? 0 : 1, 65535);
    checkInteger('worldSize', options.worldSize, 1);
    checkInteger('timeoutMs', timeoutMs, 1);
    try {
      return new TcpStore(distributedNative.tcpStoreCreate(options.host, options.port, options.worldSize, options.isServer, timeoutMs));
    } catch (cause) {
      const role = options.isServer ? 'listen on' : 'connect to';
      throw new TrainingError(
        `TcpStore: expected to ${role} ${options.host}:${options.port} within ${timeoutMs} ms, but got: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** The native handle; throws after `dispose()`. */
  get handle(): StoreHandle {
    if (this.#handle === null) throw new TrainingError('TcpStore: expected an open store, but got one that was disposed');
    return this.#handle;
  }

  /** Sets `key` to a string or bytes. */
  set(key: string, value: string | Uint8Array): void {
    distributedNative.storeSet(this.handle, key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
  }

  /** The value of `key` as text, waiting for it up to the store's timeout. */
  get(key: string): string {
    return new TextDecoder().decode(distributedNative.storeGet(this.handle, key));
  }

  /** Adds `delta` to the integer at `key` (0 when absent) and returns the new value. */
  add(key: string, delta: number): number {
    return distributedNative.storeAdd(this.handle, key, delta);
  }

  /** Closes the connection (the server stops serving). */
  dispose(): void {
    if (this.#handle !== null) distributedNative.distributedRelease(this.#handle);
    this.#handle = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
