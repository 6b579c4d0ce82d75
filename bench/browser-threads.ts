// npm run bench:browser-threads [-- --seconds 20] [-- --transport sab|port] [-- --runs 2]
//
// Where a live demo page's CPU goes: the page in headless Chromium at full speed (fake
// microphone, 48 kHz, 6 kbps, exact paths), each thread of every Chromium process read from
// /proc before and after `--seconds`, as a share of one core. On a device with half a core to
// spare this is the budget that must fit: the codec's compute (the meters' real-time factor) is
// only part of it; the workers' own overhead, the page's drawing and the audio threads take the
// rest. Linux only (/proc); elsewhere it says so and stops. Writes
// bench/browser-threads-results.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AVAILABLE, openDemo, startHarness } from '../test/browser/demo-page.js';
import { machineInfo, markdownTable, option, repoRoot } from './common.js';

const args = process.argv.slice(2);
const seconds = Number(option(args, '--seconds') ?? 20);
const transport = option(args, '--transport') ?? 'sab';
const runCount = Number(option(args, '--runs') ?? 2);
if (!(seconds > 0) || !['sab', 'port'].includes(transport) || !(Number.isInteger(runCount) && runCount > 0))
  throw new Error('--seconds > 0, --transport sab|port, --runs a positive integer');
if (!existsSync('/proc/self/task')) {
  console.log('bench:browser-threads needs Linux /proc (per-thread CPU times); skipped');
  process.exit(0);
}
if (!AVAILABLE) {
  console.log('bench:browser-threads needs Chromium (see the README); skipped');
  process.exit(0);
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU ticks (user + system) of every thread of every Chromium process, by process type and thread name. */
function threadTicks(): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    let tids: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/i.test(cmdline.split('\0')[0])) continue;
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // (it exited meanwhile)
    }
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser';
    const service = /--utility-sub-type=[a-zA-Z.]*\.([a-zA-Z]+)/.exec(cmdline)?.[1];
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const thread = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // (utime and stime: fields 14 and 15 of stat, 12 and 13 after the name)
        const ticks = Number(fields[11]) + Number(fields[12]);
        // Each dedicated worker on its own row: the encoder's and the decoder's are two threads of one name.
        const name = `${service ?? type}: ${thread}${thread.startsWith('DedicatedWorker') ? ` #${tid}` : ''}`;
        out.set(`${pid}/${tid}`, { name, ticks });
      } catch {
        // (the thread exited meanwhile)
      }
    }
  }
  return out;
}

const ROLES: [string, RegExp][] = [
  ['codec and network workers', /DedicatedWorker/],
  ['page main thread', /^renderer: chromium$/],
  ['compositing (renderer and GPU process)', /Compositor|VizCompositor|CrGpuMain|Chrome_ChildIOT/],
  ['audio (capture, worklet, output)', /Audio|FakeAudio|Realtime/],
];
const pct = (p: number) => p.toFixed(1);
const roleOf = (name: string) => ROLES.find(([, pattern]) => pattern.test(name))?.[0] ?? 'other';

const h = await startHarness();
const runs: { total: number; computePercent: number; byRole: Map<string, number>; byThread: [string, number][] }[] = [];
try {
  for (let r = 0; r < runCount; r++) {
    const demo = await openDemo(h, { isolated: transport === 'sab' });
    await demo.page.click('#src-mic');
    // Past the start-up: model warm-up, JIT, the playout's first target.
    await demo.page.waitForTimeout(5000);
    const before = threadTicks();
    const computeBefore = await demo.meters();
    const started = performance.now();
    await demo.page.waitForTimeout(seconds * 1000);
    const after = threadTicks();
    const elapsed = (performance.now() - started) / 1000;
    const meters = await demo.meters();
    const percent = (ticks: number) => (ticks / TICKS_PER_SECOND / elapsed) * 100;
    const byName = new Map<string, number>();
    for (const [key, { name, ticks }] of after) {
      const spent = ticks - (before.get(key)?.ticks ?? 0);
      if (spent > 0) byName.set(name, (byName.get(name) ?? 0) + percent(spent));
    }
    const byRole = new Map<string, number>();
    for (const [name, p] of byName) byRole.set(roleOf(name), (byRole.get(roleOf(name)) ?? 0) + p);
    const total = [...byName.values()].reduce((a, b) => a + b, 0);
    // The meters' real-time factor: both nodes' mean compute per frame over their latest frames.
    const computePercent = ((computeBefore.rtf + meters.rtf) / 2) * 100;
    runs.push({ total, computePercent, byRole, byThread: [...byName].sort((a, b) => b[1] - a[1]) });
    console.log(`run ${r + 1}: ${pct(total)}% of a core, codec compute ${pct(computePercent)}%`);
    await demo.page.close();
  }
} finally {
  await h.close();
}

const machine = machineInfo();
const roleNames = [...ROLES.map(([role]) => role), 'other'];
const columns = runs.map((_, i) => `run ${i + 1} (% of a core)`);
const roleTable = markdownTable(
  ['', ...columns],
  [
    ['all of Chromium', ...runs.map((r) => pct(r.total))],
    ...roleNames.flatMap((role) => [
      [role, ...runs.map((r) => pct(r.byRole.get(role) ?? 0))],
      ...(role === ROLES[0][0]
        ? [['of which the codec computing (RTF)', ...runs.map((r) => pct(r.computePercent))]]
        : []),
    ]),
  ],
  ['l', ...columns.map(() => 'r' as const)],
);
const threadTable = markdownTable(
  ['thread (run 1)', '% of a core'],
  runs[0].byThread.filter(([, p]) => p >= 0.1).map(([name, p]) => [name, pct(p)]),
  ['l', 'r'],
);
const md = `The demo page live in headless Chromium at full speed (${transport === 'sab' ? 'SharedArrayBuffer' : 'MessagePort'} transport, 48 kHz, 6 kbps, exact paths, spectrograms and meters on), ${seconds} s per run after 5 s of start-up; CPU per thread from /proc. ${machine.cpu}, ${machine.date.slice(0, 10)}, load average ${loadavg()[0].toFixed(1)} on ${machine.logicalCpus} cores at the end.\n\n${roleTable}\n\n${threadTable}\n`;
writeFileSync(join(repoRoot(), 'bench', 'browser-threads-results.md'), md);
console.log(`\n${md}`);
