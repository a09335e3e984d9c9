/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal so
 * that logs and pipes receive only the fixed-format epoch lines.
 */
import type { CommandIo } from './options.js';

const BAR_WIDTH = 30;
/** Redraw at most this often, in milliseconds. */
const REDRAW_INTERVAL = 100;

export interface Progress {
  /** Shows `done` of `total` steps, with `label` before the bar. */
  update(done: number, total: number, label: string): void;
  /** Clears the bar so the next line starts clean. */
  clear(): void;
}

/** A progress bar on `io`, or one that draws nothing when not interactive. */
export function createProgress(io: CommandIo): Progress {
  const draw = io.interactive ? io.progress : undefined;
  if (draw === undefined) return { update: () => {}, clear: () => {} };
  let last = 0;
  return {
    update(done, total, label) {
      const now = Date.now();
      if (now - last < REDRAW_INTERVAL && done < total) return;
      last = now;
      const filled = Math.round((BAR_WIDTH * done) / Math.max(total, 1));
      draw(
        `${label} [${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${done}/${total}`,
      );
    },
    clear() {
      draw('');
    },
  };
}
