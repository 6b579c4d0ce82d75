// The demo's mouth-to-ear meter (demo/meters.ts) on synthetic snapshots: what each side reports,
// and the latency it makes of them, on one AudioContext and across two.
import { describe, expect, it } from 'vitest';
import { computeMeters, type ClockReading, type ReceivingSide, type SendingSide } from '../demo/meters.js';
import type { DecoderStats, ProcessorStats } from '../src/web/protocol.js';

const RATE = 48000;

function processor(startFrame: number, droppedSamples = 0): ProcessorStats {
  return {
    type: 'stats',
    quanta: 0,
    worstQuantumMs: 0,
    clock: 'performance',
    underruns: 0,
    underrunSamples: 0,
    droppedSamples,
    startFrame,
  };
}

function sending(clock: ClockReading, capture: ProcessorStats): SendingSide {
  return {
    frames: 0,
    recentBytes: [],
    computeMs: [],
    capture,
    clock,
    droppedFrames: 0,
    notSent: 0,
    precision: 'exact',
    overload: null,
  };
}

function receiving(clock: ClockReading, playing: DecoderStats['playing']): ReceivingSide {
  const stats = { firstSeq: 0, playing } as DecoderStats;
  return { stats, computeMs: [], playback: processor(0), clock, overload: null };
}

const clock = (contextId: string, contextSeconds: number, epochMs: number): ClockReading => ({
  sampleRate: RATE,
  contextSeconds,
  epochMs,
  contextId,
});

describe('the mouth-to-ear meter', () => {
  it('on one page: the playhead frame against the capture of the same place on the sender timeline, in frames', () => {
    // Capture began at frame 48000; the listener hears the sender's 1.5 s mark at frame 48000 + 1.5 s + 60 ms.
    const send = sending(clock('a', 10, 5000), processor(48000));
    // (A second reading of the same context a burst later: one page is compared in frames, not through it.)
    const receive = receiving(clock('a', 10.01, 5003), { audioFrame: 48000 + 72000 + 2880, timelineMs: 1500 });
    expect(computeMeters(send, receive).latencyMs).toBeCloseTo(60, 9);
  });

  it('counts samples the capture ring dropped as captured later, and a playhead short of the capture as a negative delay', () => {
    const send = sending(clock('a', 10, 5000), processor(48000, 480));
    const receive = receiving(clock('a', 10, 5000), { audioFrame: 48000 + 72000 + 2880, timelineMs: 1500 });
    expect(computeMeters(send, receive).latencyMs).toBeCloseTo(50, 9);
    const early = receiving(clock('a', 10, 5000), { audioFrame: 48000 + 72000 - 480, timelineMs: 1500 });
    expect(computeMeters(sending(clock('a', 10, 5000), processor(48000)), early).latencyMs).toBeCloseTo(-10, 9);
  });

  it('across two pages: each frame taken to the wall clock through its own context', () => {
    // Sender: its frame 0 was at epoch 1000 ms (read at 10 s = 11000 ms); receiver: its frame 0 at epoch 3000 ms.
    const send = sending(clock('a', 10, 11000), processor(0));
    const receive = receiving(clock('b', 4, 7000), { audioFrame: 2.08 * RATE, timelineMs: 4000 });
    // Captured at 1000 + 4000 = 5000 ms; heard at 3000 + 2080 = 5080 ms.
    expect(computeMeters(send, receive).latencyMs).toBeCloseTo(80, 6);
  });

  it('reads nothing before playout or capture has begun', () => {
    const send = sending(clock('a', 10, 5000), processor(48000));
    expect(computeMeters(send, receiving(clock('a', 10, 5000), null)).latencyMs).toBeNull();
    const notCapturing = sending(clock('a', 10, 5000), processor(-1));
    expect(
      computeMeters(notCapturing, receiving(clock('a', 10, 5000), { audioFrame: 1, timelineMs: 0 })).latencyMs,
    ).toBeNull();
  });
});
