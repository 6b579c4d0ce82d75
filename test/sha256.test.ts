// The plain-TypeScript SHA-256 (used where WebCrypto is absent) against published test vectors
// (FIPS 180-2 / NIST CSHA examples) and against node:crypto on every length around the padding
// boundaries.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex, sha256Plain } from '../src/util/sha256.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => new TextEncoder().encode(s);

describe('sha256Plain', () => {
  it('gives the published digests', () => {
    expect(hex(sha256Plain(ascii('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256Plain(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256Plain(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(sha256Plain(ascii('a'.repeat(1_000_000))))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('equals node:crypto on every length from 0 to 300 bytes and on a 3 MB blob', () => {
    let seed = 12345;
    const data = new Uint8Array(3_000_003);
    for (let i = 0; i < data.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      data[i] = seed >>> 24;
    }
    for (let n = 0; n <= 300; n++) {
      const part = data.subarray(7, 7 + n);
      expect(hex(sha256Plain(part)), `length ${n}`).toBe(createHash('sha256').update(part).digest('hex'));
    }
    expect(hex(sha256Plain(data))).toBe(createHash('sha256').update(data).digest('hex'));
  });
});

describe('sha256Hex', () => {
  it('gives the same digest with and without WebCrypto', async () => {
    const data = ascii('soundstream-ts weights');
    const withCrypto = await sha256Hex(data);
    vi.stubGlobal('crypto', undefined);
    try {
      expect(globalThis.crypto).toBeUndefined();
      expect(await sha256Hex(data)).toBe(withCrypto);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(withCrypto).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
