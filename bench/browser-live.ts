// npm run bench:browser-live [-- --seconds 60] [-- --rates 1,4,6] [-- --loss <percent>] [-- --out <file.json>]
//                            [-- --playout-seconds 120] [-- --only-playout]
//
// The Web Audio nodes live in headless Chromium (the demo page, fake microphone looping
// ../shared/audio/sample1_48kHz.wav, AudioContext at 48 kHz), per CPU throttling rate and per
// transport between the audio thread and the codec workers: SharedArrayBuffer rings (a
// cross-origin isolated page) and MessagePorts (any page). For each run: the worst render
// quantum on the audio thread (the capture and playback processors; Chromium's AudioWorklet has
// no performance.now(), so this is Date.now() with 1 ms resolution), underruns, dropped input,
// concealed frames, compute per frame in the workers, and the mouth-to-ear latency on the audio
// clock. --loss drops that share of packets on the page's simulated network (the decoder then
// conceals at its playout deadline). Run it on a quiet machine: other load starves the page's
// threads.
//
// Then the adaptive playout's rows (SharedArrayBuffer transport, 1x): the mouth-to-ear latency
// on a clean loopback, the latency 1 s and 5 s after a 200 ms delay spike on the simulated
// network, and a drift run (the sender's clock 0.1% slow for --playout-seconds): the latency at
// its start and end, underruns, and the samples time-scaling put in. --only-playout runs those
// alone.
//
// The codec-in-the-worklet alternative (the graph sliced across render quanta) is not built:
// one 20 ms frame costs 3.2-3.5 ms of main-thread-speed JavaScript, more than a 2.67 ms quantum
// at 48 kHz, and at 4x throttling a frame's work spread over its 7.5 quanta would still fill
// 90% of each.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { AVAILABLE, openDemo, startHarness, type Meters } from '../test/browser/demo-page.js';
import { fmt, machineInfo, markdownTable, option, repoRoot } from './common.js';

const args = process.argv.slice(2);
const playoutSeconds = Number(option(args, '--playout-seconds') ?? 120);
const onlyPlayout = args.includes('--only-playout');
const seconds = Number(option(args, '--seconds') ?? 60);
const rates = (option(args, '--rates') ?? '1,4,6').split(',').map(Number);
const loss = Number(option(args, '--loss') ?? 0);

const outJson =
  option(args, '--out') ??
  join(
    repoRoot(),
    'bench',
    onlyPlayout
      ? 'browser-live-playout-results.json'
      : loss > 0
        ? 'browser-live-loss-results.json'
        : 'browser-live-results.json',
  );
if (!(seconds > 0) || rates.some((r) => !(r >= 1)))
  throw new Error('--seconds > 0 and --rates: comma-separated rates >= 1');
if (!(loss >= 0 && loss <= 50)) throw new Error('--loss: a percentage from 0 to 50');
if (!(playoutSeconds >= 10)) throw new Error('--playout-seconds: at least 10');
if (!AVAILABLE) {
  console.error(
    'bench:browser-live needs /usr/bin/chromium (apt-get install -y chromium) and ../shared (lyra-v2, audio/sample1_48kHz.wav).',
  );
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const machine = machineInfo();
/** The machine's load when the runs began: live runs are only as real-time as the cores left to them. */
const load = `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores at the start`;
log(`soundstream-ts live browser bench: ${machine.cpu}, ${machine.date}, ${seconds} s per run, ${loss}% packet loss`);
const h = await startHarness();
const runs: { rate: number; transport: string; meters: Meters }[] = [];
const playoutRows: { case: string; latencyMs: string; meters: Meters }[] = [];
try {
  for (const rate of onlyPlayout ? [] : rates) {
    for (const isolated of [true, false]) {
      const demo = await openDemo(h, { isolated, throttle: rate });
      await demo.page.click('#src-mic');
      if (loss > 0) {
        await demo.page.fill('#loss', String(loss));
        await demo.page.dispatchEvent('#loss', 'input');
      }
      await demo.page.waitForTimeout(seconds * 1000);
      const meters = await demo.meters();
      runs.push({ rate, transport: demo.info.transport, meters });
      log(`${rate}x ${demo.info.transport}: ${JSON.stringify(meters)}`);
      await demo.page.close();
    }
  }
  await playoutRuns();
} finally {
  await h.close();
}

/** The latency meter: each reading, 250 ms apart, for `seconds`. */
async function latencies(demo: Awaited<ReturnType<typeof openDemo>>, seconds: number): Promise<number[]> {
  const readings: number[] = [];
  for (let i = 0; i < seconds * 4; i++) {
    await demo.page.waitForTimeout(250);
    const l = (await demo.meters()).latencyMs;
    if (l !== null) readings.push(l);
  }
  return readings;
}

async function playoutRuns(): Promise<void> {
  const range = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  const add = (name: string, latencyMs: string, meters: Meters) => {
    playoutRows.push({ case: name, latencyMs, meters });
    log(`playout, ${name}: ${latencyMs} ms; ${JSON.stringify(meters)}`);
  };
  {
    const demo = await openDemo(h, { isolated: true, throttle: 1 });
    await demo.page.click('#src-mic');
    await demo.page.waitForTimeout(5000);
    const clean = await latencies(demo, 10);
    add('clean loopback (10 s, after 5 s)', range(clean), await demo.meters());
    await demo.page.evaluate(() =>
      (globalThis as unknown as { soundstreamDemo: { spike(ms: number): void } }).soundstreamDemo.spike(200),
    );
    const after = await latencies(demo, 5);
    add('200 ms delay spike: first 1 s after', range(after.slice(0, 4)), await demo.meters());
    add('200 ms delay spike: 4-5 s after', range(after.slice(-4)), await demo.meters());
    await demo.page.close();
  }
  {
    const demo = await openDemo(h, { isolated: true, throttle: 1 });
    await demo.page.click('#src-mic');
    await demo.page.waitForTimeout(5000);
    const start = await latencies(demo, 5);
    await demo.page.fill('#drift', '0.1');
    await demo.page.dispatchEvent('#drift', 'input');
    await demo.page.waitForTimeout((playoutSeconds - 10) * 1000);
    const end = await latencies(demo, 5);
    add(`sender clock 0.1% slow: first 5 s`, range(start), await demo.meters());
    add(`sender clock 0.1% slow: last 5 s of ${playoutSeconds} s`, range(end), await demo.meters());
    await demo.page.close();
  }
}

const table = markdownTable(
  [
    'CPU throttling',
    'transport',
    'worst quantum (ms)',
    'underruns',
    'dropped input samples',
    'concealed frames',
    'latest packet (ms behind)',
    'encoder ms p50 / p99',
    'decoder ms p50 / p99',
    'latency (ms)',
  ],
  runs.map(({ rate, transport, meters: m }) => [
    `${rate}x`,
    transport === 'sab' ? 'SharedArrayBuffer' : 'MessagePort',
    fmt(m.worstQuantumMs),
    String(m.underruns),
    String(m.droppedSamples),
    String(m.concealed),
    fmt(m.packetLateMs),
    `${fmt(m.encoderMs.p50)} / ${fmt(m.encoderMs.p99)}`,
    `${fmt(m.decoderMs.p50)} / ${fmt(m.decoderMs.p99)}`,
    m.latencyMs === null ? '–' : fmt(m.latencyMs),
  ]),
  ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
);
const playoutTable = markdownTable(
  [
    'adaptive playout (SharedArrayBuffer, 1x)',
    'latency (ms)',
    'underruns',
    'concealed samples (events)',
    'inserted / removed samples',
    'packets lost / discarded',
    'mean jitterBufferDelay / target (ms)',
  ],
  playoutRows.map(({ case: name, latencyMs, meters: m }) => [
    name,
    latencyMs,
    String(m.underruns),
    `${m.webrtc.concealedSamples} (${m.webrtc.concealmentEvents})`,
    `${m.webrtc.insertedSamplesForDeceleration} / ${m.webrtc.removedSamplesForAcceleration}`,
    `${m.webrtc.packetsLost} / ${m.webrtc.packetsDiscarded}`,
    `${fmt(m.webrtc.meanJitterBufferDelayMs)} / ${fmt(m.webrtc.meanJitterBufferTargetDelayMs)}`,
  ]),
  ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
);
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(
  outJson,
  `${JSON.stringify({ schema: 'soundstream-ts/browser-live-results', version: 2, machine, seconds, lossPercent: loss, runs, playout: playoutRows }, null, 2)}\n`,
);
const matrix = onlyPlayout
  ? ''
  : `Encoder + decoder nodes live in headless Chromium, ${seconds} s per run, ${loss}% packet loss, ${machine.cpu}, ${machine.date.slice(0, 10)}:\n\n${table}\n\n`;
const md = `${matrix}Adaptive playout, live in headless Chromium (48 kHz, fake microphone; latency: the page's mouth-to-ear meter, audio clock), ${machine.cpu}, ${machine.date.slice(0, 10)}, ${load}:\n\n${playoutTable}\n`;
writeFileSync(`${outJson.replace(/\.json$/i, '')}.md`, md);
log('');
log(md);
