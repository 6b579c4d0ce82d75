// Test helpers for driving the demo page (demo/) in headless Chromium with a fake microphone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { decodeWav, encodeWav } from '../../src/audio/wav.js';
import type { PacketFormat, RedundancyOptions } from '../../src/codec/frame-codec.js';
import { importLyraV2 } from '../../src/import/lyra-v2.js';
import { xorshift32 } from '../../src/util/prng.js';
import { buildDemo, serveDemo, type DemoServer } from '../../demo/server.js';
import { loadModelFromBytes, type Model } from '../../src/model/load.js';
import { HAVE_SHARED, lyraFiles } from '../reference/lyra.js';

export const CHROMIUM = '/usr/bin/chromium';
/** The checkout: the first folder up from here with a package.json (this module is also bundled into dist/ by scripts/call-session.ts). */
export const ROOT = (() => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
/** The fake microphone: Chromium loops this WAV (16-bit PCM, 48 kHz). */
export const MICROPHONE_WAV = join(ROOT, '..', 'shared', 'audio', 'sample1_48kHz.wav');
/** Headless Chromium with the sample as its fake microphone, its tabs kept running at full rate. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-audio-capture=${MICROPHONE_WAV}`,
  '--autoplay-policy=no-user-gesture-required',
  // A hidden or occluded headless tab must keep its timers and audio running at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export const AVAILABLE = existsSync(CHROMIUM) && HAVE_SHARED && existsSync(MICROPHONE_WAV);

/**
 * The microphone's sample with pauses, for DTX (the sample itself is speech throughout): each
 * pass of it followed by `pauseSeconds` of a quiet background (white noise at -60 dBFS, seeded),
 * `passes` times. Written once to dist/browser/ (48 kHz, 16-bit); returns its path, for the
 * demo page's file input.
 */
export function speechWithPausesWav(passes = 4, pauseSeconds = 1.5): string {
  const path = join(ROOT, 'dist', 'browser', `speech-with-pauses-${passes}x${pauseSeconds}s.wav`);
  if (existsSync(path)) return path;
  const { samples: speech, sampleRate } = decodeWav(new Uint8Array(readFileSync(MICROPHONE_WAV)));
  const pause = Math.round(pauseSeconds * sampleRate);
  const out = new Float32Array(passes * (speech.length + pause));
  const random = xorshift32(0x5eed);
  for (let p = 0; p < passes; p++) {
    const at = p * (speech.length + pause);
    out.set(speech, at);
    for (let i = 0; i < pause; i++) out[at + speech.length + i] = (random() - 0.5) * 0.0035;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeWav(out, sampleRate));
  return path;
}

import type { Meters } from '../../demo/demo.js';

export type { Meters };

export interface PageInfo {
  sampleRate: number;
  /** The AudioContext's baseLatency (s): what the audio device asks for at once. */
  baseLatency: number;
  transport: 'sab' | 'port';
  crossOriginIsolated: boolean;
  denoiser: boolean;
}

export interface Records {
  encoder: {
    sampleRate: number;
    input: Float32Array;
    packetFormat: PacketFormat;
    redundancy: RedundancyOptions | false;
    dtx: boolean;
    settings: { atSample: number; bitrate: number; denoise: boolean }[];
    packets: Uint8Array[];
  };
  decoder: {
    modelRate: number;
    packetFormat: PacketFormat;
    firstSeq: number;
    packets: (Uint8Array | null)[];
    nexts: (Uint8Array | null)[];
    seqs: number[];
    pcm: Float32Array;
  };
}

export interface Harness {
  server: DemoServer;
  browser: Browser;
  codec: Model;
  denoiser: Model;
  close(): Promise<void>;
}

/** Builds the pages into `outDir`, with weights imported from ../shared in memory when weights/lyra-v2 is absent; the codec and denoiser models. */
export async function buildWithWeights(outDir: string): Promise<{ dir: string; codec: Model; denoiser: Model }> {
  const built = await buildDemo(ROOT, outDir);
  const { manifest, blob } = await importLyraV2(lyraFiles());
  const manifestText = JSON.stringify(manifest);
  if (!built.weights) {
    mkdirSync(join(built.dir, 'weights', 'lyra-v2'), { recursive: true });
    writeFileSync(join(built.dir, 'weights', 'lyra-v2', 'manifest.json'), manifestText);
    writeFileSync(join(built.dir, 'weights', 'lyra-v2', manifest.blob.file), blob);
  }
  const denoiserDir = join(ROOT, 'weights', 'lyra-v2-denoise');
  const denoiser = await loadModelFromBytes(
    readFileSync(join(denoiserDir, 'manifest.json'), 'utf8'),
    new Uint8Array(readFileSync(join(denoiserDir, 'model.bin'))),
  );
  return { dir: built.dir, codec: await loadModelFromBytes(manifestText, blob), denoiser };
}

/**
 * Builds the page into dist/test-web (see buildWithWeights), serves it, starts Chromium
 * (through `executablePath` when given: e.g. a CPU quota's wrapper, cpu-quota.ts).
 */
export async function startHarness(o: { executablePath?: string } = {}): Promise<Harness> {
  const built = await buildWithWeights(join(ROOT, 'dist', 'test-web'));
  const { codec, denoiser } = built;
  const server = await serveDemo(built.dir);
  const browser = await chromium.launch({
    executablePath: o.executablePath ?? CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    server,
    browser,
    codec,
    denoiser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

export interface DemoPage {
  page: Page;
  cdp: CDPSession;
  info: PageInfo;
  errors: string[];
  meters(): Promise<Meters>;
  records(): Promise<Records>;
  packets(): Promise<Uint8Array[]>;
  settingsLog(): Promise<{ fromFrame: number; bitrate: number; denoise: boolean }[]>;
}

export async function openDemo(
  h: Harness,
  o: { isolated: boolean; throttle?: number; record?: boolean; query?: Record<string, string> },
): Promise<DemoPage> {
  const page = await h.browser.newPage({ viewport: { width: 1080, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  const query = new URLSearchParams({
    rate: '48000',
    isolated: o.isolated ? '1' : '0',
    record: o.record ? '1' : '0',
    ...o.query,
  });
  await page.goto(`${h.server.url}?${query}`);
  const info = await page.evaluate(
    () => (globalThis as unknown as { soundstreamDemo: { ready: Promise<PageInfo> } }).soundstreamDemo.ready,
  );
  // Set even when 1: Chromium can carry a rate over from an earlier page of the same renderer.
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: o.throttle ?? 1 });
  type Api = {
    soundstreamDemo: { meters(): Meters; packets: Uint8Array[]; settingsLog: unknown[]; records(): Promise<unknown> };
  };
  return {
    page,
    cdp,
    info,
    errors,
    meters: () => page.evaluate(() => (globalThis as unknown as Api).soundstreamDemo.meters()),
    packets: async () =>
      (await page.evaluate(() => (globalThis as unknown as Api).soundstreamDemo.packets.map((p) => Array.from(p)))).map(
        (p) => new Uint8Array(p),
      ),
    settingsLog: () =>
      page.evaluate(() => (globalThis as unknown as Api).soundstreamDemo.settingsLog) as Promise<
        { fromFrame: number; bitrate: number; denoise: boolean }[]
      >,
    records: async () => {
      // Typed arrays cross as base64 (a page's JSON would be ten times larger).
      const raw = await page.evaluate(async () => {
        const b64 = (a: ArrayBufferView) => {
          const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
          let s = '';
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(s);
        };
        const r = (await (globalThis as unknown as Api).soundstreamDemo.records()) as {
          encoder: Records['encoder'];
          decoder: Records['decoder'];
        };
        return {
          encoder: {
            sampleRate: r.encoder.sampleRate,
            packetFormat: r.encoder.packetFormat,
            redundancy: r.encoder.redundancy,
            dtx: r.encoder.dtx,
            input: b64(r.encoder.input),
            settings: r.encoder.settings,
            packets: r.encoder.packets.map(b64),
          },
          decoder: {
            modelRate: r.decoder.modelRate,
            packetFormat: r.decoder.packetFormat,
            firstSeq: r.decoder.firstSeq,
            seqs: r.decoder.seqs,
            packets: r.decoder.packets.map((p) => (p ? b64(p) : null)),
            nexts: r.decoder.nexts.map((p) => (p ? b64(p) : null)),
            pcm: b64(r.decoder.pcm),
          },
        };
      });
      const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
      const floats = (s: string) => new Float32Array(bytes(s).buffer);
      return {
        encoder: { ...raw.encoder, input: floats(raw.encoder.input), packets: raw.encoder.packets.map(bytes) },
        decoder: {
          modelRate: raw.decoder.modelRate,
          packetFormat: raw.decoder.packetFormat,
          firstSeq: raw.decoder.firstSeq,
          seqs: raw.decoder.seqs,
          packets: raw.decoder.packets.map((p) => (p === null ? null : bytes(p))),
          nexts: raw.decoder.nexts.map((p) => (p === null ? null : bytes(p))),
          pcm: floats(raw.decoder.pcm),
        },
      };
    },
  };
}

/** The q-quantile of some readings (the reading at that rank). */
export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
