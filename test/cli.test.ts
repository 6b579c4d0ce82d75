// End-to-end tests of the `soundstream` CLI: the built bundle is run as a child process,
// with a model imported from ../shared/lyra-v2 into a temporary folder.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/codec/crc32.js';
import { decodeSst, encodeSst, type SstFrameInput, writeSstHeader } from '../src/codec/sst.js';
import { decodeWav, describeWav, encodeWav } from '../src/audio/wav.js';
import { loadModel } from '../src/node/load-model.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const lyraDir = join(root, '../shared/lyra-v2');
const sample48 = join(root, '../shared/audio/sample1_48kHz.wav');
const bin = join(root, 'bin/soundstream.mjs');
const LYRA_FILES = ['soundstream_encoder.tflite', 'quantizer.tflite', 'lyragan.tflite'];
const PACKET_BYTES: Record<number, number> = { 3200: 8, 6000: 15, 9200: 23 };

let tmp: string;
let model: string;
let short: string; // first 2 s of sample1 at 48 kHz

type Result = { status: number | null; stdout: string; stderr: string };

function cli(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

/** Asynchronous run, for tests whose own process must keep serving (the HTTP server). */
function cliAsync(...args: string[]): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

const out = (name: string) => join(tmp, name);
const tmpLeftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** Frames the encoder makes from a WAV: its length at 16 kHz in whole 320-sample frames. */
function expectedFrames(wavPath: string): number {
  const d = describeWav(new Uint8Array(readFileSync(wavPath)));
  return Math.ceil(Math.round((d.frames * 16000) / d.sampleRate) / 320);
}

/** Serves `files` (name -> bytes) on 127.0.0.1 at a free port. */
async function serve(files: Record<string, Uint8Array>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/+/, ''));
    const body = files[name];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'soundstream-cli-'));
  model = join(tmp, 'model');
  const imported = cli('import-tflite', lyraDir, '--out', model);
  if (imported.status !== 0) throw new Error(`import-tflite failed: ${imported.stderr}`);
  const wav = decodeWav(new Uint8Array(readFileSync(sample48)));
  short = out('short.wav');
  writeFileSync(short, encodeWav(wav.samples.subarray(0, 2 * wav.sampleRate), wav.sampleRate));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('usage', () => {
  const COMMAND_OPTIONS: Record<string, string[]> = {
    'import-tflite': ['--out', '--json'],
    'fetch-weights': ['--from', '--out', '--json'],
    encode: [
      '--bitrate',
      '--dtx',
      '--format',
      '--model',
      '--denoise',
      '--denoise-model',
      '--precision',
      '--json',
      '--force',
    ],
    decode: [
      '--format',
      '--bitrate',
      '--rate',
      '--model',
      '--denoise',
      '--denoise-model',
      '--precision',
      '--json',
      '--force',
    ],
    roundtrip: ['--bitrate', '--dtx', '--model', '--denoise', '--denoise-model', '--precision', '--json', '--force'],
    info: ['--json'],
    eval: ['--align', '--json'],
  };
  const ALL_OPTIONS = [...new Set(Object.values(COMMAND_OPTIONS).flat())];

  it('--help and no arguments print the overview listing every command and option, exit 0', () => {
    for (const args of [['--help'], ['-h'], [], ['help'], ['--json', '--help']]) {
      const r = cli(...args);
      expect(r.status).toBe(0);
      for (const word of [...Object.keys(COMMAND_OPTIONS), ...ALL_OPTIONS]) expect(r.stdout).toContain(word);
      expect(r.stdout).toMatch(/soundstream <command> --help/);
    }
  });

  it("<command> --help, -h and help <command> print only that command's help and options, exit 0", () => {
    const overview = cli('--help').stdout;
    for (const [command, options] of Object.entries(COMMAND_OPTIONS)) {
      const texts = [cli(command, '--help'), cli(command, '-h'), cli('help', command)].map((r) => {
        expect(r.status, `${command}: ${r.stderr}`).toBe(0);
        expect(r.stderr).toBe('');
        return r.stdout;
      });
      expect(texts[1]).toBe(texts[0]);
      expect(texts[2]).toBe(texts[0]);
      const help = texts[0];
      expect(help.startsWith(`Usage: soundstream ${command} `)).toBe(true);
      expect(help.length).toBeLessThan(overview.length / 2);
      for (const option of options) expect(help, `${command} --help lacks ${option}`).toContain(option);
      for (const option of ALL_OPTIONS.filter(
        (o) => !options.includes(o) && !options.some((own) => own.startsWith(o)),
      )) {
        expect(help, `${command} --help mentions ${option}`).not.toMatch(new RegExp(`${option}\\b(?!-)`));
      }
      for (const other of Object.keys(COMMAND_OPTIONS).filter((c) => c !== command)) {
        expect(help, `${command} --help shows ${other}'s synopsis`).not.toMatch(
          new RegExp(`^\\s*(Usage: soundstream )?${other} (lyra-v2 )?[<[]`, 'm'),
        );
      }
    }
  });

  it("--help among a command's arguments shows its help and runs nothing; after -- it is an argument", () => {
    const r = cli('encode', short, out('help.sst'), '--bitrate', '6000', '--help', '--model', model);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: soundstream encode /);
    expect(existsSync(out('help.sst'))).toBe(false);
    const file = cli('info', '--', '--help');
    expect(file.status).toBe(1);
    expect(file.stderr).toMatch(/--help/);
    const unknown = cli('frobnicate', '--help');
    expect(unknown.status).toBe(0);
    expect(unknown.stdout).toBe(cli('--help').stdout);
  });

  it('unknown command, unknown option, missing argument: usage error, exit 2', () => {
    const a = cli('frobnicate');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/unknown command/);
    const b = cli('encode', short, out('x.sst'), '--model', model, '--speed', 'fast');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/unknown option --speed/);
    const c = cli('encode', short);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/missing/);
    expect(c.stderr).toMatch(/run 'soundstream encode --help' for usage/);
    expect(a.stderr).toMatch(/run 'soundstream --help' for usage/);
    const d = cli('encode', short, out('x.sst'), '--format', 'mp3', '--model', model);
    expect(d.status).toBe(2);
    expect(existsSync(out('x.sst'))).toBe(false);
  });
});

describe('encode / decode', () => {
  const inputSeconds = () => describeWav(new Uint8Array(readFileSync(sample48))).durationSeconds;

  for (const bitrate of [3200, 6000, 9200]) {
    for (const format of ['sst', 'lyra'] as const) {
      it(`${format} at ${bitrate} bps round-trips sample1 at 48 kHz`, { timeout: 30_000 }, () => {
        const enc = out(`s-${bitrate}.${format}`);
        const wav = out(`s-${bitrate}-${format}.wav`);
        const e = cli('encode', sample48, enc, '--bitrate', String(bitrate), '--format', format, '--model', model);
        expect(e.status, e.stderr).toBe(0);
        expect(e.stderr).toBe(''); // no progress bar or warnings when not on a terminal
        const frames = expectedFrames(sample48);
        const size = readFileSync(enc).length;
        if (format === 'lyra') expect(size).toBe(frames * PACKET_BYTES[bitrate]);
        else expect(decodeSst(new Uint8Array(readFileSync(enc))).frames).toHaveLength(frames);

        const args = format === 'lyra' ? ['--format', 'lyra', '--bitrate', String(bitrate), '--rate', '48000'] : [];
        const d = cli('decode', enc, wav, ...args, '--model', model);
        expect(d.status, d.stderr).toBe(0);
        expect(d.stderr).toBe('');
        const desc = describeWav(new Uint8Array(readFileSync(wav)));
        expect(desc.sampleRate).toBe(48000);
        expect(desc.bitsPerSample).toBe(16);
        expect(Math.abs(desc.durationSeconds - inputSeconds())).toBeLessThanOrEqual(0.02);
        const samples = decodeWav(new Uint8Array(readFileSync(wav))).samples;
        expect(samples.some((x) => x !== 0)).toBe(true);
      });
    }
  }

  it('detects a raw Lyra stream, defaults to 9200 bps and 16 kHz', { timeout: 20_000 }, () => {
    const lyra = out('auto.lyra');
    expect(cli('encode', short, lyra, '--format', 'lyra', '--model', model).status).toBe(0);
    expect(readFileSync(lyra).length).toBe(expectedFrames(short) * 23);
    const d = cli('decode', lyra, out('auto.wav'), '--model', model);
    expect(d.status, d.stderr).toBe(0);
    expect(describeWav(new Uint8Array(readFileSync(out('auto.wav')))).sampleRate).toBe(16000);
  });

  it('--rate overrides the output rate; a raw stream with trailing bytes warns', { timeout: 20_000 }, () => {
    const lyra = out('trail.lyra');
    expect(cli('encode', short, lyra, '--format', 'lyra', '--bitrate', '3200', '--model', model).status).toBe(0);
    writeFileSync(lyra, Buffer.concat([readFileSync(lyra), Buffer.from([1, 2, 3])]));
    const d = cli('decode', lyra, out('trail.wav'), '--bitrate', '3200', '--rate', '8000', '--model', model);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/3 trailing bytes/);
    const desc = describeWav(new Uint8Array(readFileSync(out('trail.wav'))));
    expect(desc.sampleRate).toBe(8000);
    expect(Math.abs(desc.durationSeconds - 2)).toBeLessThanOrEqual(0.02);
  });

  it('--json prints one JSON object with the figures', { timeout: 20_000 }, () => {
    const e = cli('encode', short, out('j.sst'), '--bitrate', '6000', '--model', model, '--json');
    expect(e.status, e.stderr).toBe(0);
    const ej = JSON.parse(e.stdout);
    expect(ej).toMatchObject({
      format: 'sst',
      bitrate: 6000,
      numQuantizers: 30,
      packetBytes: 15,
      frames: expectedFrames(short),
      inputSampleRate: 48000,
    });
    const d = cli('decode', out('j.sst'), out('j.wav'), '--model', model, '--json');
    expect(d.status, d.stderr).toBe(0);
    const dj = JSON.parse(d.stdout);
    expect(dj).toMatchObject({
      format: 'sst',
      frames: ej.frames,
      decodedFrames: ej.frames,
      concealedFrames: 0,
      outputSampleRate: 48000,
      bitrates: { 6000: ej.frames },
    });
  });

  it('warns when the .sst was made with other weights', { timeout: 20_000 }, () => {
    const sst = out('other.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const bytes = new Uint8Array(readFileSync(sst));
    const { header } = decodeSst(bytes);
    const head = writeSstHeader({ ...header, modelSha256Prefix: new Uint8Array(8).fill(0xab) });
    writeFileSync(sst, Buffer.concat([head, bytes.subarray(head.length)]));
    const d = cli('decode', sst, out('other.wav'), '--model', model);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/warning: .*abababababababab.*loaded model/);
  });
});

describe('roundtrip and info', () => {
  it('--denoise on runs the denoising bottleneck: a different stream, still plain Lyra packets', {
    timeout: 30_000,
  }, () => {
    const denoiser = join(root, 'weights/lyra-v2-denoise');
    const plain = cli('encode', short, out('plain.lyra'), '--format', 'lyra', '--bitrate', '6000', '--model', model);
    expect(plain.status, plain.stderr).toBe(0);
    const on = cli(
      'encode',
      short,
      out('denoised.lyra'),
      '--format',
      'lyra',
      '--bitrate',
      '6000',
      '--model',
      model,
      '--denoise',
      'on',
      '--denoise-model',
      denoiser,
    );
    expect(on.status, on.stderr).toBe(0);
    const a = readFileSync(out('plain.lyra'));
    const b = readFileSync(out('denoised.lyra'));
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(false);
    const off = cli(
      'encode',
      short,
      out('off.lyra'),
      '--format',
      'lyra',
      '--bitrate',
      '6000',
      '--model',
      model,
      '--denoise',
      'off',
    );
    expect(readFileSync(out('off.lyra')).equals(a)).toBe(true);
    expect(off.status).toBe(0);
    const bad = cli('encode', short, out('x.lyra'), '--model', model, '--denoise', 'maybe');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--denoise must be on or off/);
    const rx = cli(
      'decode',
      out('plain.lyra'),
      out('rx.wav'),
      '--format',
      'lyra',
      '--bitrate',
      '6000',
      '--model',
      model,
      '--denoise',
      'on',
      '--denoise-model',
      denoiser,
    );
    expect(rx.status, rx.stderr).toBe(0);
  });

  it('--precision fast decodes to audio near, but not equal to, the exact decode', { timeout: 30_000 }, () => {
    expect(cli('encode', short, out('p.lyra'), '--format', 'lyra', '--model', model).status).toBe(0);
    const exact = cli('decode', out('p.lyra'), out('exact.wav'), '--format', 'lyra', '--model', model);
    const fast = cli(
      'decode',
      out('p.lyra'),
      out('fast.wav'),
      '--format',
      'lyra',
      '--model',
      model,
      '--precision',
      'fast',
    );
    expect(exact.status, exact.stderr).toBe(0);
    expect(fast.status, fast.stderr).toBe(0);
    const a = decodeWav(new Uint8Array(readFileSync(out('exact.wav')))).samples;
    const b = decodeWav(new Uint8Array(readFileSync(out('fast.wav')))).samples;
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < a.length; i++) {
      signal += a[i] ** 2;
      noise += (a[i] - b[i]) ** 2;
    }
    expect(noise).toBeGreaterThan(0);
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(25);
    const bad = cli(
      'decode',
      out('p.lyra'),
      out('x.wav'),
      '--format',
      'lyra',
      '--model',
      model,
      '--precision',
      'sloppy',
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--precision must be exact or fast/);
  });

  it('roundtrip reports sizes, times, real-time factors, STOI, log-mel distance and SNR', { timeout: 30_000 }, () => {
    const r = cli('roundtrip', short, out('rt.wav'), '--bitrate', '3200', '--model', model);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/real-time factor/);
    expect(r.stdout).toMatch(/8-byte packets/);
    expect(r.stdout).toMatch(/STOI 0\.\d{4}, log-mel distance \d+\.\d{3} dB/);
    expect(r.stdout).toMatch(/SNR/);
    const desc = describeWav(new Uint8Array(readFileSync(out('rt.wav'))));
    expect(desc).toMatchObject({ sampleRate: 48000, frames: 96000 });
    const j = cli('roundtrip', short, out('rt2.wav'), '--model', model, '--json');
    expect(j.status, j.stderr).toBe(0);
    const fig = JSON.parse(j.stdout);
    expect(fig).toMatchObject({ bitrate: 9200, packetBytes: 23, inputDurationSeconds: 2 });
    for (const k of ['encodeMs', 'decodeMs', 'encodeRtf', 'decodeRtf', 'snrDb', 'stoi', 'logMelDistanceDb'])
      expect(typeof fig[k]).toBe('number');
    expect(fig.encodeRtf).toBeGreaterThan(0);
    // Speech through Lyra at 9200 bps stays intelligible and near the input's spectrum.
    expect(fig.stoi).toBeGreaterThan(0.8);
    expect(fig.stoi).toBeLessThan(1);
    expect(fig.logMelDistanceDb).toBeGreaterThan(0);
    expect(fig.logMelDistanceDb).toBeLessThan(8);
    // The same figures as eval of the written output against the input (STOI works at 10 kHz,
    // so the 16 kHz comparison inside roundtrip and this 48 kHz one agree closely).
    const e = JSON.parse(cli('eval', short, out('rt2.wav'), '--align', '--json').stdout);
    expect(Math.abs(e.stoi - fig.stoi)).toBeLessThan(0.01);
    expect(Math.abs(e.lagSamples - 3 * fig.delaySamples)).toBeLessThanOrEqual(3);
  });

  it('roundtrip writes what encode then decode with the same options write, --denoise on too', {
    timeout: 60_000,
  }, () => {
    const denoiser = ['--denoise', 'on', '--denoise-model', join(root, 'weights/lyra-v2-denoise')];
    for (const extra of [[], denoiser]) {
      const tag = extra.length === 0 ? 'plain' : 'dn';
      const common = ['--bitrate', '6000', '--model', model, ...extra];
      expect(cli('roundtrip', short, out(`rt-${tag}.wav`), ...common).status).toBe(0);
      expect(cli('encode', short, out(`rt-${tag}.sst`), ...common).status).toBe(0);
      expect(cli('decode', out(`rt-${tag}.sst`), out(`rt-${tag}-decoded.wav`), '--model', model, ...extra).status).toBe(
        0,
      );
      // `short` is a whole number of frames, so the two are the same length as well.
      expect(readFileSync(out(`rt-${tag}.wav`)).equals(readFileSync(out(`rt-${tag}-decoded.wav`))), tag).toBe(true);
    }
  });

  it('info describes .sst and WAV files, as text and JSON', { timeout: 20_000 }, () => {
    const sst = out('info.sst');
    expect(cli('encode', short, sst, '--bitrate', '6000', '--model', model).status).toBe(0);
    const t = cli('info', sst);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/lyra-v2/);
    expect(t.stdout).toMatch(/6000 bps/);
    expect(t.stdout).toMatch(/48000 Hz/);
    const j = JSON.parse(cli('info', sst, '--json').stdout);
    expect(j).toMatchObject({
      type: 'sst',
      version: 3,
      modelId: 'lyra-v2',
      sampleRate: 16000,
      frameSize: 320,
      bitsPerIndex: 4,
      inputSampleRate: 48000,
      frames: expectedFrames(short),
      lostFrames: 0,
      problems: [],
    });
    expect(j.bitrates).toEqual([{ numQuantizers: 30, bitrate: 6000, lyra: true, frames: expectedFrames(short) }]);
    const w = cli('info', short);
    expect(w.status).toBe(0);
    expect(w.stdout).toMatch(/48000 Hz/);
    expect(JSON.parse(cli('info', short, '--json').stdout)).toMatchObject({
      type: 'wav',
      sampleRate: 48000,
      channels: 1,
      bitsPerSample: 16,
      durationSeconds: 2,
    });
  });
});

describe('DTX (encode --dtx, decode, info, roundtrip --dtx)', () => {
  const json = (r: SpawnSyncReturns<string>) => {
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const rmsDb = (x: Float32Array) => 10 * Math.log10(x.reduce((s, v) => s + v * v, 0) / x.length);
  let padded: string;
  let input: Float32Array;
  beforeAll(() => {
    // sample1 cut to whole frames, with 2 s of its own room tone (its first 0.5 s, repeated) before and after.
    const speech = decodeWav(new Uint8Array(readFileSync(join(root, '../shared/audio/sample1_16kHz.wav')))).samples;
    const roomTone = speech.subarray(0, 8000);
    const body = speech.subarray(0, Math.floor(speech.length / 320) * 320);
    input = new Float32Array(body.length + 64000);
    for (let k = 0; k < 4; k++) {
      input.set(roomTone, k * 8000);
      input.set(roomTone, 32000 + body.length + k * 8000);
    }
    input.set(body, 32000);
    padded = out('padded.wav');
    writeFileSync(padded, encodeWav(input, 16000, { bitsPerSample: 16 }));
  });

  it('encode --dtx writes gaps and comfort-noise updates; info counts them; decode plays comfort noise at the background level', {
    timeout: 60_000,
  }, () => {
    const frames = input.length / 320;
    const enc = json(cli('encode', padded, out('dtx.sst'), '--bitrate', '6000', '--dtx', '--model', model, '--json'));
    expect(enc.frames).toBe(frames);
    expect(enc.dtx.notSentFrames).toBeGreaterThan(100);
    expect(enc.dtx.comfortNoiseFrames).toBeGreaterThanOrEqual(4);
    expect(enc.dtx.sentFrames).toBe(frames - enc.dtx.notSentFrames);
    expect(enc.dtx.payloadKbps).toBeLessThan(enc.dtx.payloadKbpsWithoutDtx);
    const info = json(cli('info', out('dtx.sst'), '--json'));
    expect(info).toMatchObject({
      frames,
      lostFrames: 0,
      notSentFrames: enc.dtx.notSentFrames,
      comfortNoiseFrames: enc.dtx.comfortNoiseFrames,
    });
    expect(cli('info', out('dtx.sst')).stdout).toMatch(/not sent \(DTX\), \d+ comfort-noise updates/);
    const dec = json(cli('decode', out('dtx.sst'), out('dtx.wav'), '--model', model, '--json'));
    expect(dec).toMatchObject({
      decodedFrames: enc.dtx.speechFrames,
      concealedFrames: 0,
      comfortNoiseFrames: enc.dtx.notSentFrames + enc.dtx.comfortNoiseFrames,
      problems: [],
    });
    const audio = decodeWav(new Uint8Array(readFileSync(out('dtx.wav')))).samples;
    expect(audio.length).toBe(input.length);
    const lead = [20 * 320, 90 * 320];
    expect(Math.abs(rmsDb(audio.subarray(lead[0], lead[1])) - rmsDb(input.subarray(lead[0], lead[1])))).toBeLessThan(3);
    expect(rmsDb(audio.subarray(32000 + 6400, 32000 + 38400))).toBeGreaterThan(
      rmsDb(input.subarray(lead[0], lead[1])) + 15,
    );
  });

  it('roundtrip --dtx reports the frames sent and the kbps saved; --format lyra refuses --dtx', {
    timeout: 60_000,
  }, () => {
    const r = json(
      cli('roundtrip', padded, out('dtx-rt.wav'), '--bitrate', '6000', '--dtx', '--model', model, '--json'),
    );
    expect(r.dtx.sentFrames).toBeLessThan(r.frames);
    expect(r.dtx.kbpsSaved).toBeGreaterThan(1);
    expect(r.dtx.kbpsSaved).toBeCloseTo(r.dtx.payloadKbpsWithoutDtx - r.dtx.payloadKbps, 2);
    expect(r.comfortNoiseFrames).toBe(r.dtx.notSentFrames + r.dtx.comfortNoiseFrames);
    expect(decodeWav(new Uint8Array(readFileSync(out('dtx-rt.wav')))).samples.length).toBe(input.length);
    const text = cli('roundtrip', padded, out('dtx-rt.wav'), '--dtx', '--model', model, '--force');
    expect(text.stdout).toMatch(/dtx: \d+ of \d+ frames sent .* kbps saved/);
    const lyra = cli('encode', padded, out('dtx.lyra'), '--dtx', '--format', 'lyra', '--model', model);
    expect(lyra.status).toBe(2);
    expect(lyra.stderr).toMatch(/--format lyra cannot carry --dtx/);
    expect(existsSync(out('dtx.lyra'))).toBe(false);
  });

  it('a comfort-noise update with a bad body is reported by name and the rest decodes', { timeout: 60_000 }, () => {
    const good = cli(
      'encode',
      padded,
      out('dtx-bad-src.sst'),
      '--bitrate',
      '3200',
      '--dtx',
      '--model',
      model,
      '--force',
    );
    expect(good.status, good.stderr).toBe(0);
    const { header, frames } = decodeSst(new Uint8Array(readFileSync(out('dtx-bad-src.sst'))));
    const first = frames.findIndex((f) => 'comfortNoise' in f);
    expect(frames.some((f) => 'lost' in f)).toBe(false);
    const inputs = frames.map(
      ({ index, ...f }, i) => (i === first ? { comfortNoise: Uint8Array.of(1, 2, 3) } : f) as SstFrameInput,
    );
    writeFileSync(out('dtx-bad.sst'), encodeSst(header, inputs));
    const r = cli('decode', out('dtx-bad.sst'), out('dtx-bad.wav'), '--model', model, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`frame ${first}: unreadable comfort-noise update: SID body has 3 bytes, expected 11`);
  });

  it('DTX off: the .sst bytes are those pinned before DTX was wired in', { timeout: 60_000 }, () => {
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(cli('encode', short, out('pin.sst'), '--bitrate', '6000', '--model', model, '--force').status).toBe(0);
    expect(sha(out('pin.sst'))).toBe('5fe496b3662b847ca6b6d69dcff1ea6763d48397a7156f5ad0a0e4a4ddef633b');
    const args = ['--quantizers', '13', '--redundancy', '8', '--model', model, '--force'];
    expect(cli('encode', short, out('pin13.sst'), ...args).status).toBe(0);
    expect(sha(out('pin13.sst'))).toBe('52507b8a94a67d5a50eaeb92d6c77c6a43d208832d52593b68ed83151ee3dc0b');
  });
});

describe('errors', () => {
  it('missing input file: exit 1, one line naming the file', () => {
    const r = cli('encode', out('nope.wav'), out('nope.sst'), '--model', model);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nope\.wav.*no such file/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('non-WAV input: exit 1, the message mentions WAV', () => {
    writeFileSync(out('text.wav'), 'hello, this is not audio at all\n');
    const r = cli('encode', out('text.wav'), out('text.sst'), '--model', model);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WAV/);
    expect(existsSync(out('text.sst'))).toBe(false);
    const i = cli('info', out('text.wav'));
    expect(i.status).toBe(1);
    expect(i.stderr).toMatch(/WAV/);
  });

  it('truncated .sst: decodes the intact frames with a warning (exit 0); a bad header is exit 1', {
    timeout: 20_000,
  }, () => {
    const sst = out('trunc.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const full = readFileSync(sst);
    const frames = expectedFrames(short);
    const cut = full.subarray(0, full.length - 10); // the last page (of 50 frames) loses its tail
    writeFileSync(sst, cut);
    const d = cli('decode', sst, out('trunc.wav'), '--model', model);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/truncated page/);
    const whole = Math.floor((frames - 1) / 50) * 50;
    expect(describeWav(new Uint8Array(readFileSync(out('trunc.wav')))).frames).toBe(whole * 320 * 3);

    writeFileSync(sst, full.subarray(0, 20));
    const h = cli('decode', sst, out('trunc2.wav'), '--model', model);
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(/truncated header/);
    expect(existsSync(out('trunc2.wav'))).toBe(false);
  });

  it('a damaged page is concealed and reported frame by frame (exit 0)', { timeout: 20_000 }, () => {
    const sst = out('damaged.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const bytes = readFileSync(sst);
    const headerBytes = 33 + 'lyra-v2'.length;
    bytes[headerBytes + 8 + 12 * 23 + 5] ^= 0xff; // inside frame 12's packet, in the first page (frames 0..49)
    writeFileSync(sst, bytes);
    const d = cli('decode', sst, out('damaged.wav'), '--model', model);
    expect(d.status, d.stderr).toBe(0);
    const lines = d.stderr.trim().split('\n');
    expect(lines.slice(0, 50)).toEqual(
      Array.from({ length: 50 }, (_, i) => `frame ${i}: checksum mismatch; concealed`),
    );
    expect(lines.slice(50)).toEqual([
      `warning: frames 0..49 at byte offset ${headerBytes}: damaged page (checksum mismatch or bad layout); 50 frames marked lost, ${12 + 50 * 23} bytes skipped, in step again at byte offset ${headerBytes + 12 + 50 * 23}`,
    ]);
    expect(describeWav(new Uint8Array(readFileSync(out('damaged.wav')))).frames).toBe(expectedFrames(short) * 960);
  });

  it('refuses to write over the input file, leaving it unchanged', () => {
    const copy = out('same.wav');
    copyFileSync(short, copy);
    const before = readFileSync(copy);
    for (const cmd of ['encode', 'roundtrip']) {
      const r = cli(cmd, copy, copy, '--model', model);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refusing to overwrite the input file/);
    }
    const sst = out('same.sst');
    expect(cli('decode', copy, join(tmp, '.', 'same.wav'), '--model', model).stderr).toMatch(
      /refusing to overwrite the input file/,
    );
    expect(readFileSync(copy).equals(before)).toBe(true);
    expect(existsSync(sst)).toBe(false);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('missing model folder: the message says how to import one', () => {
    const r = cli('encode', short, out('nomodel.sst'), '--model', out('no-such-model'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/import-tflite/);
    expect(r.stderr).toMatch(/fetch-weights/);
    expect(existsSync(out('nomodel.sst'))).toBe(false);
  });

  it('--quantizers and --redundancy: any count into .sst, Lyra rates only into raw Lyra', { timeout: 30_000 }, () => {
    const sst = out('ladder.sst');
    expect(cli('encode', short, sst, '--quantizers', '13', '--redundancy', '16', '--model', model).status).toBe(0);
    const j = JSON.parse(cli('info', sst, '--json').stdout);
    expect(j.bitrates).toEqual([{ numQuantizers: 13, bitrate: 2600, lyra: false, frames: expectedFrames(short) }]);
    expect(j.redundantFrames).toBe(expectedFrames(short) - 1);
    const d = JSON.parse(cli('decode', sst, out('ladder.wav'), '--model', model, '--json').stdout);
    expect([d.decodedFrames, d.concealedFrames, d.bitrates]).toEqual([
      expectedFrames(short),
      0,
      { 2600: expectedFrames(short) },
    ]);
    const lyra = cli('encode', short, out('ladder.lyra'), '--bitrate', '2600', '--format', 'lyra', '--model', model);
    expect(lyra.status).toBe(2);
    expect(lyra.stderr).toMatch(/--format lyra carries only the Lyra rates \(3200, 6000, 9200 bps\), not 2600 bps/);
    expect(
      cli('encode', short, out('x.sst'), '--bitrate', '3200', '--quantizers', '16', '--model', model).stderr,
    ).toMatch(/not both/);
  });

  it('an unsupported bitrate is an error naming the allowed ones', () => {
    const r = cli('encode', short, out('br.sst'), '--bitrate', '1234', '--model', model);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/1234.*3200, 6000, 9200/);
  });
});

describe('atomic outputs', () => {
  it('decoding into a folder that does not exist fails and leaves nothing behind', { timeout: 20_000 }, () => {
    const sst = out('atomic.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const r = cli('decode', sst, join(tmp, 'missing-dir', 'x.wav'), '--model', model);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(join(tmp, 'missing-dir'))).toBe(false);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('import-tflite from a folder with a truncated .tflite fails and creates nothing', () => {
    const bad = out('bad-tflite');
    mkdirSync(bad);
    for (const f of LYRA_FILES) copyFileSync(join(lyraDir, f), join(bad, f));
    const enc = readFileSync(join(bad, LYRA_FILES[0]));
    writeFileSync(join(bad, LYRA_FILES[0]), enc.subarray(0, enc.length >> 1));
    const dest = join(tmp, 'new-parent', 'model');
    const r = cli('import-tflite', bad, '--out', dest);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/soundstream_encoder\.tflite/);
    expect(existsSync(join(tmp, 'new-parent'))).toBe(false);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('import-tflite replaces an existing model folder but not a folder of other files', { timeout: 20_000 }, () => {
    const dest = out('replace-model');
    expect(cli('import-tflite', lyraDir, '--out', dest).status).toBe(0);
    const r = cli('import-tflite', lyraDir, '--out', dest, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      tensors: expect.any(Number),
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(readdirSync(dest).sort()).toEqual(['manifest.json', 'model.bin']);
    const other = out('precious');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    const refused = cli('import-tflite', lyraDir, '--out', other);
    expect(refused.status).toBe(1);
    expect(readdirSync(other)).toEqual(['notes.txt']);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });
});

describe('fetch-weights', () => {
  const originals = () =>
    Object.fromEntries(LYRA_FILES.map((f) => [f, new Uint8Array(readFileSync(join(lyraDir, f)))]));

  it('downloads over http, verifies and imports a loadable model', { timeout: 30_000 }, async () => {
    const { server, url } = await serve(originals());
    try {
      const dest = out('fetched');
      const r = await cliAsync('fetch-weights', 'lyra-v2', '--from', url, '--out', dest);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/sha256/);
      const loaded = await loadModel(dest);
      expect(loaded.manifest.model).toBe('lyra-v2');
      const imported = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
      expect(loaded.manifest.blob.sha256).toBe(imported.blob.sha256);
    } finally {
      server.close();
    }
  });

  it('a tampered file is a sha256 mismatch naming the file, and nothing is written', { timeout: 30_000 }, async () => {
    const files = originals();
    const tampered = files['lyragan.tflite'].slice();
    tampered[tampered.length >> 1] ^= 0x01;
    files['lyragan.tflite'] = tampered;
    const { server, url } = await serve(files);
    try {
      const dest = out('tampered');
      const r = await cliAsync('fetch-weights', 'lyra-v2', '--from', url, '--out', dest);
      expect(r.status).toBe(1);
      const actual = createHash('sha256').update(tampered).digest('hex');
      expect(r.stderr).toMatch(/lyragan\.tflite: sha256 mismatch/);
      expect(r.stderr).toContain('50e7839cda4f30599a3a34cfaddcd9c98449b049eee884e1a74295780448ad06');
      expect(r.stderr).toContain(actual);
      expect(existsSync(dest)).toBe(false);
      expect(tmpLeftovers(tmp)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('reads from a folder with --from; an unknown model name is a usage error', { timeout: 30_000 }, () => {
    const dest = out('from-folder');
    const r = cli('fetch-weights', 'lyra-v2', '--from', lyraDir, '--out', dest);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dest).sort()).toEqual(['manifest.json', 'model.bin']);
    expect(cli('fetch-weights', 'lyra-v9', '--out', out('v9')).status).toBe(2);
  });
});

describe('untrusted inputs and outputs (issue 12)', () => {
  it('decode of an empty or non-stream input is exit 1 with nothing written', () => {
    const empty = out('empty.sst');
    writeFileSync(empty, new Uint8Array(0));
    const e = cli('decode', empty, out('empty.wav'), '--model', model);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/is empty: not an encoded stream/);
    const dn = cli('decode', '/dev/null', out('null.wav'), '--model', model);
    expect(dn.status).toBe(1);
    const text = out('notes.txt');
    writeFileSync(text, 'these are not Lyra packets, just a line of text.\n');
    const t = cli('decode', text, out('notes.wav'), '--model', model);
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/not an \.sst file, and its 49 bytes are not a whole number of 23-byte Lyra packets/);
    for (const f of ['empty.wav', 'null.wav', 'notes.wav']) expect(existsSync(out(f))).toBe(false);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('a CRC-valid .sst header claiming a 16 MHz input rate is refused, not turned into a huge WAV', {
    timeout: 20_000,
  }, () => {
    const sst = out('16mhz.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const bytes = new Uint8Array(readFileSync(sst));
    const header = decodeSst(bytes).header;
    const forged = writeSstHeader({ ...header, inputSampleRate: 384_000 });
    // The writer itself refuses 16 MHz; forge the field and its CRC by hand.
    new DataView(forged.buffer).setUint32(21 + 7, 16_000_000, true);
    new DataView(forged.buffer).setUint32(29 + 7, crc32(forged.subarray(0, 29 + 7)), true);
    writeFileSync(sst, Buffer.concat([forged, bytes.subarray(forged.length)]));
    const d = cli('decode', sst, out('16mhz.wav'), '--model', model);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/implausible header: inputSampleRate 16000000/);
    expect(existsSync(out('16mhz.wav'))).toBe(false);
  });

  it('a closed stdout pipe (info | head -c1) ends quietly', { timeout: 20_000 }, () => {
    const sst = out('pipe.sst');
    expect(cli('encode', short, sst, '--model', model).status).toBe(0);
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" info "${sst}" | head -c1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(1);
    expect(r.stderr).toBe('');
  });

  it('an existing read-only output or a symbolic link is refused unless --force', { timeout: 30_000 }, () => {
    const target = out('locked.sst');
    writeFileSync(target, 'keep me');
    chmodSync(target, 0o444);
    const refused = cli('encode', short, target, '--model', model);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/refusing to replace .*locked\.sst: it is read-only; pass --force/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    const link = out('link.sst');
    symlinkSync(target, link);
    expect(cli('encode', short, link, '--model', model).stderr).toMatch(/it is a symbolic link/);
    const forced = cli('encode', short, target, '--model', model, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(decodeSst(new Uint8Array(readFileSync(target))).frames.length).toBe(expectedFrames(short));
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('temporaries left by a killed run are removed by the next write to the same output', { timeout: 20_000 }, () => {
    // A pid that is surely gone: above every pid in use now.
    const deadPid = 4_194_304 + 1;
    const stale = out(`.stale.sst.${deadPid}.0123456789ab.tmp`);
    const alive = out(`.stale.sst.${process.pid}.0123456789ab.tmp`);
    writeFileSync(stale, '');
    writeFileSync(alive, '');
    expect(cli('encode', short, out('stale.sst'), '--model', model).status).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(alive)).toBe(true); // its process (this test) still runs
    rmSync(alive);
  });

  it('SIGTERM during encode leaves neither an output nor a temporary', { timeout: 30_000 }, async () => {
    const long = out('long.wav');
    const wav = decodeWav(new Uint8Array(readFileSync(short)));
    writeFileSync(
      long,
      encodeWav(
        new Float32Array(wav.samples.length * 15).map((_, i) => wav.samples[i % wav.samples.length]),
        wav.sampleRate,
      ),
    );
    const child = spawn(process.execPath, [bin, 'encode', long, out('killed.sst'), '--model', model], { cwd: root });
    await new Promise((ok) => setTimeout(ok, 1500));
    child.kill('SIGTERM');
    const status = await new Promise((ok) => child.on('close', (code, signal) => ok(code ?? signal)));
    // Killed while computing (no temporary yet: SIGTERM's default), while writing (143, the
    // handler removes the temporary), or finished first on a fast machine (0).
    expect(['SIGTERM', 143, 0]).toContain(status);
    if (status !== 0) expect(existsSync(out('killed.sst'))).toBe(false);
    expect(tmpLeftovers(tmp)).toEqual([]);
  });

  it('import-tflite says whether the files are the Lyra v2 release, and warns when not', { timeout: 60_000 }, () => {
    const known = cli('import-tflite', lyraDir, '--out', out('known-model'));
    expect(known.status, known.stderr).toBe(0);
    expect(known.stdout).toMatch(/the Lyra v2 release \(sha256 of all three verified\)/);
    expect(known.stderr).toBe('');
    const copy = out('other-lyra');
    mkdirSync(copy);
    for (const f of LYRA_FILES) copyFileSync(join(lyraDir, f), join(copy, f));
    // One byte appended: a FlatBuffer is read from its start, so it still imports.
    writeFileSync(
      join(copy, 'quantizer.tflite'),
      Buffer.concat([readFileSync(join(copy, 'quantizer.tflite')), Buffer.from([0])]),
    );
    const other = cli('import-tflite', copy, '--out', out('other-model'), '--json');
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/warning: .*quantizer\.tflite is not the Lyra v2 release file/);
    expect(JSON.parse(other.stdout)).toMatchObject({ knownRelease: false });
  });
});
