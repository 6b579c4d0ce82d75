// A 20 s call between headless Chromium and headless Firefox through the call page (demo/call.ts):
// both directions decoded with no underrun, the packets each side received are exactly those the
// other sent (RTP bytes and frame numbers), and ICE used loopback only.
//
// Network rule: the call runs in a network namespace of its own that has only `lo` (unshare
// --net, which needs root; CI runs as root), so nothing can leave the machine whatever the
// browsers try; the test also asserts that the selected ICE candidate pair is 127.0.0.1 on both
// sides. scripts/call-session.ts runs the browsers and writes the report asserted on here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_BINARIES } from '../engines/drivers.js';
import { AVAILABLE, quantile, ROOT } from './demo-page.js';
import { FIREFOX_SPEECH_DIR, PULSEAUDIO, type CallReport, type SideReport } from '../../scripts/call-session.js';

const SECONDS = 20;
const FRAMES_PER_SECOND = 50;
/**
 * The receiver's adaptive playout on a loopback (issue 21: the delay follows the network; one
 * page on a clean loopback: mouth to ear at most 60 ms). A call has two browsers, their main
 * threads and data channels on the packets' path, so it is allowed more, but not a fixed queue:
 * the test once ran the call with floors that made the target 250 ms (mouth to ear 242 and 312).
 * It runs with a 120 ms floor under the compute margin (scripts/call-session.ts: the decoder
 * workers stall for up to 125 ms, Firefox's every 5 s), so the target is that floor, the adaptive
 * jitter allowance and whatever longer stall the margin has learnt: medians of 141-190 ms, and
 * mouth to ear 167-192 ms, on a quiet machine (docs/call.md).
 * Medians of the per-second readings, from the 5th second on (the start-up learns the target).
 */
const MAX_TARGET_DELAY_MS = 200;
const MAX_LATENCY_MS = 230;
const isRoot = process.getuid?.() === 0;
const canIsolate =
  isRoot && spawnSync('unshare', ['--net', 'true']).status === 0 && spawnSync('ip', ['-V']).status === 0;
// Firefox needs a sound server for its AudioContext to run in real time (PulseAudio, started by
// the session with a null sink); .ci/run installs it with the browsers.
const READY =
  AVAILABLE && existsSync(ENGINE_BINARIES.firefox) && existsSync(FIREFOX_SPEECH_DIR) && existsSync(PULSEAUDIO);

function runCall(out: string): Promise<{ code: number | null; output: string }> {
  const script = `ip link set lo up && ip route add default dev lo src 127.0.0.1 && exec node scripts/build.mjs --run scripts/call-session.ts ${out} ${SECONDS}`;
  return new Promise((resolve) => {
    const child = spawn('unshare', ['--net', 'sh', '-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function encodedPerSecond(side: SideReport): number {
  const [first, last] = [side.timeline[0], side.timeline.at(-1)!];
  return (last.outgoing!.framesEncoded - first.outgoing!.framesEncoded) / (last.atS - first.atS);
}

/** What a direction looked like, for the log and the assertions. */
const median = (xs: number[]) => quantile(xs, 0.5);

function direction(from: SideReport, to: SideReport) {
  const sent = from.records.sent;
  const received = [...to.records.received].sort((a, b) => a.frame - b.frame);
  const sentAt = new Map(sent.map((p) => [p.frame - from.records.firstFrameSent, p.atMs]));
  const transit = received.map((p) => p.atMs - (sentAt.get(p.frame) ?? NaN));
  const meters = to.meters.incoming!;
  const settled = to.timeline.filter((t) => t.atS >= 5 && t.incoming).map((t) => t.incoming!);
  return {
    name: `${from.browser} → ${to.browser}`,
    sent,
    received,
    transitMs: { p50: quantile(transit, 0.5), p99: quantile(transit, 0.99), max: Math.max(...transit) },
    meters,
    /** Frames the sender encoded per second of wall time during the call: its audio clock (50 = real time). */
    senderFramesPerSecond: encodedPerSecond(from),
    /** The receiver's playout target and mouth to ear, each second from the 5th on (null: not measured). */
    targetDelayMs: settled.map((m) => m.targetDelayMs),
    latencyMs: settled.map((m) => m.latencyMs),
  };
}

describe.skipIf(!READY)('a call between Chromium and Firefox (call page, WebRTC data channel, loopback only)', () => {
  it.skipIf(!canIsolate)(
    `${SECONDS} s: both directions decoded, no underrun, packets received = packets sent, ICE on 127.0.0.1`,
    { timeout: 240_000, retry: 1 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'call-'));
      try {
        const out = join(dir, 'report.json');
        const run = await runCall(out);
        expect(run.code, run.output.slice(-4000)).toBe(0);
        const report = JSON.parse(readFileSync(out, 'utf8')) as CallReport;
        if (process.env.CALL_REPORT) writeFileSync(process.env.CALL_REPORT, JSON.stringify(report));
        expect(report.interfaces).toEqual(['lo']);
        expect(report.firefoxAudio).toBe('pulseaudio');
        const [chromium, firefox] = report.sides;
        expect([chromium.browser, firefox.browser]).toEqual(['chromium', 'firefox']);
        expect(chromium.info.userAgent).toMatch(/Chrome/);
        expect(firefox.info.userAgent).toMatch(/Firefox/);
        for (const side of report.sides) {
          expect(side.errors, side.browser).toEqual([]);
          // Not cross-origin isolated: the nodes' MessagePort transport.
          expect(side.info.crossOriginIsolated).toBe(false);
          expect(side.info.transport).toBe('port');
          // Loopback, nothing else. (An end can be peer-reflexive: the other side's check came in
          // before its host candidate did through signaling; it is the same socket.)
          expect(side.pair, side.browser).not.toBeNull();
          for (const end of [side.pair!.local, side.pair!.remote]) {
            expect(end.address, `${side.browser}: ${JSON.stringify(side.pair)}`).toBe('127.0.0.1');
            expect(['host', 'prflx']).toContain(end.candidateType);
            expect(end.protocol).toBe('udp');
          }
          expect(side.records.rejected).toBe(0);
        }
        // The two ends of the pair are the same two sockets seen from each side.
        expect(chromium.pair!.local.port).toBe(firefox.pair!.remote.port);
        expect(firefox.pair!.local.port).toBe(chromium.pair!.remote.port);

        for (const d of [direction(chromium, firefox), direction(firefox, chromium)]) {
          console.log(
            `${d.name}: ${d.sent.length} packets sent, ${d.received.length} received; data channel transit p50 ${d.transitMs.p50.toFixed(1)} ms, p99 ${d.transitMs.p99.toFixed(1)} ms, max ${d.transitMs.max.toFixed(1)} ms; sender encoded ${d.senderFramesPerSecond.toFixed(1)} frames/s; receiver's target delay ${d.targetDelayMs.map(Math.round).join(' ')} ms, mouth to ear ${d.latencyMs.map((x) => (x === null ? '-' : Math.round(x))).join(' ')} ms; receiver's meters ${JSON.stringify(d.meters)}`,
          );
          // Every packet sent arrived, once, unchanged, and numbered as the sender numbered it.
          expect(d.received.length).toBe(d.sent.length);
          const [from] = d.name.split(' → ');
          const firstFrame = (from === 'chromium' ? chromium : firefox).records.firstFrameSent;
          expect(d.received.map((p) => p.frame)).toEqual(d.sent.map((p) => p.frame - firstFrame));
          expect(d.received.map((p) => p.rtp)).toEqual(d.sent.map((p) => p.rtp));
          // Both directions decoded, in real time, with no underrun.
          expect(d.sent.length).toBeGreaterThan(SECONDS * FRAMES_PER_SECOND * 0.8);
          expect(d.meters.framesDecoded).toBeGreaterThan(SECONDS * FRAMES_PER_SECOND * 0.8);
          expect(d.meters.underruns, `${d.name}: underruns`).toBe(0);
          // The receiver's own adaptive playout, not a fixed queue: a low target, and a mouth to
          // ear that is measured, positive and near it.
          expect(d.targetDelayMs.length, d.name).toBeGreaterThan(10);
          expect(median(d.targetDelayMs), `${d.name}: target delay`).toBeLessThanOrEqual(MAX_TARGET_DELAY_MS);
          expect(d.latencyMs.every((x) => x !== null)).toBe(true);
          const latency = d.latencyMs as number[];
          expect(median(latency), `${d.name}: mouth to ear`).toBeGreaterThan(0);
          expect(median(latency), `${d.name}: mouth to ear`).toBeLessThanOrEqual(MAX_LATENCY_MS);
        }
        // Different speech each way: the two streams of packets have nothing in common.
        const payloads = (s: SideReport) => new Set(s.records.sent.map((p) => p.rtp.slice(24)));
        const chromiumPayloads = payloads(chromium);
        expect([...payloads(firefox)].filter((p) => chromiumPayloads.has(p)).length).toBeLessThan(10);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
