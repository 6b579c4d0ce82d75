// A device too slow for real time: the whole of Chromium (renderer, codec workers, audio thread)
// confined to a quarter of one core by a Linux cgroup CPU quota (cpu-quota.ts), the demo page
// live. The nodes cannot keep up there (encoder + decoder take about 3.3 times real time at a
// third of a core), so they must drop and skip frames, count them, say so in 'overload' events,
// shed load, and keep the delay bounded instead of letting it grow with every frame.
//
// Needs root or a delegated cgroup (this project's machine and CI run as root); elsewhere the
// test is skipped with the reason.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OverloadReport } from '../../src/web/protocol.js';
import { createCpuQuota } from './cpu-quota.js';
import {
  AVAILABLE,
  CHROMIUM,
  type DemoPage,
  type Harness,
  type Meters,
  openDemo,
  quantile,
  startHarness,
} from './demo-page.js';

const CORE_SHARE = 0.25;
/** The first shedding steps are taken (after 2 s of overload each) before the delay is sampled. */
const SETTLE_SECONDS = 8;
const SAMPLE_SECONDS = 20;
const SAMPLE_EVERY_MS = 2000;
/**
 * Mouth to ear, every sample (issue 20: at most 300 ms when the device cannot keep up). Without
 * the nodes' dropping and skipping it only grows (about a second every few seconds at a quarter
 * of a core: docs/overload.md). The meter reads what is heard at that moment from one snapshot of
 * the decoder's worker (demo/meters.ts), so a reading at or below zero is a broken measurement,
 * not a short delay.
 */
const MAX_LATENCY_MS = 300;
/**
 * Nine readings in ten: the decoder's maximum delay is held to 150 ms while overloaded, the
 * encoder keeps at most 60 ms of backlog, and a quiet machine reads 145-214 ms.
 */
const TYPICAL_LATENCY_MS = 250;
/**
 * Packets discarded because their slot had already been played (concealed) are the exception,
 * not the stream: when the playout measured time on the wall clock while the starved audio clock
 * ran at 0.65 of it, it ran ahead of the packets and 718 of 737 were discarded as late (97.6% of
 * the samples concealment), and the test passed. (How much is concealed in all depends on how
 * far the device is from real time: at a real-time factor of 3.7, 70%, most of it frames the
 * encoder had to drop.)
 */
const MAX_LATE_FRACTION = 0.5;

const quota = AVAILABLE ? createCpuQuota(CORE_SHARE, CHROMIUM) : null;
if (quota && !quota.ok) console.warn(`test/browser/overload.test.ts skipped: ${quota.reason}`);

describe.skipIf(!quota?.ok)(`the Web Audio nodes on ${CORE_SHARE} of a core (cgroup CPU quota)`, () => {
  let h: Harness;
  beforeAll(async () => {
    if (!quota?.ok) return;
    // Loaded at full speed (model, JIT warm-up); confined once playing.
    quota.quota.setFraction(null);
    h = await startHarness({ executablePath: quota.quota.executablePath });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (quota?.ok) quota.quota.remove();
  });

  let opened: DemoPage | null = null;
  afterEach(async () => {
    // (Before another attempt: the page loads at full speed, and a page left open would share the quota.)
    if (quota?.ok) quota.quota.setFraction(null);
    await opened?.page.close().catch(() => undefined);
    opened = null;
  });

  // One more attempt, as for the other real-time tests: a whole-machine stall on a shared 2-core machine.
  it('drops and skips frames (counted, concealed), reports overload with its compute per frame, sheds load, keeps the delay bounded', {
    timeout: 120_000,
    retry: 1,
  }, async () => {
    const demo = await openDemo(h, { isolated: true });
    opened = demo;
    await demo.page.click('#src-mic');
    if (quota?.ok) quota.quota.setFraction(CORE_SHARE);
    await demo.page.waitForTimeout(SETTLE_SECONDS * 1000);
    const samples: Meters[] = [];
    for (let t = 0; t < SAMPLE_SECONDS * 1000; t += SAMPLE_EVERY_MS) {
      samples.push(await demo.meters());
      await demo.page.waitForTimeout(SAMPLE_EVERY_MS);
    }
    const last = await demo.meters();
    samples.push(last);
    const overloads = (await demo.page.evaluate(
      () => (globalThis as unknown as { soundstreamDemo: { overloads: OverloadReport[] } }).soundstreamDemo.overloads,
    )) as OverloadReport[];
    const banner = await demo.page.locator('#overload').textContent();
    console.log(
      `${CORE_SHARE} core: latency / playout delay ${samples.map((m) => `${Math.round(m.latencyMs ?? -1)}/${Math.round(m.playoutDelayMs)}`).join(' ')} ms; last meters ${JSON.stringify(last)}; ${overloads.length} overload reports, the last ${JSON.stringify(overloads.at(-1))}; banner: ${banner}`,
    );
    expect(demo.errors).toEqual([]);

    // The events: both nodes, about one a second, with the compute they measured against a 20 ms frame.
    for (const node of ['encoder', 'decoder'] as const) {
      const reports = overloads.filter((r) => r.node === node);
      expect(reports.length, `${node} overload reports`).toBeGreaterThanOrEqual(3);
      for (const r of reports) {
        expect(r.budgetMs).toBe(20);
        expect(r.computeMs).toBeGreaterThan(0);
        expect(r.computeMs).toBeLessThan(5000);
        // Overloaded means frames were dropped this second, or frames cost more than their 20 ms.
        expect(r.droppedInWindow >= 2 || r.computeMs > r.budgetMs).toBe(true);
      }
      // Frame counts only grow; the shedding steps taken are the ones the report says.
      const counts = reports.map((r) => r.droppedFrames);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(reports.some((r) => r.shed === 'precision-fast')).toBe(true);
      expect(reports.at(-1)!.precision).toBe('fast');
    }
    expect(last.precision).toEqual({ encoder: 'fast', decoder: 'fast' });
    expect(banner).toMatch(/too slow for real time/);

    // Frames were dropped (encoder) and skipped (decoder), counted, and the gaps concealed.
    expect(last.droppedFrames).toBeGreaterThan(0);
    expect(last.skippedFrames).toBeGreaterThan(0);
    expect(last.concealed).toBeGreaterThan(0);
    expect(last.overload).not.toBeNull();

    // The playout keeps up with the packets that come: few come after their slot was played.
    const w = last.webrtc;
    const late = w.packetsDiscarded - last.skippedFrames;
    expect(late / w.packetsReceived, 'packets discarded as late').toBeLessThan(MAX_LATE_FRACTION);

    // The delay stays bounded, and is a delay: every reading measured, above zero and at most
    // 300 ms (issue 20). Until the playout skipped empty slots too, a starved page that had run
    // dry refilled its queue with concealment at the delay it had fallen to: 315-419 ms, a
    // reading or two in every run.
    const delays = samples.map((m) => m.latencyMs);
    expect(delays.every((d) => d !== null)).toBe(true);
    const ms = delays as number[];
    const shown = `latency ${ms.map(Math.round).join(' ')} ms`;
    expect(Math.min(...ms), shown).toBeGreaterThan(0);
    expect(Math.max(...ms), shown).toBeLessThanOrEqual(MAX_LATENCY_MS);
    expect(quantile(ms, 0.9), shown).toBeLessThanOrEqual(TYPICAL_LATENCY_MS);
  });
});
