// Adaptive playout (src/codec/playout.ts) against simulated networks, without a browser: the
// sender makes a frame every 20 ms on its own clock, the network delays, loses, reorders or
// duplicates packets, and a simulated audio thread plays the output at the receiver's rate.
// The controller reads no clock, so each run is exactly reproducible.
import { describe, expect, it } from 'vitest';
import {
  AdaptivePlayout,
  type FrameKind,
  type FrameSource,
  type PlayoutOptions,
  type PlayoutTuning,
} from '../src/codec/playout.js';
import { mulberry32 } from '../src/util/prng.js';

const RATE = 16000;
const FRAME = 320;
const FRAME_MS = 20;

/** A voiced signal (150 Hz and two harmonics, a syllable-like envelope) that frame `seq` is a piece of. */
function speechFrame(seq: number, scale = 1): Float32Array {
  const out = new Float32Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    const t = (seq * FRAME + i) / RATE;
    const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * t * 1.4);
    const f = 2 * Math.PI * 150 * t;
    out[i] = scale * envelope * (0.3 * Math.sin(f) + 0.12 * Math.sin(2 * f + 0.3) + 0.05 * Math.sin(3 * f + 1.1));
  }
  return out;
}

/** A decoder for the simulation: a packet holds its frame number; concealment continues the last frame, quieter. */
function fakeDecoder(): { decode: (p: Uint8Array | null) => Float32Array; log: (number | null)[] } {
  let last = -1;
  const log: (number | null)[] = [];
  return {
    log,
    decode: (p) => {
      if (p) {
        last = new DataView(p.buffer, p.byteOffset).getUint32(0);
        log.push(last);
        return speechFrame(last);
      }
      log.push(null);
      last++;
      return speechFrame(last, 0.5);
    },
  };
}

const packetOf = (seq: number) => {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, seq);
  return p;
};

interface Scenario {
  seconds: number;
  /** Sender's frame period against the receiver's (1.001: the sender's clock 0.1% slow). */
  senderPeriod?: number;
  /** Network delay (ms) of the packet sent at `sentMs`, or null when lost. */
  delay?: (seq: number, sentMs: number) => number | null;
  /** Packets delivered in order (a queue): none overtakes an earlier one. */
  fifo?: boolean;
  /** Extra copies of a packet, delivered this many ms after it. */
  duplicateAfterMs?: number;
  marginMs?: number;
  options?: Partial<PlayoutOptions>;
  /** configure() called once the clock reaches atMs. */
  reconfigure?: { atMs: number; options: Partial<Pick<PlayoutOptions, PlayoutTuning>> };
  /** What the sender sends for frame `seq` (default packetOf(seq); empty: the DTX mark of a frame not sent). */
  packet?: (seq: number) => Uint8Array;
  /** The decoder (default fakeDecoder()); `log` what it was given. */
  decoder?: { decode: FrameSource; log: (number | null)[] };
  /**
   * [from, to) ms in which the caller (the worker) does not run: nothing is pulled, and what
   * arrives meanwhile is seen when it runs again, while the listener plays on (a starved device).
   */
  starved?: [number, number];
}

interface Run {
  underrunMs: number;
  /** Per frame played from a packet: [time it starts playing, mouth-to-ear (from its send time)]. */
  latency: [number, number][];
  /** The largest playout delay of any frame handed over, concealment included (state().delayMs). */
  maxDelayMs: number;
  stats: ReturnType<AdaptivePlayout['stats']>;
  state: ReturnType<AdaptivePlayout['state']>;
  output: Float32Array;
  decoded: (number | null)[];
}

/** Runs the playout against the scenario: pulls at every arrival and every 4 ms, like the worker. */
function simulate(s: Scenario): Run {
  const { decode, log } = s.decoder ?? fakeDecoder();
  const playout = new AdaptivePlayout(decode, { sampleRate: RATE, frameSize: FRAME, ...s.options });
  const period = FRAME_MS * (s.senderPeriod ?? 1);
  const arrivals: { at: number; seq: number }[] = [];
  let previous = -Infinity;
  for (let seq = 0; seq * period < s.seconds * 1000; seq++) {
    const sent = seq * period;
    const d = s.delay ? s.delay(seq, sent) : 5;
    if (d === null) continue;
    let at = sent + d;
    if (s.fifo) at = previous = Math.max(previous, at);
    if (s.starved && at >= s.starved[0] && at < s.starved[1]) at = s.starved[1];
    arrivals.push({ at, seq });
    if (s.duplicateAfterMs !== undefined) arrivals.push({ at: at + s.duplicateAfterMs, seq });
  }
  arrivals.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const events: { at: number; seq: number }[] = [...arrivals];
  for (let t = 0; t < s.seconds * 1000; t += 4)
    if (!s.starved || t < s.starved[0] || t >= s.starved[1]) events.push({ at: t, seq: -1 });
  events.sort((a, b) => a.at - b.at || b.seq - a.seq);

  let queued = 0; // samples
  let playing = false;
  let clock = 0;
  let underrunMs = 0;
  const chunks: Float32Array[] = [];
  const latency: [number, number][] = [];
  let maxDelayMs = 0;
  let reconfigure = s.reconfigure;
  for (const e of events) {
    const consumed = ((e.at - clock) * RATE) / 1000;
    clock = e.at;
    if (reconfigure && clock >= reconfigure.atMs) {
      playout.configure(reconfigure.options);
      reconfigure = undefined;
    }
    if (playing) {
      if (consumed > queued) underrunMs += ((consumed - queued) * 1000) / RATE;
      queued = Math.max(0, queued - consumed);
    }
    if (e.seq >= 0) playout.push(e.seq, s.packet ? s.packet(e.seq) : packetOf(e.seq), e.at);
    for (;;) {
      const frame = playout.pull(clock, (queued * 1000) / RATE, s.marginMs ?? 8);
      if (!frame) break;
      if (frame.packet?.length) latency.push([clock, clock + (queued * 1000) / RATE - frame.seq * period]);
      maxDelayMs = Math.max(maxDelayMs, playout.state().delayMs);
      queued += frame.output.length;
      playing = true;
      chunks.push(frame.output);
    }
  }
  const output = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    output.set(c, at);
    at += c.length;
  }
  return { underrunMs, latency, maxDelayMs, stats: playout.stats(), state: playout.state(), output, decoded: log };
}

const latencyBetween = (run: Run, fromMs: number, toMs: number) =>
  run.latency.filter(([t]) => t >= fromMs && t < toMs).map(([, l]) => l);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);

describe('AdaptivePlayout', () => {
  it('on a clean network plays at the compute margin plus the measured jitter, with nothing concealed or stretched', () => {
    const random = mulberry32(1);
    const run = simulate({ seconds: 30, delay: () => 5 + random() * 2 });
    expect(run.underrunMs).toBe(0);
    expect(run.stats.concealedSamples).toBe(0);
    expect(run.stats.packetsDiscarded).toBe(0);
    expect(run.stats.packetsLost).toBe(0);
    expect(run.stats.packetsReceived).toBe(1500);
    expect(run.state.peakMs).toBe(0);
    // 5-7 ms of network, 8 ms of margin, up to 2 of jitter, a 5 ms tolerance, the 4 ms pull period.
    const steady = latencyBetween(run, 2000, 30_000);
    expect(max(steady)).toBeLessThan(30);
    expect(min(steady)).toBeGreaterThan(12);
    // Stats: the delay each emitted sample spent buffered against its target, per sample, in seconds.
    const { jitterBufferDelay, jitterBufferTargetDelay, jitterBufferEmittedCount } = run.stats;
    expect(jitterBufferEmittedCount).toBe(run.stats.totalSamplesReceived);
    expect(jitterBufferDelay / jitterBufferEmittedCount).toBeGreaterThan(0.005);
    expect(jitterBufferDelay / jitterBufferEmittedCount).toBeLessThan(0.025);
    expect(jitterBufferTargetDelay / jitterBufferEmittedCount).toBeCloseTo(0.008 + 0.002, 2);
    // Every frame played once, in order.
    expect(run.decoded).toEqual(Array.from({ length: run.decoded.length }, (_, i) => i));
    expect(run.output.length).toBe(
      run.decoded.length * FRAME + run.stats.insertedSamplesForDeceleration - run.stats.removedSamplesForAcceleration,
    );
  });

  it('a 200 ms delay spike raises the delay within two frames, plays every packet, and the delay is back within 5 s', () => {
    const spikeAt = 5000;
    const run = simulate({
      seconds: 15,
      fifo: true,
      delay: (_, sent) => (sent >= spikeAt && sent < spikeAt + 20 ? 205 : 5),
    });
    expect(run.underrunMs).toBe(0);
    expect(run.stats.packetsDiscarded).toBe(0);
    expect(run.decoded.filter((d) => d !== null).length).toBe(run.stats.packetsReceived);
    // The stall is bridged with concealment played in addition (one event), which raises the delay.
    expect(run.stats.concealmentEvents).toBe(1);
    expect(run.state.framesExpanded).toBeGreaterThanOrEqual(9);
    const before = latencyBetween(run, 3000, spikeAt);
    expect(max(latencyBetween(run, spikeAt + 200, spikeAt + 260))).toBeGreaterThan(190);
    // Back within 5 s of the spike: as low as before, give or take the tolerance.
    const after = latencyBetween(run, spikeAt + 5000, 15_000);
    expect(max(after)).toBeLessThan(max(before) + 8);
    expect(run.stats.removedSamplesForAcceleration).toBeGreaterThan((180 * RATE) / 1000);
  });

  it('delay spikes that recur are waited for: from the second on nothing is concealed, and the delay comes down after they stop', () => {
    // 80 ms spikes every 3 s from 6 s to 27 s, eight of them (a starved device's stalls, a radio's scans).
    const spikes = (sent: number) => sent >= 5000 && sent < 30_000 && sent % 3000 < 20;
    const scenario = (options: Partial<PlayoutOptions>) =>
      simulate({ seconds: 60, fifo: true, delay: (_, sent) => (spikes(sent) ? 85 : 5), options });
    const held = scenario({});
    const forgotten = scenario({ peakHoldMs: 0 });
    // Without the hold every spike is bridged with concealment; with it only the first two are.
    expect(forgotten.stats.concealmentEvents).toBe(8);
    expect(held.stats.concealmentEvents).toBe(2);
    for (const run of [held, forgotten]) {
      expect(run.underrunMs).toBe(0);
      expect(run.stats.packetsDiscarded).toBe(0);
    }
    // Waited for: the delay sits above the spikes' height (80 ms over the line), not far above it.
    const during = latencyBetween(held, 12_000, 30_000);
    expect(min(during)).toBeGreaterThan(80);
    expect(max(during)).toBeLessThan(80 + 8 + 5 + 20);
    // Remembered while two spikes are within peakHoldMs (20 s): until the one at 24 s is forgotten
    // at 44 s. Then the delay falls to where it was.
    expect(min(latencyBetween(held, 30_000, 43_000))).toBeGreaterThan(80);
    const before = latencyBetween(held, 2000, 5000);
    expect(max(latencyBetween(held, 55_000, 60_000))).toBeLessThan(max(before) + 8);
    expect(held.state.peakMs).toBe(0);
  });

  it('held peaks raise the target to peakCapMs at most: higher spikes are concealed each time, not waited for', () => {
    // 250 ms spikes every 3 s: waiting for them would put every frame 250 ms late.
    const spikes = (sent: number) => sent >= 5000 && sent < 30_000 && sent % 3000 < 20;
    const run = simulate({ seconds: 30, fifo: true, delay: (_, sent) => (spikes(sent) ? 255 : 5) });
    expect(run.state.peakMs).toBeGreaterThan(240);
    expect(run.state.targetDelayMs).toBeLessThanOrEqual(150);
    expect(run.state.targetDelayMs).toBeGreaterThan(140);
    expect(run.stats.concealmentEvents).toBe(8);
    // Between the spikes the delay sits at the cap, not at the spikes' height.
    const between = latencyBetween(run, 12_500, 14_500);
    expect(max(between)).toBeLessThan(150 + 5 + 20);
    expect(min(between)).toBeGreaterThan(140);
  });

  it('the quantile can be raised while playing: at 1 the late tail is waited for instead of concealed', () => {
    // Every 25th packet 25 ms later than the rest: 4%, beyond the 95th percentile's reach.
    const scenario = (reconfigure?: Scenario['reconfigure']) =>
      simulate({ seconds: 40, fifo: true, delay: (seq) => (seq % 25 === 0 ? 30 : 5), reconfigure });
    const kept = scenario();
    const raised = scenario({ atMs: 10_000, options: { quantile: 1 } });
    expect(kept.stats.concealmentEvents).toBeGreaterThan(40);
    // Only those of the first 10 s, and the 2 s window's worth after the change.
    expect(raised.stats.concealmentEvents).toBeLessThan(kept.stats.concealmentEvents / 2);
    for (const run of [kept, raised]) expect(run.underrunMs).toBe(0);
    // The price: the delay covers the tail, steadily (at 0.95 it rose and fell with each late packet).
    const after = latencyBetween(raised, 15_000, 40_000);
    expect(max(after) - min(after)).toBeLessThan(2);
    expect(mean(after)).toBeGreaterThan(mean(latencyBetween(kept, 15_000, 40_000)) + 10);
    expect(max(after)).toBeLessThan(30 + 8 + 5 + 4);
  });

  for (const senderPeriod of [1.001, 0.999]) {
    it(`a sender clock ${senderPeriod > 1 ? '0.1% slow' : '0.1% fast'} for 10 minutes: no underrun, no build-up of delay`, () => {
      const random = mulberry32(2);
      const run = simulate({ seconds: 600, senderPeriod, delay: () => 5 + random() * 3 });
      expect(run.underrunMs).toBe(0);
      // Only the rare packet beyond the 95th percentile of the jitter, when the delay sat at the target.
      expect(run.stats.concealedSamples).toBeLessThan(run.stats.totalSamplesReceived * 0.0015);
      const early = latencyBetween(run, 5000, 60_000);
      const late = latencyBetween(run, 540_000, 600_000);
      // The mean delay of the last minute is that of the first; a rare packet in the jitter's tail
      // can raise it by a frame for a moment, never for good.
      expect(Math.abs(mean(late) - mean(early))).toBeLessThan(2);
      expect(max(late)).toBeLessThan(max(early) + FRAME_MS);
      expect(min(late)).toBeGreaterThan(min(early) - 2);
      // 0.1% of 10 minutes at 16 kHz is 9600 samples, taken out or put in by time-scaling.
      const moved =
        senderPeriod > 1 ? run.stats.insertedSamplesForDeceleration : run.stats.removedSamplesForAcceleration;
      expect(moved).toBeGreaterThan(9600 * 0.8);
      expect(moved).toBeLessThan(9600 * 3); // (and as much again, moved back and forth as the quantile moves)
    });
  }

  it('bursty loss with jitter: losses concealed and counted, the delay bounded', () => {
    const random = mulberry32(3);
    let inBurst = false;
    let lost = 0;
    const run = simulate({
      seconds: 60,
      delay: () => {
        inBurst = inBurst ? random() > 1 / 3 : random() < 0.1 / 0.9 / 3;
        if (inBurst) {
          lost++;
          return null;
        }
        return 5 + random() * 30;
      },
    });
    expect(run.underrunMs).toBe(0);
    expect(run.stats.packetsLost).toBe(lost);
    expect(lost).toBeGreaterThan(150);
    expect(run.stats.concealedSamples).toBeGreaterThanOrEqual(lost * FRAME * 0.9);
    expect(run.stats.concealmentEvents).toBeGreaterThan(20);
    expect(max(latencyBetween(run, 5000, 60_000))).toBeLessThan(120);
  });

  it('reordering: the target grows to cover it, after which nothing is concealed', () => {
    // Every 7th packet comes 30 ms late, behind the next one.
    const run = simulate({ seconds: 20, delay: (seq) => (seq % 7 === 3 ? 35 : 5) });
    expect(run.underrunMs).toBe(0);
    const concealedEarly = run.stats.concealedSamples;
    expect(run.state.jitterMs).toBeGreaterThanOrEqual(29);
    const later = simulate({ seconds: 40, delay: (seq) => (seq % 7 === 3 ? 35 : 5) });
    expect(later.stats.concealedSamples).toBe(concealedEarly);
    expect(later.decoded.filter((d) => d === null).length).toBeLessThanOrEqual(2);
  });

  it('duplicates are counted as received, ignored for playout, and not discarded', () => {
    const plain = simulate({ seconds: 10 });
    const doubled = simulate({ seconds: 10, duplicateAfterMs: 3 });
    expect(doubled.stats.packetsReceived).toBe(2 * plain.stats.packetsReceived);
    expect(doubled.stats.packetsLost).toBe(-plain.stats.packetsReceived);
    expect(doubled.stats.packetsDiscarded).toBe(0);
    expect(doubled.decoded).toEqual(plain.decoded);
  });

  it('is bounded: a 2 s network stall never pushes the delay past maxDelayMs; what is behind is discarded', () => {
    const run = simulate({
      seconds: 15,
      fifo: true,
      delay: (_, sent) => (sent >= 3000 && sent < 3020 ? 2005 : 5),
      options: { maxDelayMs: 300 },
    });
    expect(run.underrunMs).toBe(0);
    expect(max(run.latency.map(([, l]) => l))).toBeLessThanOrEqual(300 + 10);
    expect(run.stats.packetsDiscarded).toBeGreaterThan(50);
    // Back down once the stall has left the 2 s window and the target has fallen (80 ms a second).
    expect(max(latencyBetween(run, 12_000, 15_000))).toBeLessThan(40);
  });

  it('a starved device: after the worker and the sender stalled together, the listener ran dry, and nothing is queued past maxDelayMs', () => {
    // The worker does not run for 300 ms; the sender, starved as well, delivers what it made
    // meanwhile only 150 ms after the worker woke. On waking, the frames' slots lie more than
    // maxDelayMs behind and nothing is pending: they are skipped, not concealed at that delay.
    const run = simulate({
      seconds: 10,
      starved: [5000, 5300],
      delay: (_, sent) => (sent >= 4900 && sent < 5450 ? 5450 - sent : 5),
      options: { maxDelayMs: 150 },
    });
    expect(run.underrunMs).toBeGreaterThan(250);
    expect(run.state.framesSkipped).toBeGreaterThan(5);
    expect(run.maxDelayMs).toBeLessThanOrEqual(150);
    expect(max(run.latency.map(([, l]) => l))).toBeLessThanOrEqual(150 + 10);
  });

  it('never queues more than maxDelayMs, whatever margin it is given and whether the listener plays or not', () => {
    const { decode } = fakeDecoder();
    const playout = new AdaptivePlayout(decode, { sampleRate: RATE, frameSize: FRAME, maxDelayMs: 300 });
    for (let seq = 0; seq < 5; seq++) playout.push(seq, packetOf(seq), seq * FRAME_MS);
    // The listener has stopped (nothing is played): a caller pulling until null must stop in time.
    let queuedMs = 0;
    let frames = 0;
    for (let at = 100; at < 5000; at += 4) {
      for (let f = playout.pull(at, queuedMs, 5000); f; f = playout.pull(at, queuedMs, 5000)) {
        queuedMs += (f.output.length * 1000) / RATE;
        expect(++frames).toBeLessThan(100);
      }
    }
    expect(queuedMs).toBeLessThanOrEqual(300 + 2 * FRAME_MS);
    expect(playout.state().marginMs).toBe(150);
  });

  it('a missing frame whose next packet is here is handed over with it: recovered from its redundancy, not concealed', () => {
    // A decoder whose packets carry the previous frame's number, as a redundant copy would.
    const log: (number | null)[] = [];
    const nextOf: (number | null)[] = [];
    const decode: FrameSource = (p, _seq, next) => {
      nextOf.push(next ? new DataView(next.buffer, next.byteOffset).getUint32(0) : null);
      if (p) {
        const n = new DataView(p.buffer, p.byteOffset).getUint32(0);
        log.push(n);
        return speechFrame(n);
      }
      log.push(null);
      if (next)
        return { audio: speechFrame(new DataView(next.buffer, next.byteOffset).getUint32(0) - 1), kind: 'recovered' };
      return speechFrame(0, 0.5);
    };
    // (Only when the playout delay leaves time for the next packet to come: here a 30 ms jitter allowance.)
    const run = simulate({
      seconds: 10,
      delay: (seq) => (seq % 10 === 5 ? null : 5),
      decoder: { decode, log },
      options: { minJitterMs: 30 },
    });
    const lost = log.filter((x) => x === null).length;
    expect(lost).toBeGreaterThanOrEqual(45);
    expect(run.state.framesRecovered).toBe(lost);
    expect(run.state.framesConcealed).toBe(0);
    expect(run.stats.concealedSamples).toBe(0);
    expect(run.stats.packetsLost).toBe(lost);
    // Each lost frame k was decoded with packet k + 1 at hand.
    log.forEach((x, i) => {
      if (x === null) expect(nextOf[i]).toBe(log[i - 1]! + 2);
      else expect(nextOf[i]).toBeNull();
    });
    expect(run.underrunMs).toBe(0);
  });

  it('DTX: frames not sent, marked or not, are played in their slots as comfort noise: not waited for, not concealed, not lost', () => {
    // Frames 100..199 of each 200 are a silence: a SID (marked by byte 0xff) at its start and every 20 frames, nothing else sent.
    const silent = (seq: number) => seq % 200 >= 100;
    const sid = (seq: number) => silent(seq) && (seq % 200) % 20 === 0;
    const SID = Uint8Array.of(0xff, 0, 0, 0);
    for (const marked of [true, false]) {
      const log: (number | null)[] = [];
      const kinds: FrameKind[] = [];
      let comfort = false;
      const decode: FrameSource = (p) => {
        if (p && p.length > 0 && p[0] === 0xff) comfort = true;
        else if (p && p.length > 0) comfort = false;
        log.push(p && p.length > 0 && p[0] !== 0xff ? new DataView(p.buffer, p.byteOffset).getUint32(0) : null);
        kinds.push(comfort ? 'comfort-noise' : p && p.length > 0 ? 'decoded' : 'concealed');
        return { audio: speechFrame(0, comfort ? 0.01 : 1), kind: kinds[kinds.length - 1] };
      };
      const run = simulate({
        seconds: 12,
        delay: (seq) => (silent(seq) && !sid(seq) && !marked ? null : 5),
        packet: (seq) => (sid(seq) ? SID : silent(seq) ? new Uint8Array(0) : packetOf(seq)),
        decoder: { decode, log },
      });
      const silentFrames = Array.from({ length: 600 }, (_, i) => i).filter(silent).length;
      const sids = Array.from({ length: 600 }, (_, i) => i).filter(sid).length;
      expect(run.state.framesConcealed + run.state.framesExpanded).toBe(0);
      expect(run.stats.concealedSamples).toBe(0);
      expect(run.state.framesComfortNoise).toBe(silentFrames - sids);
      expect(run.stats.packetsReceived).toBe(600 - silentFrames + sids);
      expect(run.stats.packetsLost).toBe(0);
      expect(run.underrunMs).toBe(0);
      // The delay did not grow in the silences: speech after them plays as early as before.
      expect(max(latencyBetween(run, 9000, 12_000))).toBeLessThan(30);
    }
  });

  it('is deterministic given the arrivals', () => {
    const scenario = () => {
      const random = mulberry32(9);
      return simulate({ seconds: 20, delay: () => (random() < 0.05 ? null : 5 + random() * 40) });
    };
    const a = scenario();
    const b = scenario();
    expect(b.stats).toEqual(a.stats);
    expect(b.output).toEqual(a.output);
  });

  it('refuses bad options and arguments with RangeErrors that name them', () => {
    const decode = () => new Float32Array(FRAME);
    const make = (o: Partial<PlayoutOptions>) =>
      new AdaptivePlayout(decode, { sampleRate: RATE, frameSize: FRAME, ...o });
    expect(() => make({ sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => make({ frameSize: 1.5 })).toThrow(/frameSize/);
    expect(() => make({ maxDelayMs: 10 })).toThrow(/maxDelayMs/);
    expect(() => make({ minJitterMs: -1 })).toThrow(RangeError);
    expect(() => make({ quantile: 0 })).toThrow(/quantile/);
    expect(() => make({ peakHoldMs: -1 })).toThrow(/peakHoldMs/);
    expect(() => make({ peakCapMs: Number.NaN })).toThrow(/peakCapMs/);
    const playout = make({});
    expect(() => playout.push(-1, null, 0)).toThrow(/non-negative integer/);
    expect(() => playout.push(0, null, Number.NaN)).toThrow(RangeError);
    expect(() => playout.pull(0, -1, 5)).toThrow(/queuedMs/);
    expect(() => playout.pull(0, 0, Number.POSITIVE_INFINITY)).toThrow(/marginMs/);
    expect(() => playout.configure({ maxDelayMs: 1 })).toThrow(/maxDelayMs/);
    expect(() => playout.configure({ quantile: 1.5 })).toThrow(/quantile/);
    expect(() => playout.configure({ peakHoldMs: Number.POSITIVE_INFINITY })).toThrow(/peakHoldMs/);
    expect(() => playout.configure({ peakCapMs: -5 })).toThrow(/peakCapMs/);
  });
});
