/** A terminal stream the bar is drawn on (stderr when it is a TTY). */
export interface BarStream {
  write(text: string): unknown;
  readonly columns?: number;
}

const redrawEvery = 100; // ms: a redraw per chunk would cost more than the transfer

/**
 * One line of progress, redrawn in place: a bar and percentage when the size is known, else
 * the bytes so far; and the rate. Redraws at most every 100 ms, with no timer of its own.
 */
export class ProgressBar {
  readonly #stream: BarStream;
  readonly #started = performance.now();
  #drawnAt = -Infinity;
  #shown = false;

  constructor(stream: BarStream) {
    this.#stream = stream;
  }

  update(received: number, total: number): void {
    const now = performance.now();
    if (now - this.#drawnAt < redrawEvery && received !== total) return;
    this.#drawnAt = now;
    this.#shown = true;
    this.#stream.write(`\r${this.line(received, total, now - this.#started)}\x1b[K`);
  }

  /** Removes the bar, so what is printed next starts on a clean line. */
  clear(): void {
    if (!this.#shown) return;
    this.#shown = false;
    this.#stream.write('\r\x1b[K');
  }

  /** The bar's text for these figures. */
  line(received: number, total: number, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? `${size((received * 1000) / elapsedMs)}/s` : '';
    if (total <= 0) return `${size(received)}  ${rate}`;
    const fraction = Math.min(1, received / total);
    const figures = `${String(Math.floor(fraction * 100)).padStart(3)}%  ${size(received)} / ${size(total)}  ${rate}`;
    const width = Math.max(10, Math.min(40, (this.#stream.columns ?? 80) - figures.length - 4));
    const done = Math.round(fraction * width);
    return `[${'#'.repeat(done)}${' '.repeat(width - done)}] ${figures}`;
  }
}

/** Bytes in B, KiB, MiB or GiB, one decimal above bytes. */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
