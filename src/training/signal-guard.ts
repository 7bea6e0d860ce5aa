/**
 * `SignalGuard`: SIGINT / SIGTERM during a run ask it to stop after the
 * current step (the Trainer then saves a checkpoint and flushes the logs)
 * instead of killing it mid-write. A second signal while stopping is noted
 * and ignored, so it cannot corrupt the checkpoint being written. The exit
 * code is 130 (SIGINT) or 143 (SIGTERM), set on `process.exitCode`.
 *
 * @example
 * const guard = new SignalGuard((signal) => trainer.stop(`received ${signal}`));
 * guard.install(); ... guard.uninstall();
 */

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
type Handled = keyof typeof exitCodes;

/** Turns SIGINT / SIGTERM into a clean stop request. */
export class SignalGuard {
  /** The first signal received, if any. */
  received: Handled | null = null;
  readonly #onSignal: (signal: Handled) => void;
  readonly #print: (message: string) => void;
  readonly #handlers = new Map<Handled, () => void>();

  constructor(onSignal: (signal: Handled) => void, print: (message: string) => void = (m) => console.error(m)) {
    this.#onSignal = onSignal;
    this.#print = print;
  }

  install(): void {
    for (const signal of Object.keys(exitCodes) as Handled[]) {
      const handler = (): void => {
        if (this.received !== null) {
          this.#print(`${signal} received again: still saving the checkpoint, please wait`);
          return;
        }
        this.received = signal;
        this.#print(`${signal} received: finishing the current step, then saving a checkpoint`);
        this.#onSignal(signal);
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /**
   * Lets a signal that arrived during synchronous work (a checkpoint write)
   * reach its handler before the handlers go: libuv reads signals in its poll
   * phase, and removing the last listener first would drop it (the run would
   * end as a success, and a caller would go on to test). Two turns of the
   * check phase always contain one poll phase between them.
   *
   * @example
   * await guard.settle(); if (guard.received) status = 'interrupted';
   */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Removes the handlers and sets the exit code of the signal received, if any. */
  uninstall(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    this.#handlers.clear();
    if (this.received !== null) process.exitCode = exitCodes[this.received];
  }
}
