import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { WavFormatError, decodeWav, describeWav, encodeWav, lyraInt16 } from '../src/audio/wav.js';
import { mulberry32 } from '../src/util/prng.js';

// ---------- a small independent WAV writer for building test files ----------

type Chunk = [id: string, body: Uint8Array];

interface WavSpec {
  formatTag?: number; // 1 = PCM, 3 = float; with `extensible`, this becomes the subformat
  channels?: number;
  sampleRate?: number;
  bits: number;
  blockAlign?: number;
  extensible?: boolean;
  guidTail?: number[];
  data: Uint8Array;
  declaredDataSize?: number;
  before?: Chunk[]; // chunks before fmt
  between?: Chunk[]; // chunks between fmt and data
  after?: Chunk[]; // chunks after data
  omitFmt?: boolean;
  omitData?: boolean;
  dataFirst?: boolean;
  riffId?: string;
  waveId?: string;
  fmtBody?: Uint8Array; // overrides the generated fmt body
}

const STANDARD_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function concatBytes(parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function chunkBytes(id: string, body: Uint8Array, declaredSize = body.length): Uint8Array {
  const pad = body.length & 1 ? [0] : [];
  return concatBytes([ascii(id), u32(declaredSize), body, pad]);
}

function fmtBody(spec: WavSpec): Uint8Array {
  const channels = spec.channels ?? 1;
  const rate = spec.sampleRate ?? 16000;
  const align = spec.blockAlign ?? (channels * spec.bits) / 8;
  const tag = spec.formatTag ?? 1;
  const common = [
    ...u16(spec.extensible ? 0xfffe : tag),
    ...u16(channels),
    ...u32(rate),
    ...u32(rate * align),
    ...u16(align),
    ...u16(spec.bits),
  ];
  if (!spec.extensible) return new Uint8Array(common);
  const ext = [
    ...u16(22),
    ...u16(spec.bits),
    ...u32(channels === 2 ? 3 : 4),
    ...u16(tag),
    ...(spec.guidTail ?? STANDARD_GUID_TAIL),
  ];
  return new Uint8Array([...common, ...ext]);
}

function buildWav(spec: WavSpec): Uint8Array {
  const chunks: Uint8Array[] = [];
  const add = (list?: Chunk[]) =>
    list?.forEach(([id, body]) => {
      chunks.push(chunkBytes(id, body));
    });
  const fmt = spec.omitFmt ? [] : [chunkBytes('fmt ', spec.fmtBody ?? fmtBody(spec))];
  const data = spec.omitData ? [] : [chunkBytes('data', spec.data, spec.declaredDataSize)];
  if (spec.dataFirst) chunks.push(...data);
  add(spec.before);
  chunks.push(...fmt);
  add(spec.between);
  if (!spec.dataFirst) chunks.push(...data);
  add(spec.after);
  const body = concatBytes(chunks);
  return concatBytes([ascii(spec.riffId ?? 'RIFF'), u32(4 + body.length), ascii(spec.waveId ?? 'WAVE'), body]);
}

/** Interleaves frames (one array of channel values per frame) using the given per-sample writer. */
function interleave(
  frames: number[][],
  bytesPer: number,
  write: (dv: DataView, o: number, v: number) => void,
): Uint8Array {
  const channels = frames[0]?.length ?? 1;
  const out = new Uint8Array(frames.length * channels * bytesPer);
  const dv = new DataView(out.buffer);
  frames.forEach((frame, i) => {
    frame.forEach((v, c) => {
      write(dv, (i * channels + c) * bytesPer, v);
    });
  });
  return out;
}

const writers = {
  u8: (dv: DataView, o: number, q: number) => dv.setUint8(o, q + 128),
  i16: (dv: DataView, o: number, q: number) => dv.setInt16(o, q, true),
  i24: (dv: DataView, o: number, q: number) => {
    dv.setUint8(o, q & 0xff);
    dv.setUint8(o + 1, (q >> 8) & 0xff);
    dv.setUint8(o + 2, (q >> 16) & 0xff);
  },
  i32: (dv: DataView, o: number, q: number) => dv.setInt32(o, q, true),
  f32: (dv: DataView, o: number, v: number) => dv.setFloat32(o, v, true),
  f64: (dv: DataView, o: number, v: number) => dv.setFloat64(o, v, true),
};

/** Mono frames from integer sample codes spanning the full range, including both extremes. */
function intCodes(bits: number, n = 64): number[][] {
  const max = 2 ** (bits - 1);
  const codes = [-max, max - 1, 0, -1, 1];
  for (let i = 0; codes.length < n; i++) codes.push(Math.round(Math.sin(i * 1.7) * (max - 1)));
  return codes.map((q) => [q]);
}

function expectFloatArray(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => {
    expect(actual[i]).toBe(Math.fround(v));
  });
}

function expectWavError(bytes: Uint8Array, message: RegExp | string): void {
  let caught: unknown;
  try {
    decodeWav(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(WavFormatError);
  expect((caught as Error).name).toBe('WavFormatError');
  expect((caught as Error).message).toMatch(message);
  // describeWav validates the same headers.
  expect(() => describeWav(bytes)).toThrow(WavFormatError);
}

// ---------- tests ----------

describe('decodeWav: encodings', () => {
  const intCases: [number, keyof typeof writers][] = [
    [8, 'u8'],
    [16, 'i16'],
    [24, 'i24'],
    [32, 'i32'],
  ];
  for (const [bits, writer] of intCases) {
    it(`reads ${bits}-bit PCM with full-scale codes mapped into [-1, 1)`, () => {
      const frames = intCodes(bits);
      const w = decodeWav(buildWav({ bits, sampleRate: 22050, data: interleave(frames, bits / 8, writers[writer]) }));
      expect(w).toMatchObject({
        sampleRate: 22050,
        channels: 1,
        bitsPerSample: bits,
        format: 'pcm',
        frames: frames.length,
      });
      // +full scale of 32-bit codes would round to 1.0 in float32; the decoder keeps it below 1.
      const top = bits === 32 ? 1 - 2 ** -24 : (2 ** (bits - 1) - 1) / 2 ** (bits - 1);
      expectFloatArray(
        w.samples,
        frames.map(([q]) => Math.min(q / 2 ** (bits - 1), top)),
      );
      expect(w.samples[0]).toBe(-1);
      expect(w.samples[1]).toBe(Math.fround(top));
      expect(w.samples[1]).toBeLessThan(1);
    });
  }

  it('reads 32-bit float exactly, without clipping values beyond full scale', () => {
    const values = [0, 0.25, -0.5, 1, -1, 1.5, -2.25, 1e-8].map(Math.fround);
    const w = decodeWav(
      buildWav({
        formatTag: 3,
        bits: 32,
        data: interleave(
          values.map((v) => [v]),
          4,
          writers.f32,
        ),
      }),
    );
    expect(w.format).toBe('float');
    expectFloatArray(w.samples, values);
  });

  it('reads 64-bit float, rounding to float32', () => {
    const values = [0, 0.1, -0.3333333333333333, 0.999999999, -1];
    const w = decodeWav(
      buildWav({
        formatTag: 3,
        bits: 64,
        data: interleave(
          values.map((v) => [v]),
          8,
          writers.f64,
        ),
      }),
    );
    expect(w).toMatchObject({ format: 'float', bitsPerSample: 64, frames: values.length });
    expectFloatArray(w.samples, values);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM (24-bit) and float (32-bit)', () => {
    const frames = intCodes(24, 16);
    const pcm = decodeWav(
      buildWav({ extensible: true, formatTag: 1, bits: 24, data: interleave(frames, 3, writers.i24) }),
    );
    expect(pcm).toMatchObject({ format: 'pcm', bitsPerSample: 24 });
    expectFloatArray(
      pcm.samples,
      frames.map(([q]) => q / 8388608),
    );

    const values = [0.5, -0.75, 0.125];
    const flt = decodeWav(
      buildWav({
        extensible: true,
        formatTag: 3,
        bits: 32,
        data: interleave(
          values.map((v) => [v]),
          4,
          writers.f32,
        ),
      }),
    );
    expect(flt.format).toBe('float');
    expectFloatArray(flt.samples, values);
  });

  it('downmixes stereo to the mean of the channels and keeps per-channel data', () => {
    const frames = [
      [1000, -1000],
      [32767, 32767],
      [-32768, 0],
      [5, 6],
    ];
    const w = decodeWav(buildWav({ channels: 2, bits: 16, data: interleave(frames, 2, writers.i16) }));
    expect(w.channels).toBe(2);
    expect(w.frames).toBe(4);
    expectFloatArray(
      w.samples,
      frames.map(([l, r]) => (l + r) / 2 / 32768),
    );
    expectFloatArray(
      w.channelData![0],
      frames.map(([l]) => l / 32768),
    );
    expectFloatArray(
      w.channelData![1],
      frames.map(([, r]) => r / 32768),
    );
  });

  it('downmixes any channel count (6-channel extensible 24-bit)', () => {
    const frames = Array.from({ length: 10 }, (_, i) => Array.from({ length: 6 }, (_, c) => (i - 5) * 1000 * (c + 1)));
    const w = decodeWav(
      buildWav({
        extensible: true,
        channels: 6,
        bits: 24,
        sampleRate: 96000,
        data: interleave(frames, 3, writers.i24),
      }),
    );
    expect(w).toMatchObject({ channels: 6, sampleRate: 96000, frames: 10 });
    expect(w.channelData).toHaveLength(6);
    expectFloatArray(
      w.samples,
      frames.map((f) => f.reduce((a, b) => a + b, 0) / 6 / 8388608),
    );
  });

  it('mono files report channelData as [samples]', () => {
    const w = decodeWav(encodeWav(new Float32Array([0.5, -0.5]), 8000));
    expect(w.channelData).toEqual([w.samples]);
  });

  it('accepts a Uint8Array view at a non-zero byte offset', () => {
    const file = encodeWav(new Float32Array([0.25, -0.25, 0.5]), 16000);
    const backing = new Uint8Array(file.length + 7);
    backing.set(file, 7);
    expectFloatArray(decodeWav(backing.subarray(7)).samples, [0.25, -0.25, 0.5]);
  });
});

describe('decodeWav: chunk walking', () => {
  const samples = [[100], [-200], [300]];
  const data = interleave(samples, 2, writers.i16);
  const expected = samples.map(([q]) => q / 32768);

  it('skips unknown chunks before, between and after, including odd-sized ones with pad bytes', () => {
    const odd = new Uint8Array([1, 2, 3]);
    const bytes = buildWav({
      bits: 16,
      data,
      before: [
        ['JUNK', new Uint8Array(5)],
        ['bext', odd],
      ],
      between: [
        ['LIST', new Uint8Array(7).fill(0x64)],
        ['fact', new Uint8Array(4)],
      ],
      after: [['id3 ', odd]],
    });
    expectFloatArray(decodeWav(bytes).samples, expected);
  });

  it('honours the pad byte after an odd-sized data chunk', () => {
    const frames = [[1], [2], [3]]; // 3 bytes of 8-bit audio, then a pad byte, then another chunk
    const bytes = buildWav({ bits: 8, data: interleave(frames, 1, writers.u8), after: [['LIST', new Uint8Array(4)]] });
    const w = decodeWav(bytes);
    expectFloatArray(w.samples, [1 / 128, 2 / 128, 3 / 128]);
  });

  it('accepts a data chunk that precedes the fmt chunk', () => {
    expectFloatArray(decodeWav(buildWav({ bits: 16, data, dataFirst: true })).samples, expected);
  });

  it('ignores a wrong RIFF size field (as left by streaming writers)', () => {
    const bytes = buildWav({ bits: 16, data });
    new DataView(bytes.buffer).setUint32(4, 0xffffffff, true);
    expectFloatArray(decodeWav(bytes).samples, expected);
  });

  it('drops a trailing partial frame', () => {
    const bytes = buildWav({ channels: 2, bits: 16, data: new Uint8Array(4 * 3 + 2) });
    expect(decodeWav(bytes).frames).toBe(3);
  });
});

describe('decodeWav: errors', () => {
  const data = new Uint8Array(8);

  it('rejects input that is not RIFF', () => {
    expectWavError(new TextEncoder().encode('ID3\x04 this is an mp3 file'), 'not a WAV file: missing RIFF header');
    expectWavError(new Uint8Array(5), /not a WAV file: only 5 bytes/);
    expectWavError(buildWav({ bits: 16, data, riffId: 'RIFX' }), /big-endian RIFX/);
  });

  it('rejects RIFF files that are not WAVE', () => {
    expectWavError(buildWav({ bits: 16, data, waveId: 'AVI ' }), /not a WAV file: RIFF form type is "AVI "/);
  });

  it('rejects a missing fmt chunk', () => {
    expectWavError(buildWav({ bits: 16, data, omitFmt: true }), 'invalid WAV: missing fmt chunk');
  });

  it('rejects a missing data chunk', () => {
    expectWavError(
      buildWav({ bits: 16, data, omitData: true, after: [['LIST', new Uint8Array(4)]] }),
      'invalid WAV: missing data chunk',
    );
  });

  it('rejects a data chunk that runs past the end of the file', () => {
    const bytes = buildWav({ bits: 16, data: new Uint8Array(400), declaredDataSize: 1000 });
    expectWavError(bytes, 'truncated WAV: data chunk declares 1000 bytes but only 400 remain');
    // Cutting a valid file short is the usual way this happens.
    const whole = encodeWav(new Float32Array(100), 16000);
    expectWavError(
      whole.subarray(0, whole.length - 10),
      'truncated WAV: data chunk declares 200 bytes but only 190 remain',
    );
  });

  it('reports truncation when an earlier chunk swallows the rest of the file', () => {
    const bytes = buildWav({ bits: 16, data, omitData: true, between: [['LIST', new Uint8Array(4)]] });
    new DataView(bytes.buffer).setUint32(bytes.length - 4 - 4, 5000, true);
    expectWavError(bytes, /truncated WAV: "LIST" chunk declares 5000 bytes but only 4 remain/);
  });

  it('rejects a truncated or short fmt chunk', () => {
    expectWavError(
      buildWav({ bits: 16, data, fmtBody: new Uint8Array(12) }),
      /fmt chunk is 12 bytes, needs at least 16/,
    );
    const cut = buildWav({ bits: 16, data, omitData: true });
    expectWavError(cut.subarray(0, cut.length - 4), /truncated WAV: fmt chunk/);
  });

  it('rejects unsupported format tags, naming them', () => {
    expectWavError(buildWav({ formatTag: 0x55, bits: 16, data }), 'unsupported WAV encoding: format tag 0x0055 (MP3)');
    expectWavError(buildWav({ formatTag: 0x11, bits: 4, blockAlign: 256, data }), /format tag 0x0011 \(IMA ADPCM\)/);
    expectWavError(buildWav({ formatTag: 0x1234, bits: 16, data }), /format tag 0x1234$/);
    expectWavError(buildWav({ extensible: true, formatTag: 0x55, bits: 16, data }), /format tag 0x0055 \(MP3\)/);
  });

  it('rejects extensible files with a non-standard subformat GUID or a short extension', () => {
    const guidTail = [...STANDARD_GUID_TAIL];
    guidTail[13] ^= 0xff;
    expectWavError(buildWav({ extensible: true, bits: 16, data, guidTail }), /non-standard subformat GUID/);
    const short = fmtBody({ extensible: true, bits: 16, data }).subarray(0, 24);
    expectWavError(buildWav({ bits: 16, data, fmtBody: short }), /EXTENSIBLE fmt chunk is 24 bytes, needs 40/);
  });

  it('rejects unsupported bit depths', () => {
    expectWavError(buildWav({ bits: 12, blockAlign: 2, data }), 'unsupported bit depth 12 for PCM');
    expectWavError(buildWav({ formatTag: 3, bits: 16, data }), 'unsupported bit depth 16 for float');
    expectWavError(buildWav({ bits: 0, blockAlign: 1, data }), 'unsupported bit depth 0 for PCM');
  });

  it('rejects zero channels, zero sample rate and a block align mismatch', () => {
    expectWavError(buildWav({ channels: 0, bits: 16, data }), 'invalid WAV: fmt chunk declares 0 channels');
    expectWavError(buildWav({ sampleRate: 0, bits: 16, data }), 'invalid WAV: fmt chunk declares a sample rate of 0');
    // Fuzz seed 1207 case 1953: a tiny file declaring 1 Hz became 100 s of audio at 16 kHz.
    expectWavError(
      buildWav({ sampleRate: 1, bits: 16, data }),
      'unsupported WAV: sample rate 1 Hz (must be 1000..384000)',
    );
    expectWavError(
      buildWav({ sampleRate: 999, bits: 16, data }),
      'unsupported WAV: sample rate 999 Hz (must be 1000..384000)',
    );
    expectWavError(
      buildWav({ sampleRate: 16_000_000, bits: 16, data }),
      'unsupported WAV: sample rate 16000000 Hz (must be 1000..384000)',
    );
    expect(decodeWav(buildWav({ sampleRate: 1000, bits: 16, data })).sampleRate).toBe(1000);
    expectWavError(
      buildWav({ channels: 2, bits: 16, blockAlign: 2, data }),
      /block align is 2 but 2 channel\(s\) x 16 bits needs 4/,
    );
  });
});

describe('describeWav', () => {
  it('reads the headers only', () => {
    const bytes = buildWav({ channels: 2, bits: 24, sampleRate: 44100, data: new Uint8Array(6 * 44100) });
    expect(describeWav(bytes)).toEqual({
      sampleRate: 44100,
      channels: 2,
      bitsPerSample: 24,
      format: 'pcm',
      frames: 44100,
      durationSeconds: 1,
    });
  });
});

describe('encodeWav', () => {
  it("writes 16-bit PCM by default by Lyra's rule: x * 32768, clipped, truncated toward zero", () => {
    const input = new Float32Array([
      0,
      0.5,
      -0.5,
      1,
      -1,
      1.5,
      -1.5,
      0.4 / 32768,
      0.6 / 32768,
      -0.6 / 32768,
      -1.6 / 32768,
      32767.9 / 32768,
      Number.NaN,
      Infinity,
      -Infinity,
    ]);
    const bytes = encodeWav(input, 16000);
    const w = decodeWav(bytes);
    expect(w).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm', frames: input.length });
    const codes = [0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 0, 0, -1, 32767, 0, 32767, -32768];
    expect(Array.from(new Int16Array(bytes.slice(44).buffer))).toEqual(codes);
    expect(bytes.length).toBe(44 + 2 * input.length);
  });

  it('16-bit codes match a naive reference of the rule on random and boundary floats', () => {
    const naive = (x: number) => {
      if (Number.isNaN(x)) return 0;
      const v = Math.min(32767, Math.max(-32768, x * 32768));
      return v < 0 ? Math.ceil(v) : Math.floor(v);
    };
    const random = mulberry32(16);
    const x = new Float32Array(20000).map((_, i) =>
      i % 3 === 0 ? (Math.round(random() * 65536 - 32768) + (i % 2 ? 0.5 : -0.5)) / 32768 : random() * 2.4 - 1.2,
    );
    const codes = new Int16Array(encodeWav(x, 16000).slice(44).buffer);
    for (let i = 0; i < x.length; i++) if (codes[i] !== naive(x[i])) expect(codes[i], `x = ${x[i]}`).toBe(naive(x[i]));
    for (let i = 0; i < x.length; i++) expect(lyraInt16(x[i])).toBe(codes[i]);
  });

  it('16-bit round trip error is under one step', () => {
    const x = new Float32Array(1000).map((_, i) => Math.sin(i * 0.37) * 0.99);
    const y = decodeWav(encodeWav(x, 8000)).samples;
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1 / 32768);
  });

  it('writes 32-bit integer PCM', () => {
    const x = new Float32Array([0.5, -0.25, 1, -1]);
    const w = decodeWav(encodeWav(x, 48000, { bitsPerSample: 32 }));
    expect(w).toMatchObject({ bitsPerSample: 32, format: 'pcm' });
    expectFloatArray(w.samples, [0.5, -0.25, 1 - 2 ** -24, -1]);
  });

  it('writes 32-bit float losslessly', () => {
    const x = new Float32Array([0.1, -0.7, 1.25, -3, 1e-6]);
    const w = decodeWav(encodeWav(x, 44100, { float: true }));
    expect(w).toMatchObject({ bitsPerSample: 32, format: 'float', sampleRate: 44100 });
    expect(Array.from(w.samples)).toEqual(Array.from(x));
  });

  it('validates its arguments', () => {
    const x = new Float32Array(4);
    expect(() => encodeWav(x, 0)).toThrow(RangeError);
    expect(() => encodeWav(x, 16000.5)).toThrow(/16000\.5/);
    expect(() => encodeWav(x, 16000, { bitsPerSample: 16, float: true })).toThrow(
      /float output needs bitsPerSample 32/,
    );
    expect(() => encodeWav(x, 16000, { bitsPerSample: 24 as 16 })).toThrow(/16 or 32, got 24/);
  });
});

describe('shared sample files', () => {
  const rates = [8000, 16000, 32000, 48000];
  const load = (rate: number) =>
    decodeWav(readFileSync(new URL(`../../shared/audio/sample1_${rate / 1000}kHz.wav`, import.meta.url)));

  it('sample1_16kHz.wav is 16 kHz mono 16-bit speech', () => {
    const w = load(16000);
    expect(w).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm' });
    expect(w.frames).toBeGreaterThan(16000);
    let peak = 0;
    for (const v of w.samples) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.05);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('the 8/32/48 kHz versions have their rates and the same duration', () => {
    const reference = load(16000);
    const duration = reference.frames / reference.sampleRate;
    for (const rate of rates) {
      const w = load(rate);
      expect(w.sampleRate).toBe(rate);
      expect(w.channels).toBe(1);
      expect(w.samples.length).toBe(w.frames);
      // Lengths agree to within one sample period of the coarser of the two rates.
      expect(Math.abs(w.frames / rate - duration)).toBeLessThanOrEqual(1 / Math.min(rate, 16000) + 1e-12);
    }
  });
});
