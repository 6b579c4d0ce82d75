// CRC-32 (IEEE 802.3, the zlib/PNG/gzip one): reflected polynomial 0xEDB88320,
// initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Check value: CRC-32 of the
// ASCII bytes "123456789" is 0xCBF43926.

let table: Uint32Array | null = null;

// Built on first use rather than at import time, so importing the codec costs
// nothing for callers that never touch a checksum.
function getTable(): Uint32Array {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

/**
 * CRC-32 of `data`. To checksum data arriving in pieces, pass the previous
 * result as `previous`: crc32(b, crc32(a)) === crc32(a ++ b).
 * Returns an unsigned 32-bit integer.
 */
export function crc32(data: Uint8Array, previous = 0): number {
  const t = getTable();
  // Undo the previous final XOR so that chaining continues the same register.
  let c = ~previous;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
