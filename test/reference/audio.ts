// Just enough WAV reading for tests: 16-bit PCM, mono, samples scaled by 1/32768.
import { readFileSync } from 'node:fs';

export function readPcm16Wav(path: string | URL): Float32Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => bytes.toString('latin1', at, at + 4);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${path}: not a RIFF/WAVE file`);
  let format = false;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      const encoding = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (encoding !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `${path}: expected 16-bit PCM mono, got format ${encoding}, ${channels} channels, ${bits} bits`,
        );
      }
      format = true;
    } else if (id === 'data') {
      if (!format) throw new Error(`${path}: data chunk before fmt chunk`);
      const count = Math.floor(Math.min(size, bytes.byteLength - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + 2 * i, true) / 32768;
      return samples;
    }
    at = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}
