import type { PlayoutBuffer } from './protocol.js';

// A decoder node's playout settings (DecoderNodeOptions, setPlayoutBuffer), checked on the page:
// the worker that applies them would only fail later, where the caller cannot catch it.

export const DEFAULT_PLAYOUT_BUFFER: Readonly<PlayoutBuffer> = {
  safetyMs: 0,
  jitterMs: 0,
  maxDelayMs: 400,
  quantile: 0.95,
  peakHoldMs: 20_000,
  peakCapMs: 150,
};

export function checkPlayoutBuffer(b: PlayoutBuffer): PlayoutBuffer {
  for (const name of Object.keys(b)) {
    if (!Object.hasOwn(DEFAULT_PLAYOUT_BUFFER, name))
      throw new RangeError(
        `unknown playout setting ${JSON.stringify(name)} (known: ${Object.keys(DEFAULT_PLAYOUT_BUFFER).join(', ')})`,
      );
  }
  for (const name of ['safetyMs', 'jitterMs', 'maxDelayMs', 'peakHoldMs', 'peakCapMs'] as const) {
    const ms = b[name];
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000)
      throw new RangeError(`${name} must be a number of milliseconds from 0 to 60000, got ${ms}`);
  }
  // The playout ring holds a second or more; the delay must stay well inside it.
  if (b.maxDelayMs < 20 || b.maxDelayMs > 900)
    throw new RangeError(`maxDelayMs must be from 20 to 900 ms, got ${b.maxDelayMs}`);
  if (b.safetyMs + b.jitterMs > b.maxDelayMs)
    throw new RangeError(
      `safetyMs + jitterMs must be at most maxDelayMs (${b.maxDelayMs} ms), got ${b.safetyMs + b.jitterMs}`,
    );
  if (!(b.quantile > 0 && b.quantile <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${b.quantile}`);
  return b;
}
