// x: [N] int8 -> y: [N] int8 (may alias x); y = table[x + 128]
// Any int8 -> int8 function is a 256-entry table: build it once with the exact kernel
// (e.g. leakyReluInt8 over all 256 codes) and apply it here, bit for bit the same.
export function lookupInt8(x: Int8Array, n: number, table: Int8Array, y: Int8Array): void {
  for (let i = 0; i < n; i++) y[i] = table[x[i] + 128];
}

/** The table of `f` applied to every int8 code, -128 first. */
export function tabulateInt8(f: (codes: Int8Array, out: Int8Array) => void): Int8Array {
  const codes = new Int8Array(256);
  for (let i = 0; i < 256; i++) codes[i] = i - 128;
  const table = new Int8Array(256);
  f(codes, table);
  return table;
}
