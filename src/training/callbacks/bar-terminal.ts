/**
 * `BarTerminal`: the terminal cli-progress draws a bar through, as its own
 * `Terminal` does it, but without saving and restoring the cursor position
 * around the bar. cli-progress saves the position when a bar starts and
 * jumps back to it when it stops; once `ProgressBar.print` has written lines
 * above the bar, that position is stale and the jump would overwrite them.
 * Here the bar is always the last line, so stopping just clears that line.
 *
 * @example
 * new SingleBar({ stream, terminal: new BarTerminal(stream) } as Options);
 */
import { clearLine, clearScreenDown, cursorTo, moveCursor } from 'node:readline';

/** A writable stream that may be a terminal. */
export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** The methods cli-progress calls on its `terminal` option. */
export class BarTerminal {
  #dy = 0;
  #linewrap = true;

  constructor(readonly stream: TerminalStream) {}

  /** No-op: see the file comment. */
  cursorSave(): void {}
  /** No-op: see the file comment. */
  cursorRestore(): void {}

  cursor(enabled: boolean): void {
    if (this.isTTY()) this.stream.write(enabled ? '\x1B[?25h' : '\x1B[?25l');
  }
  cursorTo(x: number | null = null, y: number | null = null): void {
    if (this.isTTY()) cursorTo(this.stream, x ?? 0, y ?? undefined);
  }
  cursorRelative(dx: number | null = null, dy: number | null = null): void {
    if (!this.isTTY()) return;
    this.#dy += dy ?? 0;
    moveCursor(this.stream, dx ?? 0, dy ?? 0);
  }
  cursorRelativeReset(): void {
    if (!this.isTTY()) return;
    moveCursor(this.stream, 0, -this.#dy);
    cursorTo(this.stream, 0);
    this.#dy = 0;
  }
  clearRight(): void {
    if (this.isTTY()) clearLine(this.stream, 1);
  }
  clearLine(): void {
    if (this.isTTY()) clearLine(this.stream, 0);
  }
  clearBottom(): void {
    if (this.isTTY()) clearScreenDown(this.stream);
  }
  newline(): void {
    this.stream.write('\n');
    this.#dy++;
  }
  write(s: string, rawWrite = false): void {
    this.stream.write(this.#linewrap && !rawWrite ? s.slice(0, this.getWidth()) : s);
  }
  lineWrapping(enabled: boolean): void {
    if (!this.isTTY()) return;
    this.#linewrap = enabled;
    this.stream.write(enabled ? '\x1B[?7h' : '\x1B[?7l');
  }
  isTTY(): boolean {
    return this.stream.isTTY === true;
  }
  getWidth(): number {
    return this.stream.columns ?? (this.isTTY() ? 80 : 200);
  }
}
