// npm run bench:browser-live [-- --seconds 60] [-- --rates 1,4,6] [-- --loss <percent>] [-- --out <file.json>]
//                            [-- --cpu 1,0.5,0.33] [-- --transports sab,port] [-- --overload off]
//                            [-- --quantile 0.95]
//                            [-- --playout-seconds 120] [-- --only-playout]
//                            [-- --payload-seconds 30] [-- --only-payload]
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
// --cpu runs the whole browser (every process and thread: main, workers, audio) inside a Linux
// cgroup CPU quota of that share of one core (test/browser/cpu-quota.ts; cgroup v2 cpu.max or
// v1 cpu.cfs_quota_us, 10 ms period), one row per quota, as a slow device would; rates default
// to 1 then (each page loads unconfined and is confined once playing), and the results go to bench/browser-live-cpu-results.{json,md}. Where no cgroup
// can be made (not root, no cgroup file system) those rows are skipped with the reason.
// --overload off: the page's nodes never drop frames nor shed load (the behaviour before they could).
// --quantile: the decoder node's playout quantile (DecoderNodeOptions.quantile; default 0.95).
//
// Then the adaptive playout's rows (SharedArrayBuffer transport, 1x): the mouth-to-ear latency
// on a clean loopback, the latency 1 s and 5 s after a 200 ms delay spike on the simulated
// network, and a drift run (the sender's clock 0.1% slow for --playout-seconds): the latency at
// its start and end, underruns, and the samples time-scaling put in. --only-playout runs those
// alone.
//
// Then the SoundStream payload rows (MessagePort transport, 1x, 6000 bps payloads, a 40 ms jitter
// allowance floor so that the next packet is at hand when a frame is due, --payload-seconds each):
// DTX off and on, on the microphone's sample with 1.5 s pauses of quiet noise after each pass
// (test/browser/demo-page.ts speechWithPausesWav; the microphone's sample alone is speech
// throughout), the bits sent per second and the share of frames left out; and 10% and 20% random
// loss without and with 16 quantizers of redundancy: frames concealed and recovered. --only-payload
// runs those alone.
//
// The codec-in-the-worklet alternative (the graph sliced across render quanta) is not built:
// one 20 ms frame costs 3.2-3.5 ms of main-thread-speed JavaScript, more than a 2.67 ms quantum
// at 48 kHz, and at 4x throttling a frame's work spread over its 7.5 quanta would still fill
// 90% of each.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createCpuQuota, type CpuQuota } from '../test/browser/cpu-quota.js';
import {
  AVAILABLE,
  CHROMIUM,
  openDemo,
  speechWithPausesWav,
  startHarness,
  type Meters,
} from '../test/browser/demo-page.js';
import { fmt, machineInfo, markdownTable, option, repoRoot } from './common.js';

const args = process.argv.slice(2);
const playoutSeconds = Number(option(args, '--playout-seconds') ?? 120);
const onlyPayload = args.includes('--only-payload');
const onlyPlayout = args.includes('--only-playout') && !onlyPayload;
const payloadSeconds = Number(option(args, '--payload-seconds') ?? 30);
const seconds = Number(option(args, '--seconds') ?? 60);
const cpuOption = option(args, '--cpu');
/** null: no quota (all of the machine's cores). */
const quotas: (number | null)[] = cpuOption ? cpuOption.split(',').map(Number) : [null];
const rates = (option(args, '--rates') ?? (cpuOption ? '1' : '1,4,6')).split(',').map(Number);
const transports = (option(args, '--transports') ?? 'sab,port').split(',');
const loss = Number(option(args, '--loss') ?? 0);
const overloadOff = option(args, '--overload') === 'off';
const quantile = option(args, '--quantile');
if (quantile !== undefined && !(Number(quantile) > 0 && Number(quantile) <= 1))
  throw new Error('--quantile: the playout quantile, in (0, 1]');
/** What the runs changed from the defaults, for the tables' titles. */
const settings = `${overloadOff ? ', overload handling off' : ''}${quantile !== undefined ? `, playout quantile ${quantile}` : ''}`;
const defaultName = onlyPayload
  ? 'browser-live-payload'
  : onlyPlayout
    ? 'browser-live-playout'
    : cpuOption
      ? 'browser-live-cpu'
      : loss > 0
        ? 'browser-live-loss'
        : 'browser-live';
const outJson = option(args, '--out') ?? join(repoRoot(), 'bench', `${defaultName}-results.json`);
if (!(seconds > 0) || rates.some((r) => !(r >= 1)))
  throw new Error('--seconds > 0 and --rates: comma-separated rates >= 1');
if (!(loss >= 0 && loss <= 50)) throw new Error('--loss: a percentage from 0 to 50');
if (quotas.some((q) => q !== null && !(q >= 0.1 && q <= 16)))
  throw new Error('--cpu: comma-separated shares of one core, from 0.1 to 16 (e.g. 1,0.5,0.33)');
if (transports.some((t) => t !== 'sab' && t !== 'port')) throw new Error('--transports: sab, port or sab,port');
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
log(
  `soundstream-ts live browser bench: ${machine.cpu}, ${machine.date}, ${seconds} s per run, ${loss}% packet loss${settings}`,
);

interface Run {
  /** Share of one core the whole browser was confined to (null: no quota). */
  cpu: number | null;
  rate: number;
  transport: string;
  meters: Meters;
  /** CFS periods in which the quota ran out and the browser was held back (null: no quota). */
  throttledPeriods: number | null;
}
const runs: Run[] = [];
const skipped: string[] = [];
const playoutRows: { case: string; latencyMs: string; meters: Meters }[] = [];
const payloadRows: { case: string; seconds: number; bitsPerSecond: number; meters: Meters }[] = [];
for (const cpu of onlyPlayout || onlyPayload ? [] : quotas) {
  let quota: CpuQuota | null = null;
  if (cpu !== null) {
    const made = createCpuQuota(cpu, CHROMIUM);
    if (!made.ok) {
      const why = `${cpu} core: skipped, ${made.reason}`;
      log(why);
      skipped.push(why);
      continue;
    }
    quota = made.quota;
    // Each page loads at full speed (model, JIT warm-up) and is confined once playing.
    quota.setFraction(null);
    log(`${cpu} core: cgroup v${quota.version} ${quota.dir}`);
  }
  const h = await startHarness({ executablePath: quota?.executablePath });
  try {
    for (const rate of rates) {
      for (const transport of transports) {
        const demo = await openDemo(h, {
          isolated: transport === 'sab',
          throttle: rate,
          query: { ...(overloadOff ? { overload: 'off' } : {}), ...(quantile !== undefined ? { quantile } : {}) },
        });
        await demo.page.click('#src-mic');
        quota?.setFraction(cpu);
        if (loss > 0) {
          await demo.page.fill('#loss', String(loss));
          await demo.page.dispatchEvent('#loss', 'input');
        }
        const throttledBefore = quota?.throttledPeriods() ?? 0;
        await demo.page.waitForTimeout(seconds * 1000);
        const meters = await demo.meters();
        const throttledPeriods = quota ? quota.throttledPeriods() - throttledBefore : null;
        runs.push({ cpu, rate, transport: demo.info.transport, meters, throttledPeriods });
        log(`${cpu ?? 'all'} core ${rate}x ${demo.info.transport}: ${JSON.stringify({ ...meters, throttledPeriods })}`);
        quota?.setFraction(null);
        await demo.page.close();
      }
    }
  } finally {
    await h.close();
    quota?.remove();
  }
}
// The playout and payload rows run on the whole machine, without a quota.
if (!cpuOption) {
  const h = await startHarness();
  try {
    if (!onlyPayload) await playoutRuns(h);
    await payloadRuns(h);
  } finally {
    await h.close();
  }
}
if (runs.length === 0 && playoutRows.length === 0 && payloadRows.length === 0) {
  log(`No run: ${skipped.join('; ')}`);
  process.exit(0);
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

async function playoutRuns(h: Awaited<ReturnType<typeof startHarness>>): Promise<void> {
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

async function payloadRuns(h: Awaited<ReturnType<typeof startHarness>>): Promise<void> {
  const pauses = speechWithPausesWav();
  const run = async (name: string, query: Record<string, string>, o: { lossPercent?: number; file?: string }) => {
    const demo = await openDemo(h, {
      isolated: false,
      throttle: 1,
      query: { format: 'soundstream', bitrate: '6000', ...query },
    });
    await demo.page.fill('#jitter-buffer', '40');
    await demo.page.dispatchEvent('#jitter-buffer', 'input');
    if (o.file) await demo.page.setInputFiles('#src-file', o.file);
    else await demo.page.click('#src-mic');
    if (o.lossPercent) {
      await demo.page.fill('#loss', String(o.lossPercent));
      await demo.page.dispatchEvent('#loss', 'input');
    }
    await demo.page.waitForTimeout(payloadSeconds * 1000);
    const meters = await demo.meters();
    // Every packet the encoder made (empty: not sent), over the frames they cover.
    const packets = await demo.packets();
    const bitsPerSecond = (packets.reduce((n, p) => n + 8 * p.length, 0) / Math.max(1, packets.length)) * 50;
    payloadRows.push({ case: name, seconds: payloadSeconds, bitsPerSecond, meters });
    log(`payload, ${name}: ${fmt(bitsPerSecond, 0)} bps sent; ${JSON.stringify(meters)}`);
    await demo.page.close();
  };
  await run('speech with pauses, DTX off', {}, { file: pauses });
  await run('speech with pauses, DTX on', { dtx: '1' }, { file: pauses });
  for (const lossPercent of [10, 20]) {
    await run(`${lossPercent}% random loss, no redundancy`, {}, { lossPercent });
    await run(`${lossPercent}% random loss, redundancy 16`, { redundancy: '16' }, { lossPercent });
  }
}

const table = markdownTable(
  [
    'CPU quota',
    'CPU throttling',
    'transport',
    'worst quantum (ms)',
    'underruns',
    'dropped input samples',
    'concealed frames',
    'frames dropped / skipped',
    'latest packet (ms behind)',
    'encoder ms p50 / p99',
    'decoder ms p50 / p99',
    'RTF',
    'precision enc / dec',
    'latency (ms)',
  ],
  runs.map(({ cpu, rate, transport, meters: m }) => [
    cpu === null ? 'none' : `${cpu} core`,
    `${rate}x`,
    transport === 'sab' ? 'SharedArrayBuffer' : 'MessagePort',
    fmt(m.worstQuantumMs),
    String(m.underruns),
    String(m.droppedSamples),
    String(m.concealed),
    `${m.droppedFrames} / ${m.skippedFrames}`,
    fmt(m.packetLateMs),
    `${fmt(m.encoderMs.p50)} / ${fmt(m.encoderMs.p99)}`,
    `${fmt(m.decoderMs.p50)} / ${fmt(m.decoderMs.p99)}`,
    fmt(m.rtf),
    `${m.precision.encoder} / ${m.precision.decoder}`,
    m.latencyMs === null ? '–' : fmt(m.latencyMs),
  ]),
  ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
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
const payloadTable = markdownTable(
  [
    'SoundStream payloads, 6000 bps (MessagePort, 1x)',
    'bits sent per second',
    'frames not sent (DTX)',
    'comfort noise frames (share)',
    'packets lost',
    'concealed frames',
    'recovered frames',
    'underruns',
    'latency (ms)',
  ],
  payloadRows.map(({ case: name, bitsPerSecond, meters: m }) => [
    name,
    fmt(bitsPerSecond, 0),
    String(m.notSent),
    `${m.comfortNoise} (${fmt(100 * m.dtxShare, 0)}%)`,
    String(m.webrtc.packetsLost),
    String(m.concealed),
    String(m.recovered),
    String(m.underruns),
    m.latencyMs === null ? '–' : fmt(m.latencyMs),
  ]),
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
);
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(
  outJson,
  `${JSON.stringify({ schema: 'soundstream-ts/browser-live-results', version: 3, machine, seconds, lossPercent: loss, overloadHandling: !overloadOff, playoutQuantile: quantile === undefined ? 0.95 : Number(quantile), skipped, runs, playout: playoutRows, payload: payloadRows }, null, 2)}\n`,
);
const quotaNote = cpuOption
  ? ' The whole browser ran inside a cgroup CPU quota of the share of one core shown (10 ms period).'
  : '';
const skippedNote = skipped.length > 0 ? `\n\nSkipped: ${skipped.join('; ')}.` : '';
const matrix =
  runs.length === 0
    ? ''
    : `Encoder + decoder nodes live in headless Chromium, ${seconds} s per run, ${loss}% packet loss${settings}, ${machine.cpu}, ${machine.date.slice(0, 10)}, ${load}.${quotaNote} Latency: mouth to ear at the end of the run, on the audio clock.\n\n${table}${skippedNote}\n\n`;
const playoutPart =
  playoutRows.length === 0
    ? ''
    : `Adaptive playout, live in headless Chromium (48 kHz, fake microphone; latency: the page's mouth-to-ear meter, audio clock), ${machine.cpu}, ${machine.date.slice(0, 10)}, ${load}:\n\n${playoutTable}\n`;
const payloadPart =
  payloadRows.length === 0
    ? ''
    : `\nSoundStream payloads live in headless Chromium (48 kHz, ${payloadSeconds} s per row, jitter allowance floor 40 ms; bits: every payload the encoder made, TOC and redundancy included, over the frames it made), ${machine.cpu}, ${machine.date.slice(0, 10)}, ${load}:\n\n${payloadTable}\n`;
const md = `${matrix}${playoutPart}${payloadPart}`;
writeFileSync(`${outJson.replace(/\.json$/i, '')}.md`, md);
log('');
log(md);
