// UTF-8 to string for runtimes without TextDecoder (Hermes, AudioWorklet in some browsers).

/** Decodes UTF-8 `bytes`; throws a RangeError at the first malformed sequence. */
export function decodeUtf8(bytes: Uint8Array): string {
  const Decoder = (globalThis as { TextDecoder?: typeof TextDecoder }).TextDecoder;
  if (Decoder) {
    try {
      return new Decoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new RangeError('not valid UTF-8');
    }
  }
  return decodeUtf8Plain(bytes);
}

/** The same in plain TypeScript. */
export function decodeUtf8Plain(bytes: Uint8Array): string {
  const units: number[] = [];
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    // Lead byte: payload bits, continuation bytes, and the smallest code point that needs them.
    let code = b;
    let extra = 0;
    let min = 0;
    if (b >= 0xc2 && b < 0xe0) [code, extra, min] = [b & 0x1f, 1, 0x80];
    else if (b >= 0xe0 && b < 0xf0) [code, extra, min] = [b & 0x0f, 2, 0x800];
    else if (b >= 0xf0 && b < 0xf5) [code, extra, min] = [b & 0x07, 3, 0x10000];
    else if (b >= 0x80) throw new RangeError(`not valid UTF-8 (byte ${i})`);
    for (let k = 1; k <= extra; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) throw new RangeError(`not valid UTF-8 (byte ${i + k})`);
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code < 0xe000))
      throw new RangeError(`not valid UTF-8 (byte ${i})`);
    if (code >= 0x10000) units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
    else units.push(code);
    i += extra + 1;
    if (units.length >= 4096) {
      text += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return text + String.fromCharCode.apply(null, units);
}
