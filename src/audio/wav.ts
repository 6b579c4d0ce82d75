// WAV (RIFF/WAVE) reading and writing with no dependencies, so the same code runs in
// Node, browsers, Bun and Deno: only Uint8Array, DataView and Float32Array are used.

/** Thrown for every malformed or unsupported WAV input; the message names the problem. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

export type WavSampleFormat = 'pcm' | 'float';

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: WavSampleFormat;
  frames: number;
  /** Mono downmix (mean of the channels). Integer formats land in [-1, 1); float data is passed through unclipped. */
  samples: Float32Array;
  /** One array per channel; for mono input this is `[samples]`. */
  channelData?: Float32Array[];
}

export interface WavDescription {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: WavSampleFormat;
  frames: number;
  durationSeconds: number;
}

export interface EncodeWavOptions {
  bitsPerSample?: 16 | 32;
  float?: boolean;
}

/**
 * Sample rates the reader accepts. Resampled to the codec's 16 kHz, a file's audio is then at most
 * 16 times as many samples as it holds (and at most 384 times at the highest output rate).
 */
export const WAV_MIN_RATE = 1000;
export const WAV_MAX_RATE = 384_000;

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

// Names for the tags people most often feed us by mistake, so the error says what the file is.
const KNOWN_FORMAT_TAGS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x0161: 'WMA',
  0x1610: 'HE-AAC',
  0xf1ac: 'FLAC',
};

// Bytes 2..15 of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT (GUID xxxx0000-0000-0010-8000-00AA00389B71);
// the first two bytes carry the ordinary format tag.
const KSDATAFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

interface FmtInfo {
  format: WavSampleFormat;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

interface WavLayout {
  fmt: FmtInfo;
  dataOffset: number;
  dataSize: number;
  frames: number;
}

interface Chunk {
  id: string;
  offset: number; // start of the chunk body
  size: number; // declared body size
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkRiffHeader(bytes: Uint8Array): void {
  if (bytes.length < 12) throw new WavFormatError(`not a WAV file: only ${bytes.length} bytes, a RIFF header needs 12`);
  const riff = fourCC(bytes, 0);
  if (riff === 'RIFX') throw new WavFormatError('unsupported WAV: big-endian RIFX files are not supported');
  if (riff === 'RF64') throw new WavFormatError('unsupported WAV: RF64 (64-bit size) files are not supported');
  if (riff !== 'RIFF') throw new WavFormatError('not a WAV file: missing RIFF header');
  const wave = fourCC(bytes, 8);
  if (wave !== 'WAVE') throw new WavFormatError(`not a WAV file: RIFF form type is "${wave}", expected "WAVE"`);
}

// The RIFF size field is ignored on purpose: streaming writers often leave it 0 or
// 0xFFFFFFFF, so we walk chunks until the bytes run out instead.
function listChunks(bytes: Uint8Array): Chunk[] {
  const dv = view(bytes);
  const chunks: Chunk[] = [];
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const chunk = { id: fourCC(bytes, pos), offset: pos + 8, size: dv.getUint32(pos + 4, true) };
    chunks.push(chunk);
    // A truncated data chunk must be reported, not walked past; stop here and let the caller decide.
    if (chunk.offset + chunk.size > bytes.length) break;
    pos = chunk.offset + chunk.size + (chunk.size & 1); // odd-sized chunks carry one pad byte
  }
  return chunks;
}

function formatName(tag: number): string {
  const name = KNOWN_FORMAT_TAGS[tag];
  return name ? `${hex4(tag)} (${name})` : hex4(tag);
}

// Resolves WAVE_FORMAT_EXTENSIBLE to the plain tag its subformat GUID stands for.
function extensibleSubformat(bytes: Uint8Array, chunk: Chunk): number {
  if (chunk.size < 40) {
    throw new WavFormatError(`invalid WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk is ${chunk.size} bytes, needs 40`);
  }
  const guid = chunk.offset + 24;
  const tag = bytes[guid] | (bytes[guid + 1] << 8);
  for (let i = 0; i < KSDATAFORMAT_GUID_TAIL.length; i++) {
    if (bytes[guid + 2 + i] !== KSDATAFORMAT_GUID_TAIL[i]) {
      throw new WavFormatError('unsupported WAV encoding: WAVE_FORMAT_EXTENSIBLE with a non-standard subformat GUID');
    }
  }
  return tag;
}

function sampleFormatOf(tag: number): WavSampleFormat {
  if (tag === WAVE_FORMAT_PCM) return 'pcm';
  if (tag === WAVE_FORMAT_IEEE_FLOAT) return 'float';
  throw new WavFormatError(`unsupported WAV encoding: format tag ${formatName(tag)}`);
}

function checkBitDepth(format: WavSampleFormat, bits: number): void {
  const ok = format === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!ok.includes(bits)) {
    throw new WavFormatError(`unsupported bit depth ${bits} for ${format === 'pcm' ? 'PCM' : 'float'}`);
  }
}

function parseFmt(bytes: Uint8Array, chunk: Chunk): FmtInfo {
  if (chunk.size < 16) throw new WavFormatError(`invalid WAV: fmt chunk is ${chunk.size} bytes, needs at least 16`);
  if (chunk.offset + chunk.size > bytes.length)
    throw new WavFormatError('truncated WAV: fmt chunk runs past the end of the file');
  const dv = view(bytes);
  const o = chunk.offset;
  const rawTag = dv.getUint16(o, true);
  const channels = dv.getUint16(o + 2, true);
  const sampleRate = dv.getUint32(o + 4, true);
  const blockAlign = dv.getUint16(o + 12, true);
  const bitsPerSample = dv.getUint16(o + 14, true);
  const tag = rawTag === WAVE_FORMAT_EXTENSIBLE ? extensibleSubformat(bytes, chunk) : rawTag;
  const format = sampleFormatOf(tag);
  checkBitDepth(format, bitsPerSample);
  if (channels === 0) throw new WavFormatError('invalid WAV: fmt chunk declares 0 channels');
  if (sampleRate === 0) throw new WavFormatError('invalid WAV: fmt chunk declares a sample rate of 0');
  if (sampleRate < WAV_MIN_RATE || sampleRate > WAV_MAX_RATE) {
    // A rate no recording has lets a few bytes claim minutes of audio (1 Hz: 100 samples = 100 s).
    throw new WavFormatError(
      `unsupported WAV: sample rate ${sampleRate} Hz (must be ${WAV_MIN_RATE}..${WAV_MAX_RATE})`,
    );
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new WavFormatError(
      `invalid WAV: block align is ${blockAlign} but ${channels} channel(s) x ${bitsPerSample} bits needs ${expectedAlign}`,
    );
  }
  return { format, channels, sampleRate, bitsPerSample, blockAlign };
}

// When the chunk walk stopped at an overlong chunk, the data chunk is most likely lost to
// truncation, and saying so is more useful than "missing".
function missingDataError(bytes: Uint8Array, chunks: Chunk[]): WavFormatError {
  const last = chunks[chunks.length - 1];
  if (last && last.offset + last.size > bytes.length) {
    const remaining = bytes.length - last.offset;
    return new WavFormatError(
      `truncated WAV: "${last.id}" chunk declares ${last.size} bytes but only ${remaining} remain, and no data chunk precedes it`,
    );
  }
  return new WavFormatError('invalid WAV: missing data chunk');
}

function parseLayout(bytes: Uint8Array): WavLayout {
  checkRiffHeader(bytes);
  const chunks = listChunks(bytes);
  const fmtChunk = chunks.find((c) => c.id === 'fmt ');
  if (!fmtChunk) throw new WavFormatError('invalid WAV: missing fmt chunk');
  const fmt = parseFmt(bytes, fmtChunk);
  const data = chunks.find((c) => c.id === 'data');
  if (!data) throw missingDataError(bytes, chunks);
  const remaining = bytes.length - data.offset;
  if (data.size > remaining) {
    throw new WavFormatError(`truncated WAV: data chunk declares ${data.size} bytes but only ${remaining} remain`);
  }
  // A trailing partial frame cannot be decoded meaningfully; it is dropped.
  const frames = Math.floor(data.size / fmt.blockAlign);
  return { fmt, dataOffset: data.offset, dataSize: data.size, frames };
}

/** Reads only the headers: format, rate, channel count and length, without decoding samples. */
export function describeWav(bytes: Uint8Array): WavDescription {
  const { fmt, frames } = parseLayout(bytes);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    format: fmt.format,
    frames,
    durationSeconds: frames / fmt.sampleRate,
  };
}

const LARGEST_BELOW_ONE = 1 - 2 ** -24; // the largest float32 below 1

type SampleReader = (dv: DataView, offset: number) => number;

// Integer scales are powers of two so that full-scale negative is exactly -1 and the
// range is [-1, 1), matching how the values were quantised in the first place.
function sampleReader(format: WavSampleFormat, bits: number): SampleReader {
  if (format === 'float') {
    return bits === 64 ? (dv, o) => dv.getFloat64(o, true) : (dv, o) => dv.getFloat32(o, true);
  }
  switch (bits) {
    case 8:
      return (dv, o) => (dv.getUint8(o) - 128) / 128; // 8-bit WAV is unsigned, centred on 128
    case 16:
      return (dv, o) => dv.getInt16(o, true) / 32768;
    case 24:
      return (dv, o) => ((dv.getInt8(o + 2) << 16) | dv.getUint16(o, true)) / 8388608;
    default:
      // Codes near +full scale round up to exactly 1 in float32; keep the promised [-1, 1).
      return (dv, o) => Math.min(dv.getInt32(o, true) / 2147483648, LARGEST_BELOW_ONE);
  }
}

function readChannels(bytes: Uint8Array, layout: WavLayout): Float32Array[] {
  const { fmt, frames, dataOffset } = layout;
  const dv = view(bytes);
  const read = sampleReader(fmt.format, fmt.bitsPerSample);
  const step = fmt.bitsPerSample / 8;
  const out: Float32Array[] = [];
  for (let ch = 0; ch < fmt.channels; ch++) {
    const dst = new Float32Array(frames);
    let o = dataOffset + ch * step;
    for (let i = 0; i < frames; i++, o += fmt.blockAlign) dst[i] = read(dv, o);
    out.push(dst);
  }
  return out;
}

function downmix(channels: Float32Array[], frames: number): Float32Array {
  if (channels.length === 1) return channels[0];
  // Accumulate in double precision so the mean of many channels is not biased by float32 rounding.
  const sum = new Float64Array(frames);
  for (const ch of channels) for (let i = 0; i < frames; i++) sum[i] += ch[i];
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = sum[i] / channels.length;
  return out;
}

/** Decodes a RIFF/WAVE file (PCM 8/16/24/32-bit, float 32/64-bit, plain or extensible). */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const layout = parseLayout(bytes);
  const { fmt, frames } = layout;
  const channelData = readChannels(bytes, layout);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    format: fmt.format,
    frames,
    samples: downmix(channelData, frames),
    channelData,
  };
}

function checkEncodeArgs(sampleRate: number, bits: number, float: boolean, byteLength: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new RangeError(`encodeWav: sample rate must be a positive integer, got ${sampleRate}`);
  }
  if (bits !== 16 && bits !== 32) throw new RangeError(`encodeWav: bitsPerSample must be 16 or 32, got ${bits}`);
  if (float && bits !== 32) throw new RangeError(`encodeWav: float output needs bitsPerSample 32, got ${bits}`);
  if (byteLength > 0xffffffff - 64)
    throw new RangeError(`encodeWav: ${byteLength} bytes of audio exceed the 4 GiB WAV limit`);
}

// Round to nearest, then clip to the integer range; NaN becomes silence rather than garbage.
/**
 * A float sample -> 16-bit code as Lyra's decoder makes it: x * 32768, clipped to
 * [-32768, 32767], then truncated toward zero (C's float-to-integer conversion). Writing decoded
 * audio this way makes our 16 kHz WAV the same samples as Google's decoder output. NaN -> 0.
 */
export function lyraInt16(x: number): number {
  const scaled = x * 32768;
  if (Number.isNaN(scaled)) return 0;
  return Math.trunc(scaled < -32768 ? -32768 : scaled > 32767 ? 32767 : scaled);
}

function quantise(x: number, scale: number, min: number, max: number): number {
  const q = Math.round(x * scale);
  if (Number.isNaN(q)) return 0;
  return q < min ? min : q > max ? max : q;
}

function writeSamples(dv: DataView, offset: number, samples: Float32Array, bits: number, float: boolean): void {
  if (float) {
    for (let i = 0; i < samples.length; i++) dv.setFloat32(offset + 4 * i, samples[i], true);
  } else if (bits === 16) {
    for (let i = 0; i < samples.length; i++) dv.setInt16(offset + 2 * i, lyraInt16(samples[i]), true);
  } else {
    for (let i = 0; i < samples.length; i++) {
      dv.setInt32(offset + 4 * i, quantise(samples[i], 2147483648, -2147483648, 2147483647), true);
    }
  }
}

function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
}

/** Encodes mono samples as a WAV file: 16-bit PCM by default, or 32-bit int / 32-bit float. */
export function encodeWav(samples: Float32Array, sampleRate: number, opts: EncodeWavOptions = {}): Uint8Array {
  const float = opts.float ?? false;
  const bits = opts.bitsPerSample ?? (float ? 32 : 16);
  const bytesPerSample = bits / 8;
  const dataSize = samples.length * bytesPerSample;
  checkEncodeArgs(sampleRate, bits, float, dataSize);
  // Non-PCM formats carry cbSize and a fact chunk (frame count), as the RIFF spec asks.
  const fmtSize = float ? 18 : 16;
  const factSize = float ? 12 : 0;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  const out = new Uint8Array(headerSize + dataSize + (dataSize & 1));
  const dv = view(out);
  writeAscii(out, 0, 'RIFF');
  dv.setUint32(4, out.length - 8, true);
  writeAscii(out, 8, 'WAVE');
  writeAscii(out, 12, 'fmt ');
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * bytesPerSample, true);
  dv.setUint16(32, bytesPerSample, true);
  dv.setUint16(34, bits, true);
  let pos = 20 + fmtSize;
  if (float) {
    dv.setUint16(36, 0, true); // cbSize
    writeAscii(out, pos, 'fact');
    dv.setUint32(pos + 4, 4, true);
    dv.setUint32(pos + 8, samples.length, true);
    pos += factSize;
  }
  writeAscii(out, pos, 'data');
  dv.setUint32(pos + 4, dataSize, true);
  writeSamples(dv, pos + 8, samples, bits, float);
  return out;
}
