/**
 * A one-line progress bar on stderr, drawn only on an interactive terminal (never in CI logs, never with
 * --json: pass the command's options).
 */
import type { Io } from './render.ts';

export interface Progress {
  /** report a phase and, when known, its completed fraction in [0, 1] */
  update(phase: string, fraction?: number): void;
  done(): void;
}

export function progressBar(io: Io, opts: { json?: boolean } = {}): Progress {
  if (!io.interactive || opts.json) return { update: () => undefined, done: () => undefined };
  const start = Date.now();
  let last = '';
  const draw = (s: string) => {
    if (s === last) return;
    last = s;
    process.stderr.write(`\r\x1b[2K${s}`);
  };
  return {
    update(phase, fraction) {
      const secs = ((Date.now() - start) / 1000).toFixed(1);
      if (fraction === undefined) return draw(`${phase} … ${secs}s`);
      const f = Math.min(1, Math.max(0, fraction));
      const width = 28;
      const filled = Math.round(f * width);
      draw(`${phase} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(100 * f).toFixed(0).padStart(3)}% ${secs}s`);
    },
    done() {
      if (last) process.stderr.write('\r\x1b[2K');
      last = '';
    },
  };
}
