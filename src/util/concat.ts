// Typed arrays end to end in one new array.

type Part = Uint8Array | Float32Array;

function totalLength(parts: readonly Part[]): number {
  let length = 0;
  for (const p of parts) length += p.length;
  return length;
}

function copyInto<T extends Part>(out: T, parts: readonly T[]): T {
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return copyInto(new Uint8Array(totalLength(parts)), parts);
}

export function concatFloats(parts: readonly Float32Array[]): Float32Array {
  return copyInto(new Float32Array(totalLength(parts)), parts);
}
