// The decoder node's path without a browser: adaptive playout (src/codec/playout.ts) over
// playoutSource(createDecoder) (src/codec/stream.ts), as the codec worker runs them, on real
// SoundStream payloads with DTX and redundancy through a simulated network with 10% loss. The
// worker adds only timing, resampling and the audio thread.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { AdaptivePlayout } from '../src/codec/playout.js';
import { createDecoder, createEncoder, playoutSource } from '../src/codec/stream.js';
import type { Model } from '../src/model/load.js';
import { mulberry32 } from '../src/util/prng.js';
import { FRAME, gaussianNoise, HAVE_SHARED, importedModel, lyraFiles, SPEECH_16K } from './reference/lyra.js';

const FRAME_MS = 20;

interface Played {
  /** What the decoder was given per frame, as the worker records it. */
  packets: (Uint8Array | null)[];
  nexts: (Uint8Array | null)[];
  seqs: number[];
  pcm: Float32Array;
  state: ReturnType<AdaptivePlayout['state']>;
  stats: ReturnType<AdaptivePlayout['stats']>;
  decoder: ReturnType<typeof createDecoder>;
}

/** Sends `packets` one per 20 ms with 5-15 ms of delay, losing `lost` ones; not-sent marks forwarded or not; plays like the worker (a 4 ms poll). */
function play(packets: Uint8Array[], lost: Set<number>, model: Model, forwardMarks: boolean): Played {
  const decoder = createDecoder({ model, packetFormat: 'soundstream' });
  const source = playoutSource(decoder);
  const packetsGiven: (Uint8Array | null)[] = [];
  const nexts: (Uint8Array | null)[] = [];
  const seqs: number[] = [];
  const pcm: Float32Array[] = [];
  const playout = new AdaptivePlayout(
    (packet, seq, next) => {
      packetsGiven.push(packet);
      nexts.push(next);
      seqs.push(seq);
      const { audio, kind } = source(packet, seq, next);
      pcm.push(audio.slice());
      return { audio, kind };
    },
    // A 40 ms jitter allowance: the next packet is at hand when a frame is due (docs/web-audio.md).
    { sampleRate: 16000, frameSize: FRAME, minJitterMs: 40 },
  );
  const random = mulberry32(3);
  const arrivals = packets
    .map((p, seq) => ({ seq, p, at: seq * FRAME_MS + 5 + 10 * random() }))
    .filter(({ seq, p }) => !lost.has(seq) && (p.length > 0 || forwardMarks))
    .sort((a, b) => a.at - b.at);
  let queuedMs = 0;
  let clock = 0;
  let next = 0;
  const end = packets.length * FRAME_MS + 500;
  for (let t = 0; t < end; t += 4) {
    queuedMs = Math.max(0, queuedMs - (t - clock));
    clock = t;
    while (next < arrivals.length && arrivals[next].at <= t) {
      playout.push(arrivals[next].seq, arrivals[next].p, arrivals[next].at);
      next++;
    }
    for (let f = playout.pull(t, queuedMs, 8); f; f = playout.pull(t, queuedMs, 8))
      queuedMs += (f.output.length * 1000) / 16000;
  }
  const out = new Float32Array(pcm.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of pcm) {
    out.set(x, at);
    at += x.length;
  }
  return { packets: packetsGiven, nexts, seqs, pcm: out, state: playout.state(), stats: playout.stats(), decoder };
}

describe.skipIf(!HAVE_SHARED)('decoder node path: playout over SoundStream payloads with DTX and redundancy', () => {
  let model: Model;
  let packets: Uint8Array[];
  let lost: Set<number>;
  beforeAll(async () => {
    model = await importedModel(lyraFiles());
    const speech = decodeWav(new Uint8Array(readFileSync(SPEECH_16K))).samples;
    const pause = gaussianNoise(50 * FRAME, 0.0005, 7);
    const input = new Float32Array(2 * speech.length + 2 * pause.length);
    input.set(speech, 0);
    input.set(pause, speech.length);
    input.set(speech, speech.length + pause.length);
    input.set(pause, 2 * speech.length + pause.length);
    const encoder = createEncoder({ model, bitrate: 4400, dtx: true, redundancy: { quantizers: 16 } });
    packets = [...encoder.encode(input), ...encoder.flush()];
    const random = mulberry32(11);
    lost = new Set(packets.map((p, i) => (p.length > 0 && i > 0 && random() < 0.1 ? i : -1)).filter((i) => i > 0));
  }, 120_000);

  for (const forwardMarks of [true, false]) {
    it(`${forwardMarks ? 'with' : 'without'} the not-sent marks: lost frames recovered, pauses played as comfort noise, the output an offline decode bit for bit`, () => {
      const run = play(packets, lost, model, forwardMarks);
      const notSent = packets.filter((p) => p.length === 0).length;
      expect(notSent).toBeGreaterThan(50);
      expect(lost.size).toBeGreaterThan(20);
      // Redundancy: most losses recovered (a loss followed by another is concealed), and counted so, not as concealment.
      expect(run.state.framesRecovered).toBe(run.decoder.recoveredFrames);
      expect(run.state.framesRecovered).toBeGreaterThan(lost.size * 0.6);
      // The rest concealed: in their slots, or in addition when two in a row left nothing later at the deadline.
      expect(run.state.framesConcealed + run.state.framesExpanded).toBe(run.decoder.lostFrames);
      expect(run.state.framesConcealed + run.state.framesRecovered).toBeLessThanOrEqual(lost.size);
      expect(run.state.framesExpanded).toBeLessThan(lost.size * 0.2);
      // DTX: the silence is comfort noise in its slots, never waited for (no concealment in addition), not lost.
      expect(run.state.framesComfortNoise).toBeGreaterThan(notSent * 0.9);
      expect(run.stats.concealedSamples).toBe((run.state.framesConcealed + run.state.framesExpanded) * FRAME);
      // With the marks every loss is counted and nothing else; without, the frames of a silence
      // whose comfort-noise update was lost are counted too.
      if (forwardMarks) expect(Math.abs(run.stats.packetsLost - lost.size)).toBeLessThanOrEqual(2);
      else expect(Math.abs(run.stats.packetsLost - lost.size)).toBeLessThan(lost.size * 0.2);
      // Every frame played once; the audio is what an offline decoder gives for the same (packet, next) pairs.
      // (A frame concealed in addition used up a later slot; past the stream's end the playout plays on in its silence.)
      const slots = run.seqs.filter((seq) => seq >= 0 && seq < packets.length);
      expect(slots.every((seq, i) => i === 0 || seq > slots[i - 1])).toBe(true);
      expect(slots.length + run.state.framesExpanded).toBe(packets.length - run.state.firstSeq);
      const offline = createDecoder({ model, packetFormat: 'soundstream' });
      const expected = new Float32Array(run.pcm.length);
      run.packets.forEach((p, i) => {
        expected.set(offline.decode(p, run.nexts[i]), i * FRAME);
      });
      expect(Buffer.from(run.pcm.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    });
  }
});
