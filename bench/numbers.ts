// Statistics and table formatting for the benchmarks, with no Node import: bench/browser-page.ts
// runs in a browser and uses them too. bench/common.ts re-exports them for the Node side.

// ---- statistics --------------------------------------------------------------------------------

export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantile(sortedValues: Float64Array, q: number): number {
  if (sortedValues.length === 0) return NaN;
  const at = q * (sortedValues.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sortedValues.length - 1);
  return sortedValues[lo] + (sortedValues[hi] - sortedValues[lo]) * (at - lo);
}

export interface Summary {
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
}

/** Median of the values (interpolated between the middle two when their count is even). */
export function median(values: ArrayLike<number>): number {
  return quantile(sorted(values), 0.5);
}

export function summarize(values: ArrayLike<number>): Summary {
  const s = sorted(values);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  return { min: s[0], median: quantile(s, 0.5), p90: quantile(s, 0.9), max: s[s.length - 1], mean: sum / s.length };
}

/** Least-squares slope of y against x. */
export function slope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((a, v) => a + v, 0) / n;
  const my = y.reduce((a, v) => a + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return num / den;
}

// ---- formatting --------------------------------------------------------------------------------

/** A number with `digits` significant digits, never in exponent form for the sizes we print. */
export function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(Math.min(decimals, 6));
}

/** A GitHub-flavoured markdown table (also readable as plain text). */
export function markdownTable(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? text.padEnd(widths[i]) : text.padStart(widths[i]);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
