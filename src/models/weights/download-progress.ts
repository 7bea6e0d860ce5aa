/**
 * How a download shows its progress on stderr: a bar redrawn in place on a
 * terminal, a plain line per tenth otherwise (a CI log or a file keeps a
 * few lines, not thousands of carriage returns).
 *
 * @example
 * const progress = downloadProgress('resnet18-f37072fd.pth', process.stderr);
 * progress.update(received, total); ... progress.done();
 */

/** Receives byte counts; `done` ends the display. */
export interface DownloadProgress {
  update(received: number, total: number | null): void;
  done(): void;
}

/** Where progress goes: stderr, or anything shaped like it. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * A progress display for one file.
 *
 * @example
 * downloadProgress('vit_h_14-6a2b4e88.pth', { write: (t) => lines.push(t) }); // not a TTY: a line per 10%
 */
export function downloadProgress(label: string, stream: ProgressStream): DownloadProgress {
  const started = Date.now();
  let lastTenth = -1;
  let lastDraw = 0;
  let drawn = false;
  const rate = (received: number): string => `${mib(received / Math.max((Date.now() - started) / 1000, 1e-3))}/s`;
  return {
    update(received, total) {
      const fraction = total !== null && total > 0 ? Math.min(received / total, 1) : null;
      if (stream.isTTY === true) {
        if (Date.now() - lastDraw < 100 && fraction !== 1) return;
        lastDraw = Date.now();
        drawn = true;
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 40));
        const bar =
          fraction === null
            ? ''
            : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
        stream.write(`\r${label} ${bar}${mib(received)}${total === null ? '' : ` / ${mib(total)}`} ${rate(received)}\x1b[K`);
        return;
      }
      const tenth = fraction === null ? Math.floor(received / (100 * 2 ** 20)) : Math.floor(fraction * 10);
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      const share = fraction === null ? '' : `${tenth * 10}% `;
      stream.write(`${label}: ${share}(${mib(received)}${total === null ? '' : ` of ${mib(total)}`}, ${rate(received)})\n`);
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
