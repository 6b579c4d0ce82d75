// Tests of the objective metrics (src/metrics): STOI, the log-mel distance, delay alignment,
// and the `soundstream eval` command (run from a private bundle of src/cli/main.ts, so this file
// does not race test/cli.test.ts, which rebuilds dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resample } from '../src/audio/resample.js';
import { decodeWav, encodeWav } from '../src/audio/wav.js';
import { applyLag, bestLag } from '../src/metrics/align.js';
import { evaluate } from '../src/metrics/evaluate.js';
import { logMelDistance, logMelSpectrogram } from '../src/metrics/log-mel.js';
import { stoi, thirdOctaveBands } from '../src/metrics/stoi.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const samplePath = fileURLToPath(new URL('../../shared/audio/sample1_16kHz.wav', import.meta.url));
const haveSample = existsSync(samplePath);
const speech: { samples: Float32Array; sampleRate: number } = haveSample
  ? decodeWav(new Uint8Array(readFileSync(samplePath)))
  : { samples: new Float32Array(0), sampleRate: 16000 };

/** Deterministic uniform noise in [-0.5, 0.5) (a 32-bit LCG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function power(x: Float32Array): number {
  let p = 0;
  for (const v of x) p += v * v;
  return p / x.length;
}

/** x plus white noise scaled to the given SNR (over the whole signal). */
function withNoise(x: Float32Array, snrDb: number, seed = 1): Float32Array {
  const r = lcg(seed);
  // Uniform noise on [-0.5, 0.5) has variance 1/12.
  const g = Math.sqrt((12 * power(x)) / 10 ** (snrDb / 10));
  return Float32Array.from(x, (v) => v + g * r());
}

function noise(n: number, amplitude: number, seed: number): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => amplitude * r());
}

function tone(n: number, rate: number, hz: number, amplitude: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
}

/**
 * A speech-like test signal at 10 kHz: harmonics of 220 Hz under a 4 Hz syllable envelope,
 * silent from 1.0 to 1.3 s. The expected STOI values below were computed with the pystoi
 * reference implementation (v0.4.1) on exactly these samples (no resampling at 10 kHz).
 */
function synthetic(): Float32Array {
  const rate = 10000;
  const x = new Float32Array(25000);
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const env = t >= 1 && t < 1.3 ? 0 : 0.5 * (1 - Math.cos(2 * Math.PI * 4 * t));
    x[i] =
      0.3 *
      env *
      (Math.sin(2 * Math.PI * 220 * t) +
        0.5 * Math.sin(2 * Math.PI * 660 * t + 1) +
        0.25 * Math.sin(2 * Math.PI * 1870 * t + 2) +
        0.1 * Math.sin(2 * Math.PI * 3100 * t));
  }
  return x;
}

describe('stoi', () => {
  const syn = synthetic();

  it('matches the reference implementation on a synthetic signal at 10 kHz', () => {
    const r = lcg(7);
    const noisy = Float32Array.from(syn, (v) => v + 0.05 * r());
    const smooth = Float32Array.from(
      syn,
      (_, i) => (syn[i] + (syn[i - 1] ?? 0) + (syn[i - 2] ?? 0) + (syn[i - 3] ?? 0)) / 4,
    );
    expect(stoi(syn, noisy, 10000)).toBeCloseTo(0.6458125575345146, 9);
    expect(stoi(syn, smooth, 10000)).toBeCloseTo(0.9971897798146466, 9);
  });

  it('is 1 for a signal against itself', () => {
    expect(Math.abs(stoi(syn, syn, 10000) - 1)).toBeLessThan(1e-6);
    const syn16 = resample(syn, 10000, 16000);
    expect(Math.abs(stoi(syn16, syn16, 16000) - 1)).toBeLessThan(1e-6);
  });

  it('uses the classic one-third-octave bands from 150 Hz', () => {
    const bands = thirdOctaveBands();
    expect(bands).toHaveLength(15);
    expect(bands[0].centerHz).toBe(150);
    expect(bands[14].centerHz).toBeCloseTo(150 * 2 ** (14 / 3), 9);
    // 512-point FFT at 10 kHz: 19.53 Hz bins; band 0 spans 133.6 .. 168.4 Hz -> bins 7 .. 8.
    expect(bands[0]).toMatchObject({ firstBin: 7, endBin: 9 });
    for (let k = 1; k < 15; k++) expect(bands[k].firstBin).toBe(bands[k - 1].endBin);
  });

  it('compares only the common length', () => {
    const r = lcg(3);
    const noisy = Float32Array.from(syn, (v) => v + 0.05 * r());
    const longer = new Float32Array(syn.length + 5000);
    longer.set(noisy);
    longer.fill(0.3, syn.length);
    expect(stoi(syn, longer, 10000)).toBe(stoi(syn, noisy, 10000));
    expect(stoi(longer, syn, 10000)).toBe(stoi(noisy, syn, 10000));
  });

  it('throws RangeError for input too short after silence removal', () => {
    // 0.3 s: 2999 samples at 10 kHz -> 22 frames, fewer than 30.
    expect(() => stoi(syn.subarray(0, 3000), syn.subarray(0, 3000), 10000)).toThrow(RangeError);
    expect(() => stoi(syn.subarray(0, 3000), syn.subarray(0, 3000), 10000)).toThrow(/at least 30 frames/);
    // Long enough, but all but 0.2 s is more than 40 dB below the loudest frame.
    const mostlySilent = noise(20000, 1e-4, 5);
    mostlySilent.set(noise(2000, 1, 6), 9000);
    expect(() => stoi(mostlySilent, mostlySilent, 10000)).toThrow(/after silence removal/);
    expect(() => stoi(new Float32Array(0), new Float32Array(0), 16000)).toThrow(RangeError);
    expect(() => stoi(new Float32Array(16000), noise(16000, 1, 1), 16000)).toThrow(/silent/);
    expect(() => stoi(syn, syn, 0)).toThrow(RangeError);
    const bad = syn.slice();
    bad[100] = NaN;
    expect(() => stoi(bad, syn, 10000)).toThrow(/non-finite/);
  });

  describe.skipIf(!haveSample)('on speech (shared/audio/sample1_16kHz.wav)', () => {
    const { samples: x, sampleRate: rate } = speech;

    it('is 1 for the recording against itself', () => {
      expect(Math.abs(stoi(x, x, rate) - 1)).toBeLessThan(1e-6);
    });

    it('decreases monotonically as white noise is added at 20, 10, 0, -5 dB SNR', () => {
      const scores = [20, 10, 0, -5].map((snr) => stoi(x, withNoise(x, snr), rate));
      for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThan(scores[i - 1]);
      expect(scores[0]).toBeGreaterThan(0.85);
      expect(scores[0]).toBeLessThan(1);
      expect(scores[3]).toBeGreaterThan(0.3);
    });

    // Classic STOI does not go to 0 for unrelated signals: clipping the degraded envelope at
    // -15 dB SDR lets it follow the clean one's dips, which alone correlates. For this recording
    // stationary white noise scores about 0.42 and unrelated speech (the recording itself,
    // time-reversed or shifted by 1.7 s) about 0.30-0.32; pystoi agrees (see the next test).
    it('is low against unrelated signals, below any noisy version', () => {
      const floor = stoi(x, noise(x.length, 0.2, 99), rate);
      expect(floor).toBeLessThan(0.45);
      expect(floor).toBeLessThan(stoi(x, withNoise(x, -5), rate) - 0.1);
      expect(stoi(x, x.slice().reverse(), rate)).toBeLessThan(0.35);
    });

    it('matches the reference implementation against noise at 10 kHz', () => {
      // Expected value from pystoi 0.4.1 on the same 10 kHz samples (the recording through
      // this project's resampler, and this LCG noise): 0.3979645738810947.
      const x10 = resample(x, rate, 10000);
      const n10 = noise(x10.length, 0.2, 99);
      expect(stoi(x10, n10, 10000)).toBeCloseTo(0.3979645738810947, 3);
    });

    it('is invariant to a global gain on the degraded signal', () => {
      const noisy = withNoise(x, 5);
      const s = stoi(x, noisy, rate);
      for (const g of [0.01, 0.5, 3]) {
        expect(
          Math.abs(
            stoi(
              x,
              noisy.map((v) => v * g),
              rate,
            ) - s,
          ),
        ).toBeLessThan(1e-3);
      }
    });

    it('works at other input rates through the resampler', () => {
      const x48 = resample(x, rate, 48000);
      const noisy = withNoise(x, 10);
      const at16 = stoi(x, noisy, rate);
      const at48 = stoi(x48, resample(noisy, rate, 48000), 48000);
      expect(Math.abs(at48 - at16)).toBeLessThan(0.01);
    });
  });
});

describe('logMelDistance', () => {
  const rate = 16000;
  const white = noise(rate * 2, 0.2, 11);

  it('is 0 for identical signals', () => {
    expect(logMelDistance(white, white, rate)).toBe(0);
    expect(logMelDistance(new Float32Array(8000), new Float32Array(8000), rate)).toBe(0);
  });

  it('is exactly symmetric', () => {
    const other = withNoise(white, 3, 12);
    expect(logMelDistance(white, other, rate)).toBe(logMelDistance(other, white, rate));
  });

  it('is 20 log10(g) dB for a global gain g on a broadband signal', () => {
    const half = white.map((v) => v / 2);
    expect(logMelDistance(white, half, rate)).toBeCloseTo(20 * Math.log10(2), 4); // 6.0206 dB
    expect(
      logMelDistance(
        white,
        white.map((v) => v * 10),
        rate,
      ),
    ).toBeCloseTo(20, 4);
  });

  it('differs by 6.02 dB in the bands a 1 kHz tone dominates when its amplitude is halved', () => {
    const full = tone(rate, rate, 1000, 0.5);
    const half = tone(rate, rate, 1000, 0.25);
    const a = logMelSpectrogram(full, rate);
    const b = logMelSpectrogram(half, rate);
    const t = 50; // any frame: the tone is stationary
    const row = (s: typeof a) => Array.from(s.data.subarray(t * s.nMels, (t + 1) * s.nMels));
    const ra = row(a);
    const rb = row(b);
    const peak = Math.max(...ra);
    const peakBand = ra.indexOf(peak);
    expect(Math.abs(a.centerHz[peakBand] - 1000)).toBeLessThan(60);
    let checked = 0;
    for (let m = 0; m < a.nMels; m++) {
      if (ra[m] > peak - 40) {
        expect(ra[m] - rb[m]).toBeCloseTo(6.0206, 3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('has the documented framing and a -100 dB floor for silence', () => {
    const s = logMelSpectrogram(new Float32Array(rate), rate);
    expect(s).toMatchObject({
      frameLength: 400,
      hop: 160,
      fftSize: 512,
      nMels: 64,
      frames: 1 + Math.floor((16000 - 400) / 160),
    });
    expect(s.centerHz[63]).toBeLessThan(8000);
    for (const v of s.data) expect(v).toBeCloseTo(-100, 9);
    // White noise of variance s^2 sits near 10 log10(s^2 * sum of the filter weights), well above the floor.
    const w = logMelSpectrogram(white, rate);
    expect(Math.min(...w.data)).toBeGreaterThan(-60);
  });

  it('grows with the noise level', () => {
    const base = tone(rate * 2, rate, 440, 0.3).map(
      (v, i) => v + 0.5 * Math.sin((2 * Math.PI * 1300 * i) / rate) * 0.3,
    );
    const d = [30, 20, 10, 0].map((snr) => logMelDistance(base, withNoise(base, snr, 21), rate));
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
  });

  describe.skipIf(!haveSample)('on speech', () => {
    it('grows with the noise level', () => {
      const { samples: x, sampleRate } = speech;
      const d = [20, 10, 0, -5].map((snr) => logMelDistance(x, withNoise(x, snr), sampleRate));
      for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
      expect(d[0]).toBeGreaterThan(0);
    });
  });

  it('throws RangeError for input shorter than a frame or bad options', () => {
    expect(() => logMelDistance(new Float32Array(399), new Float32Array(399), rate)).toThrow(RangeError);
    expect(() => logMelDistance(white, white.subarray(0, 100), rate)).toThrow(/at least one 400-sample frame/);
    expect(() => logMelDistance(white, white, rate, { nMels: 0 })).toThrow(RangeError);
    expect(() => logMelDistance(white, white, rate, { fMax: 9000 })).toThrow(RangeError);
    expect(() => logMelDistance(white, white, rate, { nMels: 400 })).toThrow(/contains no FFT bin/);
    expect(() => logMelDistance(white, white, rate, { floor: 0 })).toThrow(RangeError);
  });
});

describe('alignment', () => {
  const x = noise(20000, 0.5, 31);

  it('finds positive and negative delays', () => {
    for (const lag of [0, 1, 37, 1600, -50, -1600]) {
      const y = new Float32Array(x.length);
      for (let i = 0; i < y.length; i++) y[i] = x[i - lag] ?? 0;
      expect(bestLag(x, y, 1600)).toBe(lag);
      const [a, b] = applyLag(x, y, lag);
      const n = Math.min(a.length, b.length) - 1700;
      for (let i = 0; i < n; i += 997) expect(b[i]).toBe(a[i]);
    }
  });

  it('stays within maxLag and returns 0 for silence', () => {
    const y = new Float32Array(x.length);
    y.set(x.subarray(0, x.length - 500), 500);
    expect(Math.abs(bestLag(x, y, 100))).toBeLessThanOrEqual(100);
    expect(bestLag(new Float32Array(1000), new Float32Array(1000), 50)).toBe(0);
  });

  it.skipIf(!haveSample)('lets evaluate() undo a delay and a rate change', () => {
    const { samples, sampleRate } = speech;
    const delayed = new Float32Array(samples.length + 240);
    delayed.set(samples, 240);
    const deg48 = resample(delayed, sampleRate, 48000);
    const plain = evaluate({ samples, sampleRate }, { samples: deg48, sampleRate: 48000 });
    const aligned = evaluate({ samples, sampleRate }, { samples: deg48, sampleRate: 48000 }, { align: true });
    expect(plain.resampled).toBe(true);
    expect(plain.lagSamples).toBeNull();
    expect(aligned.lagSamples).toBe(240);
    expect(aligned.stoi).toBeGreaterThan(0.99);
    expect(aligned.logMelDistanceDb).toBeLessThan(1);
    expect(aligned.stoi).toBeGreaterThan(plain.stoi);
  });
});

describe('soundstream eval', () => {
  let tmp: string;
  let cliBundle: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'soundstream-metrics-'));
    // Inside the repository so that the external `fft.js` import resolves from node_modules.
    const dir = join(root, 'node_modules/.cache/soundstream-metrics-test');
    mkdirSync(dir, { recursive: true });
    cliBundle = join(dir, `cli-${process.pid}.mjs`);
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(root, 'src/cli/main.ts')],
      outfile: cliBundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
  }, 60_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (cliBundle) rmSync(cliBundle, { force: true });
  });

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [cliBundle, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

  it.skipIf(!haveSample)('prints STOI and log-mel distance, as text and --json, with --align', () => {
    const { samples, sampleRate } = speech;
    const ref = join(tmp, 'ref.wav');
    const deg = join(tmp, 'deg.wav');
    const delayed = new Float32Array(samples.length + 160);
    delayed.set(withNoise(samples, 10), 160);
    writeFileSync(ref, encodeWav(samples, sampleRate, { bitsPerSample: 16 }));
    writeFileSync(deg, encodeWav(resample(delayed, sampleRate, 48000), 48000, { float: true }));

    const text = cli('eval', ref, deg, '--align');
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/STOI:\s+0\.\d+/);
    expect(text.stdout).toMatch(/log-mel distance: \d+\.\d+ dB/);
    expect(text.stdout).toMatch(/resampled to 16000 Hz/);
    expect(text.stdout).toMatch(/shifted by 160 samples/);

    const json = cli('eval', ref, deg, '--json', '--align');
    expect(json.status).toBe(0);
    const fig = JSON.parse(json.stdout);
    expect(fig).toMatchObject({
      command: 'eval',
      sampleRate: 16000,
      degradedSampleRate: 48000,
      resampled: true,
      lagSamples: 160,
    });
    expect(fig.stoi).toBeGreaterThan(0.7);
    expect(fig.stoi).toBeLessThan(1);
    expect(fig.logMelDistanceDb).toBeGreaterThan(0);

    const unaligned = JSON.parse(cli('eval', ref, deg, '--json').stdout);
    expect(unaligned.lagSamples).toBeNull();
    expect(unaligned.stoi).toBeLessThan(fig.stoi);

    const same = JSON.parse(cli('eval', ref, ref, '--json').stdout);
    expect(same.stoi).toBe(1);
    expect(same.logMelDistanceDb).toBe(0);
  });

  it('reports errors: too short (exit 1), missing argument or unknown option (exit 2)', () => {
    const short = join(tmp, 'short.wav');
    writeFileSync(short, encodeWav(noise(3200, 0.5, 3), 16000, { bitsPerSample: 16 }));
    const a = cli('eval', short, short);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/^soundstream: error: STOI needs at least 30 frames/);
    const b = cli('eval', short);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/missing <deg\.wav>/);
    const c = cli('eval', short, short, '--bitrate', '6000');
    expect(c.status).toBe(2);
    const d = cli('eval', short, join(tmp, 'nope.wav'));
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/cannot read degraded file/);
  });
});
