// The pieces of the Web Audio nodes that run without a browser: the SharedArrayBuffer sample
// ring, against a plain array model of a FIFO; the decoder worker's clock, alone and driving the
// playout on a simulated starved device. (The playout decisions: test/playout.test.ts.)
import { describe, expect, it } from 'vitest';
import { AdaptivePlayout } from '../src/codec/playout.js';
import { ListenerClock } from '../src/web/listener-clock.js';
import { SampleRing } from '../src/web/ring.js';
import { xorshift32 } from '../src/util/prng.js';

describe('SampleRing', () => {
  it('is a FIFO: random writes and reads across the wrap give back exactly what went in, and never more than fits', () => {
    const ring = new SampleRing(SampleRing.allocate(64));
    const model: number[] = [];
    const random = xorshift32(7);
    let next = 0;
    for (let step = 0; step < 5000; step++) {
      if (random() < 0.5) {
        const src = Float32Array.from({ length: Math.floor(random() * 40) }, () => next++);
        const written = ring.write(src);
        expect(written).toBe(Math.min(src.length, 64 - model.length));
        model.push(...src.subarray(0, written));
        next -= src.length - written; // what did not fit is offered again next time
      } else {
        const dst = new Float32Array(Math.floor(random() * 40));
        const got = ring.read(dst);
        expect(got).toBe(Math.min(dst.length, model.length));
        expect(Array.from(dst.subarray(0, got))).toEqual(model.splice(0, got));
      }
      expect(ring.available).toBe(model.length);
      expect(ring.free).toBe(64 - model.length);
    }
  });

  it('keeps working when the 32-bit counters wrap', () => {
    const buffer = SampleRing.allocate(8);
    const counters = new Int32Array(buffer, 0, 2);
    counters[0] = counters[1] = -3; // 2^32 - 3 samples read and written
    const ring = new SampleRing(buffer);
    expect(ring.write(Float32Array.of(1, 2, 3, 4, 5))).toBe(5);
    expect(ring.available).toBe(5);
    const out = new Float32Array(8);
    expect(ring.read(out)).toBe(5);
    expect(Array.from(out.subarray(0, 5))).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses capacities that are not powers of two and buffers of the wrong size', () => {
    expect(() => SampleRing.allocate(100)).toThrow(/power of two/);
    expect(() => SampleRing.allocate(0)).toThrow(RangeError);
    expect(() => new SampleRing(new SharedArrayBuffer(8 + 4 * 100))).toThrow(/not a SampleRing buffer/);
  });

  it("wakes a waiting worker at the audio thread's next quantum and says how late it woke; times out without one", async () => {
    expect(SampleRing.canWait).toBe(true); // (Node 20 has Atomics.waitAsync)
    const ring = new SampleRing(SampleRing.allocate(64));
    const wait = (seen: number, timeoutMs: number) =>
      new Promise<{ lateMs: number; tookMs: number }>((resolve) => {
        const started = performance.now();
        ring.afterTick(seen, timeoutMs, (lateMs) => resolve({ lateMs, tookMs: performance.now() - started }));
      });
    // A quantum 30 ms into a 5 s wait ends it, with the lateness on whole milliseconds.
    let seen = ring.ticks;
    setTimeout(() => ring.tick(), 30);
    const woken = await wait(seen, 5000);
    expect(ring.ticks).toBe((seen + 1) | 0);
    expect(woken.tookMs).toBeGreaterThanOrEqual(25);
    expect(woken.tookMs).toBeLessThan(2000);
    expect(woken.lateMs).toBeGreaterThanOrEqual(0);
    expect(woken.lateMs).toBeLessThan(woken.tookMs);
    expect(Number.isInteger(woken.lateMs)).toBe(true);
    // No quantum: the timeout, and no lateness. A quantum while nobody waited stamps nothing.
    ring.tick();
    const idle = await wait(ring.ticks, 20);
    expect(idle.lateMs).toBeNaN();
    expect(idle.tookMs).toBeGreaterThanOrEqual(15);
    // A quantum before the wait began: it ends at once, never synchronously, lateness unknown.
    seen = ring.ticks;
    ring.tick();
    let called = false;
    const stale = new Promise<number>((resolve) =>
      ring.afterTick(seen, 5000, (lateMs) => {
        called = true;
        resolve(lateMs);
      }),
    );
    expect(called).toBe(false);
    const started = performance.now();
    expect(await stale).toBeNaN();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('ListenerClock (the clock of the decoder worker: the playhead of the playback processor)', () => {
  it('follows the playhead, runs on with the wall clock at most maxAheadMs between readings, and never goes back', () => {
    const clock = new ListenerClock(48000, 20);
    // Before the processor has run: the wall clock, from the first call.
    expect(clock.now(500)).toBe(0);
    clock.update(0, 600);
    expect(clock.now(1000)).toBe(500);
    expect(Number.isNaN(clock.playheadFrames)).toBe(true);
    // The first reading carries on from there, whatever frame the context had got to.
    clock.update(480000, 1000);
    expect(clock.playheadFrames).toBe(480000);
    expect(clock.now(1005)).toBe(505);
    // The audio thread has not run for 50 ms: the clock waits for it after 20.
    expect(clock.now(1050)).toBe(520);
    // A burst of four quanta (10.7 ms) read late: the clock does not step back.
    clock.update(480000 + 512, 1051);
    expect(clock.now(1051)).toBe(520);
    clock.update(480000 + 2048, 1060);
    expect(clock.now(1060)).toBeCloseTo(500 + (2048 * 1000) / 48000, 9);
    // A reading a quantum behind the last (a new read counter paired with an older offset) is ignored.
    clock.update(480000 + 2048 - 128, 1061);
    expect(clock.playheadFrames).toBe(480000 + 2048);
  });

  it('unwraps the playhead across 2^32 frames', () => {
    const clock = new ListenerClock(48000);
    clock.update(2 ** 32 - 100, 0);
    clock.update(28, 3);
    expect(clock.playheadFrames).toBe(2 ** 32 + 28);
    expect(clock.now(3)).toBeCloseTo((128 * 1000) / 48000, 9);
  });

  it('refuses a bad rate or maximum', () => {
    expect(() => new ListenerClock(0)).toThrow(/sampleRate/);
    expect(() => new ListenerClock(48000, -1)).toThrow(/maxAheadMs/);
  });
});

/**
 * A device too slow for real time, simulated: the audio thread gets the CPU late, so the audio
 * clock (capture and playback alike, one AudioContext) runs at 0.65 of the wall clock, in bursts
 * of four quanta. The encoder worker polls the capture every 4 ms (wall) and sends each frame as
 * it completes; the decoder worker polls every 4 ms, pushes what came and pulls, writing to a
 * real SampleRing that the simulated audio thread reads and sets its playhead on. `clock` says
 * what the worker gives the playout as the time: the listener's clock (what the worker does) or
 * the wall clock (what it did before, which made the same-clock sender look 35% slow).
 */
function starvedDevice(clock: 'listener' | 'wall', seconds: number) {
  const AUDIO_RATE = 48000;
  const MODEL_RATE = 16000;
  const FRAME = 320;
  const UP = AUDIO_RATE / MODEL_RATE;
  const QUANTA_PER_BURST = 4;
  const SPEED = 0.65;
  const burstEveryMs = (QUANTA_PER_BURST * 128 * 1000) / AUDIO_RATE / SPEED;
  const ring = new SampleRing(SampleRing.allocate(65536));
  const listener = new ListenerClock(AUDIO_RATE);
  const tone = (seq: number) => Float32Array.from({ length: FRAME }, (_, i) => Math.sin((seq * FRAME + i) * 0.06));
  const playout = new AdaptivePlayout((p) => (p ? tone(p[0] | (p[1] << 8)) : new Float32Array(FRAME)), {
    sampleRate: MODEL_RATE,
    frameSize: FRAME,
  });
  const quantum = new Float32Array(128);
  let audioFrame = 0;
  let captured = 0;
  let sent = 0;
  let nextBurst = 0;
  let underrunSamples = 0;
  let started = false;
  const inFlight: { at: number; seq: number }[] = [];
  for (let wall = 0; wall < seconds * 1000; wall++) {
    while (wall >= nextBurst) {
      for (let q = 0; q < QUANTA_PER_BURST; q++) {
        captured += 128;
        const got = ring.read(quantum);
        if (got > 0) started = true;
        if (started) underrunSamples += 128 - got;
        audioFrame += 128;
        ring.setPlayhead(audioFrame);
      }
      nextBurst += burstEveryMs;
    }
    if (wall % 4 === 0) {
      // Encoder worker: every completed frame, to the network (1 ms).
      for (; (sent + 1) * FRAME * UP <= captured; sent++) inFlight.push({ at: wall + 1, seq: sent });
    }
    if (wall % 4 === 2) {
      listener.update(ring.playhead, wall);
      const now = () => (clock === 'listener' ? listener.now(wall) : wall);
      while (inFlight.length > 0 && inFlight[0].at <= wall) {
        const { seq } = inFlight.shift()!;
        playout.push(seq, Uint8Array.of(seq & 255, seq >> 8), now());
      }
      for (;;) {
        const frame = playout.pull(now(), (ring.available * 1000) / AUDIO_RATE, 10);
        if (!frame) break;
        const out = new Float32Array(frame.output.length * UP);
        for (let i = 0; i < out.length; i++) out[i] = frame.output[Math.floor(i / UP)];
        ring.write(out);
      }
    }
  }
  return { stats: playout.stats(), state: playout.state(), sent, underrunMs: (underrunSamples * 1000) / AUDIO_RATE };
}

describe('the decoder worker on a starved device (audio clock at 0.65 of the wall clock)', () => {
  it('measured on the listener clock, the playout plays every packet with a small, steady delay', () => {
    const run = starvedDevice('listener', 60);
    expect(run.sent).toBeGreaterThan(60 * 50 * 0.6);
    expect(run.stats.packetsReceived).toBe(run.sent);
    expect(run.stats.packetsDiscarded).toBe(0);
    expect(run.state.framesSkipped).toBe(0);
    // Nothing concealed once playing, and no silence: the audio thread consumes what the sender makes.
    expect(run.state.framesConcealed + run.state.framesExpanded).toBe(0);
    expect(run.underrunMs).toBe(0);
    // The delay is what the bursts and the polls cost, not the wall clock's lead over the audio clock.
    expect(run.state.jitterMs).toBeLessThan(40);
    expect(run.state.delayMs).toBeLessThan(80);
  });
});
