// A progress bar on stderr for long inputs.

import { performance } from 'node:perf_hooks';
import type { Context } from './args.js';

/** Inputs longer than this get a progress bar (on a terminal, without --json). */
export const PROGRESS_MIN_SECONDS = 30;

/** A one-line progress bar on stderr; drawn only when enabled (terminal, long input, no --json). */
export class Progress {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  tick(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const fraction = this.total > 0 ? done / this.total : 1;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    process.stderr.write(`\r${this.label} [${bar}] ${Math.floor(fraction * 100)}% (${done}/${this.total} frames)`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export function progressWanted(ctx: Context, seconds: number): boolean {
  return !ctx.json && process.stderr.isTTY === true && seconds > PROGRESS_MIN_SECONDS;
}
