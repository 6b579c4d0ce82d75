// The encoder and decoder nodes live in headless Chromium, through the demo page, with a fake
// microphone (Chromium loops ../shared/audio/sample1_48kHz.wav): real time at 1x and 4x CPU
// throttling on both transports, the page's output against an offline decode bit for bit,
// bitrate and denoise switches at frame boundaries, packet loss, and the page's UI.
//
// The live runs need the machine to themselves: `npm test` runs test/browser after the rest of
// the suite, one file at a time. On this project's 2-core machine, minute-long runs at 1x and
// 4x had packets reach the decoder up to 48 ms behind schedule; the decoder's adaptive playout
// learns that allowance as it goes (docs/playout.md).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, serveDemo } from '../../demo/server.js';
import { decodeSst } from '../../src/codec/sst.js';
import { createDecoder, createEncoder } from '../../src/codec/stream.js';
import { decodeWav } from '../../src/audio/wav.js';
import type { Model } from '../../src/model/load.js';
import {
  AVAILABLE,
  openDemo,
  ROOT,
  speechWithPausesWav,
  startHarness,
  type DemoPage,
  type Harness,
  type Records,
} from './demo-page.js';

const LIVE_SECONDS = 20;
/**
 * The real-time tests get one more attempt: a shared 2-core machine can stall every thread of
 * the page at once (in 20 live runs of 20 s and 10 minutes of bench runs here, one packet came
 * 143 ms late; the latest of the other runs came 18-94 ms late). A bit-exactness failure fails
 * both attempts alike, and two real-time failures in a row fail the test. Vitest prints each
 * retry.
 */
const REAL_TIME = { retry: 1, timeout: (LIVE_SECONDS + 90) * 1000 };
const FRAMES_PER_SECOND = 50;

/** The packets an offline encoder gives for the recorded input, with the same settings switched at the same samples. */
function encodeOffline(rec: Records['encoder'], codec: Model, denoiser: Model, settings = rec.settings): Uint8Array[] {
  const first = settings[0];
  const encoder = createEncoder({
    model: codec,
    denoiser,
    sampleRate: rec.sampleRate,
    bitrate: first.bitrate,
    denoise: first.denoise,
    packetFormat: rec.packetFormat,
    redundancy: rec.redundancy,
    dtx: rec.dtx,
  });
  const packets: Uint8Array[] = [];
  let at = 0;
  for (const s of settings.slice(1)) {
    packets.push(...encoder.encode(rec.input.subarray(at, s.atSample)));
    at = s.atSample;
    encoder.setBitrate(s.bitrate);
    encoder.setDenoise(s.denoise);
  }
  packets.push(...encoder.encode(rec.input.subarray(at)));
  return packets;
}

/**
 * What an offline decoder gives for the packets (and losses, and the next packets it was given
 * with a missing one) the page's decoder was given, at the model's rate; and its counts.
 */
function decodeOffline(
  rec: Records['decoder'],
  codec: Model,
): Float32Array & { recoveredFrames?: number; comfortNoiseFrames?: number } {
  const decoder = createDecoder({ model: codec, packetFormat: rec.packetFormat });
  const out = new Float32Array(rec.pcm.length);
  let at = 0;
  rec.packets.forEach((p, i) => {
    const frame = decoder.decode(p, rec.nexts[i]);
    out.set(frame, at);
    at += frame.length;
  });
  expect(at).toBe(rec.pcm.length);
  return Object.assign(out, {
    recoveredFrames: decoder.recoveredFrames,
    comfortNoiseFrames: decoder.comfortNoiseFrames,
  });
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

const samePackets = (a: Uint8Array[], b: Uint8Array[]) =>
  a.length === b.length && a.every((p, i) => Buffer.from(p).equals(Buffer.from(b[i])));

describe.skipIf(!AVAILABLE)('Web Audio nodes in Chromium (demo page, fake microphone)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });
  // A failed test must not leave its page running: its codec workers would starve the next test.
  const pages: DemoPage[] = [];
  afterEach(async () => {
    for (const demo of pages.splice(0)) await demo.page.close().catch(() => undefined);
  });
  async function open(o: Parameters<typeof openDemo>[1]): Promise<DemoPage> {
    // (A retried test's earlier page too.)
    for (const stale of pages.splice(0)) await stale.page.close().catch(() => undefined);
    const demo = await openDemo(h, o);
    pages.push(demo);
    return demo;
  }

  async function liveRun(o: {
    isolated: boolean;
    throttle: number;
    record?: boolean;
  }): Promise<{ demo: DemoPage; meters: Awaited<ReturnType<DemoPage['meters']>> }> {
    const demo = await open(o);
    expect(demo.info.crossOriginIsolated).toBe(o.isolated);
    expect(demo.info.transport).toBe(o.isolated ? 'sab' : 'port');
    expect(demo.info.sampleRate).toBe(48000);
    await demo.page.click('#src-mic');
    await demo.page.waitForTimeout(LIVE_SECONDS * 1000);
    const meters = await demo.meters();
    console.log(
      `live ${LIVE_SECONDS} s, ${o.isolated ? 'isolated (SharedArrayBuffer)' : 'not isolated (MessagePort)'}, CPU throttling ${o.throttle}x: ${JSON.stringify(meters)}`,
    );
    return { demo, meters };
  }

  for (const isolated of [false, true]) {
    for (const throttle of [1, 4]) {
      it(
        `${LIVE_SECONDS} s live at 48 kHz, ${isolated ? '' : 'not '}cross-origin isolated, ${throttle}x CPU throttling: no underrun, no dropped frame`,
        REAL_TIME,
        async () => {
          const { demo, meters } = await liveRun({ isolated, throttle, record: isolated && throttle === 1 });
          expect(demo.errors).toEqual([]);
          if (isolated && throttle === 1) {
            // The page's decoded samples (before resampling to 48 kHz) are an offline decode of the same packets, bit for bit.
            const rec = await demo.records();
            expect(firstDifference(rec.decoder.pcm, decodeOffline(rec.decoder, h.codec))).toBe(-1);
            // ... and those packets are the encoder's (the decoder's frame k is the encoder's frame seqs[k]), an offline encode of what it was fed.
            const { packets: played, seqs, firstSeq } = rec.decoder;
            expect(firstSeq).toBeGreaterThanOrEqual(0);
            expect(seqs[0]).toBe(firstSeq);
            expect(
              played.every((p, k) => p === null || Buffer.from(p).equals(Buffer.from(rec.encoder.packets[seqs[k]]))),
            ).toBe(true);
            expect(samePackets(rec.encoder.packets, encodeOffline(rec.encoder, h.codec, h.denoiser))).toBe(true);
          }
          // The decoder's margin covers what the audio thread reads at once, the device's whole
          // read in render quanta (headless Chromium: 10 ms, four quanta), on both transports, and
          // how late the worker may look: its 4 ms poll, or, woken by the audio thread's quanta
          // through the ring, the lateness of its wake-ups on whole milliseconds (at least 1).
          expect(meters.decoderWakes).toBe(isolated ? 'audio-thread' : 'poll');
          const quantumMs = (128 * 1000) / demo.info.sampleRate;
          expect(demo.info.baseLatency).toBeGreaterThan(0);
          expect(meters.marginMs).toBeGreaterThanOrEqual(
            Math.ceil((demo.info.baseLatency * 1000) / quantumMs) * quantumMs + (isolated ? 1 : 4),
          );
          // Real time: every 20 ms of the run became a packet and was played (minus start-up and the playout queue), on time.
          expect(meters.underruns).toBe(0);
          expect(meters.droppedSamples).toBe(0);
          // Nothing lost; adaptive playout may conceal a frame in addition when a packet comes later
          // than the allowance learned so far (docs/playout.md), rarely.
          expect(meters.webrtc.packetsLost).toBe(0);
          expect(meters.webrtc.concealedSamples).toBeLessThan(0.02 * meters.webrtc.totalSamplesReceived);
          expect(meters.framesEncoded).toBeGreaterThan(LIVE_SECONDS * FRAMES_PER_SECOND * 0.9);
          // (Frames encoded before the packet path was connected never reach the decoder; the decoder's count is up to 250 ms old.)
          expect(meters.playoutFrom).toBeGreaterThanOrEqual(0);
          expect(meters.framesDecoded).toBeGreaterThan(meters.framesEncoded - meters.playoutFrom - 25);
        },
      );
    }
  }

  it('bitrate and denoise switch at the next frame, 10% loss is concealed without underrun, the output is an offline decode bit for bit', {
    ...REAL_TIME,
    timeout: 600_000,
  }, async () => {
    const demo = await open({ isolated: false, throttle: 1, record: true });
    const { page } = demo;
    await page.click('#src-mic');
    await page.waitForTimeout(1500);
    await page.click('input[name=bitrate][value="3200"]');
    await page.waitForTimeout(1500);
    await page.click('input[name=bitrate][value="9200"]');
    await page.waitForTimeout(1500);
    await page.click('#denoise');
    await page.waitForTimeout(1500);
    await page.fill('#loss', '10');
    await page.dispatchEvent('#loss', 'input');
    // Lost packets are concealed as their playout deadlines pass.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { soundstreamDemo: { meters(): { concealed: number } } }).soundstreamDemo.meters()
          .concealed >= 20,
      undefined,
      { timeout: 120_000, polling: 250 },
    );
    await page.waitForTimeout(1000);
    const meters = await demo.meters();
    const rec = await demo.records();
    const packets = rec.encoder.packets;
    const log = await demo.settingsLog();
    console.log(`switches + 10% loss: ${JSON.stringify(meters)}; settings ${JSON.stringify(log)}`);

    // Each switch takes effect at the frame the worker reports, and the packet sizes follow.
    expect(log.map((s) => [s.bitrate, s.denoise])).toEqual([
      [3200, false],
      [9200, false],
      [9200, true],
    ]);
    const bytes = { 3200: 8, 6000: 15, 9200: 23 } as const;
    let previous = 6000 as keyof typeof bytes;
    for (const s of log.slice(0, 2)) {
      expect(packets[s.fromFrame - 1].length).toBe(bytes[previous]);
      expect(packets[s.fromFrame].length).toBe(bytes[s.bitrate as keyof typeof bytes]);
      previous = s.bitrate as keyof typeof bytes;
    }
    // The whole packet stream is what an offline encoder gives with the same switches at the same samples ...
    expect(samePackets(packets, encodeOffline(rec.encoder, h.codec, h.denoiser))).toBe(true);
    // ... and denoising changed it from the frame of the switch on, not before. (Not necessarily
    // at that frame: the switch lands wherever the fake microphone's loop is after 6 s, and a frame
    // of near-silence can quantize to the same packet either way; that the switch took effect at
    // the logged frame is what the whole-stream comparison above shows.)
    const withoutDenoise = encodeOffline(
      rec.encoder,
      h.codec,
      h.denoiser,
      rec.encoder.settings.filter((s) => !s.denoise),
    );
    const denoiseFrom = log[2].fromFrame;
    const firstChanged = packets.findIndex((p, i) => !Buffer.from(p).equals(Buffer.from(withoutDenoise[i])));
    expect(firstChanged).toBeGreaterThanOrEqual(denoiseFrom);
    expect(firstChanged - denoiseFrom).toBeLessThan(FRAMES_PER_SECOND);

    // Loss: frames were concealed, the output is still the offline decode of what the decoder was given, and nothing ran short.
    expect(rec.decoder.packets.filter((p) => p === null).length).toBeGreaterThanOrEqual(20);
    expect(firstDifference(rec.decoder.pcm, decodeOffline(rec.decoder, h.codec))).toBe(-1);
    expect(demo.errors).toEqual([]);
    expect(meters.underruns).toBe(0);
  });

  it('SoundStream payloads at a ladder rate with DTX and redundancy, 10% loss: lost frames recovered, pauses sent as comfort noise, the output an offline decode bit for bit', {
    ...REAL_TIME,
    timeout: 600_000,
  }, async () => {
    const demo = await open({
      isolated: false,
      throttle: 1,
      record: true,
      query: { format: 'soundstream', bitrate: '4400', dtx: '1', redundancy: '16' },
    });
    const { page } = demo;
    expect(await page.isEnabled('#ladder')).toBe(true);
    expect(await page.isChecked('#dtx')).toBe(true);
    // Recovery needs the next packet at hand when a frame is due: a jitter allowance of two frames.
    await page.fill('#jitter-buffer', '40');
    await page.dispatchEvent('#jitter-buffer', 'input');
    // Speech with pauses (the microphone's sample alone has none to leave out).
    await page.setInputFiles('#src-file', speechWithPausesWav());
    await page.waitForTimeout(1500);
    await page.fill('#ladder', '5200');
    await page.dispatchEvent('#ladder', 'input');
    await page.waitForTimeout(1500);
    await page.fill('#loss', '10');
    await page.dispatchEvent('#loss', 'input');
    type Api = { soundstreamDemo: { meters(): { recovered: number; comfortNoise: number; concealed: number } } };
    await page.waitForFunction(
      () => {
        const m = (globalThis as unknown as Api).soundstreamDemo.meters();
        return m.recovered >= 20 && m.comfortNoise >= 100;
      },
      undefined,
      { timeout: 180_000, polling: 250 },
    );
    await page.waitForTimeout(1000);
    const meters = await demo.meters();
    const rec = await demo.records();
    const log = await demo.settingsLog();
    console.log(`SoundStream payloads, DTX, redundancy 16, 10% loss: ${JSON.stringify(meters)}`);

    // The encoder: SoundStream payloads at 4400 then 5200 bps (TOC 22 then 26 quantizers), frames not sent in the pauses.
    expect(rec.encoder.packetFormat).toBe('soundstream');
    // (fill() sends an input event of its own, so the switch may be reported twice.)
    expect([...new Set(log.map((s) => s.bitrate))]).toEqual([5200]);
    const packets = rec.encoder.packets;
    expect(samePackets(packets, encodeOffline(rec.encoder, h.codec, h.denoiser))).toBe(true);
    const speech = packets.filter((p) => p.length > 0 && p[0] >> 6 !== 1);
    expect(speech.some((p) => (p[0] & 0x3f) === 22)).toBe(true);
    expect(speech.some((p) => (p[0] & 0x3f) === 26)).toBe(true);
    expect(speech.filter((p) => p[0] >> 6 === 2).length).toBeGreaterThan(speech.length * 0.9);
    const notSent = packets.filter((p) => p.length === 0).length;
    expect(notSent).toBeGreaterThan(100);
    expect(meters.notSent).toBeGreaterThan(100);
    // Bits on the wire: less than the rate's payloads every frame would take.
    const bytes = packets.reduce((n, p) => n + p.length, 0);
    expect(bytes).toBeLessThan(packets.length * (1 + 13 + 1 + 8) * 0.9);

    // The decoder: frames recovered from the next packet's copy, comfort noise in the pauses, the offline decode bit for bit.
    expect(rec.decoder.packetFormat).toBe('soundstream');
    const offline = decodeOffline(rec.decoder, h.codec);
    expect(firstDifference(rec.decoder.pcm, offline)).toBe(-1);
    expect(offline.recoveredFrames).toBeGreaterThan(0);
    expect(meters.recovered).toBeGreaterThan(0);
    expect(offline.comfortNoiseFrames).toBeGreaterThan(100);
    expect(meters.comfortNoise).toBeGreaterThan(100);
    expect(meters.dtxShare).toBeGreaterThan(0.05);
    // Recovered frames are not concealment: the concealed count is below the frames lost.
    expect(meters.concealed).toBeLessThan(rec.decoder.packets.filter((p) => p === null).length);
    expect(demo.errors).toEqual([]);
    expect(meters.underruns).toBe(0);
  });

  it('the page: controls respond, spectrograms are drawn, downloads hold the packets and the decoded audio', async () => {
    const demo = await open({ isolated: true, throttle: 1 });
    const { page } = demo;
    for (const id of [
      '#src-mic',
      '#src-sample',
      '#src-file',
      '#src-stop',
      '#denoise',
      '#loss',
      '#burst',
      '#jitter',
      '#jitter-buffer',
      '#dl-wav',
      '#dl-sst',
    ]) {
      expect(await page.isEnabled(id), id).toBe(true);
    }
    expect(await page.locator('input[name=bitrate]').count()).toBe(3);
    expect(await page.locator('input[name=listen]').count()).toBe(3);
    await page.click('#src-sample');
    await page.fill('#jitter', '30');
    await page.dispatchEvent('#jitter', 'input');
    expect(await page.textContent('#jitter-out')).toBe('30 ms');
    await page.fill('#jitter-buffer', '80');
    await page.dispatchEvent('#jitter-buffer', 'input');
    expect(await page.textContent('#jitter-buffer-out')).toBe('80 ms');
    await page.click('input[name=bitrate][value="9200"]');
    // The meters follow (bits per second over the last 50 packets).
    await page.waitForFunction(() => document.getElementById('m-bps')!.textContent === '9200', undefined, {
      timeout: 60_000,
    });
    expect(await page.textContent('#m-packet')).toBe('23 bytes');

    expect(await page.textContent('#error')).toBe('');
    // Both spectrograms fill with signal as they scroll (40 columns a second): wait for a good share of lit pixels in each.
    await page.waitForFunction(
      () =>
        ['spectrogram-input', 'spectrogram-decoded'].every((id) => {
          const canvas = document.getElementById(id) as HTMLCanvasElement;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let lit = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 90) lit++;
          return lit / (data.length / 4) > 0.1;
        }),
      undefined,
      { timeout: 90_000, polling: 500 },
    );
    mkdirSync(join(ROOT, 'dist', 'browser'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'dist', 'browser', 'demo.png'), fullPage: true });

    // Downloads: the .sst holds every packet the page has sent; the WAV is the decoder's output.
    const [sstDownload] = await Promise.all([page.waitForEvent('download'), page.click('#dl-sst')]);
    const sst = decodeSst(new Uint8Array(readFileSync(await sstDownload.path())));
    const sent = await demo.packets();
    expect(sst.problems).toEqual([]);
    expect(sst.frames.length).toBeGreaterThan(100);
    expect(sst.frames.every((f, i) => 'packet' in f && Buffer.from(f.packet).equals(Buffer.from(sent[i])))).toBe(true);
    const [wavDownload] = await Promise.all([page.waitForEvent('download'), page.click('#dl-wav')]);
    const wav = decodeWav(new Uint8Array(readFileSync(await wavDownload.path())));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBeGreaterThan(16000 * 2);
    expect(wav.samples.some((x) => Math.abs(x) > 0.01)).toBe(true);
    expect(demo.errors).toEqual([]);
  }, 180_000);

  it('without weights the page says how to make them', async () => {
    const bare = await buildDemo(ROOT, join(ROOT, 'dist', 'test-web-no-weights'));
    rmSync(join(bare.dir, 'weights'), { recursive: true, force: true });
    const server = await serveDemo(bare.dir);
    try {
      const page = await h.browser.newPage();
      await page.goto(server.url);
      await page.waitForSelector('#missing:not([hidden])');
      const text = await page.textContent('#missing');
      expect(text).toContain('npx soundstream import-tflite ../shared/lyra-v2');
      expect(text).toContain('npx soundstream fetch-weights lyra-v2');
      expect(await page.isDisabled('#src-mic')).toBe(true);
      await page.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
