// a: [N] int8, b: [N] int8 -> y: [N] int8 (may alias a or b); y = table[(a + 128) * 256 + b + 128]
// Any function of two int8 codes is a 65536-entry table (64 KiB): build it once with the exact
// kernel (e.g. addInt8Lut over every pair) and apply it here, bit for bit the same.
export function lookupInt8Pair(a: Int8Array, b: Int8Array, n: number, table: Int8Array, y: Int8Array): void {
  for (let i = 0; i < n; i++) y[i] = table[((a[i] + 128) << 8) | (b[i] + 128)];
}

/** The table of `f` applied to every pair of int8 codes, in lookupInt8Pair's order. */
export function tabulateInt8Pair(f: (a: Int8Array, b: Int8Array, out: Int8Array) => void): Int8Array {
  const a = new Int8Array(65536);
  const b = new Int8Array(65536);
  for (let i = 0; i < 65536; i++) {
    a[i] = (i >> 8) - 128;
    b[i] = (i & 255) - 128;
  }
  const table = new Int8Array(65536);
  f(a, b, table);
  return table;
}
