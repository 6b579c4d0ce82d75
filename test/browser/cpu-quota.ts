// A Linux cgroup CPU quota for a whole browser: every process and thread it starts (renderer,
// workers, audio thread) shares `fraction` of one core, as on a slow device. DevTools' CPU
// throttling slows only a page's main thread; this slows them all.
//
// The browser is started through a small shell script that first moves itself into the cgroup
// and then execs the browser, so that every process the browser forks is born inside it. Needs
// a writable cgroup file system: cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`), i.e. root or
// a delegated cgroup; elsewhere createCpuQuota() says why not and the caller skips.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CFS period: 10 ms, so that a half-core quota never stalls a thread for much longer than a 20 ms frame allows. */
const PERIOD_US = 10_000;
const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CpuQuota {
  /** Share of one core, e.g. 0.5. */
  fraction: number;
  /** The cgroup version used. */
  version: 1 | 2;
  /** The cgroup's folder. */
  dir: string;
  /** An executable to pass as the browser's executablePath: it joins the cgroup and execs the browser. */
  executablePath: string;
  /** Changes the quota of the running cgroup (null: no limit), e.g. to load a page at full speed first. */
  setFraction(fraction: number | null): void;
  /** The kernel's count of periods in which the cgroup used up its quota and was held back (cpu.stat nr_throttled). */
  throttledPeriods(): number;
  /** Moves any process still in the cgroup back to its parent and removes the cgroup and the wrapper (idempotent). */
  remove(): void;
}

export type CpuQuotaResult = { ok: true; quota: CpuQuota } | { ok: false; reason: string };

function cpuControllerV2(): boolean {
  const controllers = join(CGROUP_ROOT, 'cgroup.controllers');
  return existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu');
}

function pidsIn(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A fresh cgroup limited to `fraction` of one core (0.1 to 16) and a wrapper that starts
 * `executable` inside it, or the reason it cannot be made here. Call remove() when the browser
 * has closed (it is also called at process exit).
 */
export function createCpuQuota(fraction: number, executable: string): CpuQuotaResult {
  if (!(fraction >= 0.1 && fraction <= 16))
    throw new RangeError(`CPU quota must be a share of one core from 0.1 to 16, got ${fraction}`);
  if (process.platform !== 'linux')
    return { ok: false, reason: `cgroup CPU quotas need Linux (this is ${process.platform})` };
  const version: 1 | 2 | null = cpuControllerV2()
    ? 2
    : existsSync(join(CGROUP_ROOT, 'cpu', 'cpu.cfs_quota_us'))
      ? 1
      : null;
  if (version === null)
    return {
      ok: false,
      reason: `no cgroup CPU controller at ${CGROUP_ROOT} (neither v2 cpu.max nor v1 cpu/cpu.cfs_quota_us)`,
    };
  const parent = version === 2 ? CGROUP_ROOT : join(CGROUP_ROOT, 'cpu');
  const dir = join(parent, `soundstream-quota-${process.pid}-${Math.round(fraction * 1000)}`);
  try {
    if (version === 2) {
      const subtree = join(parent, 'cgroup.subtree_control');
      if (!readFileSync(subtree, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(subtree, '+cpu');
    }
    mkdirSync(dir);
  } catch (err) {
    return {
      ok: false,
      reason: `cannot create a cgroup under ${parent} (${(err as NodeJS.ErrnoException).code ?? String(err)}; needs root or a delegated cgroup)`,
    };
  }
  let wrapperDir: string | null = null;
  const remove = () => {
    process.off('exit', remove);
    if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
    wrapperDir = null;
    if (!existsSync(dir)) return;
    // A browser's last helper processes can outlive close() by a moment: move them out first.
    for (let attempt = 0; attempt < 50; attempt++) {
      for (const pid of pidsIn(dir)) {
        try {
          writeFileSync(join(parent, 'cgroup.procs'), pid);
        } catch {
          // (it exited meanwhile)
        }
      }
      try {
        rmdirSync(dir);
        return;
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
    process.stderr.write(`could not remove the cgroup ${dir}: processes ${pidsIn(dir).join(' ')} remain\n`);
  };
  process.on('exit', remove);
  const setFraction = (share: number | null) => {
    if (share !== null && !(share >= 0.1 && share <= 16))
      throw new RangeError(`CPU quota must be a share of one core from 0.1 to 16, got ${share}`);
    const us = share === null ? null : Math.round(share * PERIOD_US);
    if (version === 2) writeFileSync(join(dir, 'cpu.max'), `${us ?? 'max'} ${PERIOD_US}`);
    else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(us ?? -1));
    }
  };
  try {
    setFraction(fraction);
    wrapperDir = mkdtempSync(join(tmpdir(), 'soundstream-quota-'));
    const executablePath = join(wrapperDir, 'browser-in-cgroup.sh');
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    writeFileSync(
      executablePath,
      `#!/bin/sh\necho $$ > ${quote(join(dir, 'cgroup.procs'))} || exit 97\nexec ${quote(executable)} "$@"\n`,
    );
    chmodSync(executablePath, 0o755);
    const throttledPeriods = () => {
      const stat = readFileSync(join(dir, 'cpu.stat'), 'utf8');
      return Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1] ?? Number.NaN);
    };
    return { ok: true, quota: { fraction, version, dir, executablePath, setFraction, throttledPeriods, remove } };
  } catch (err) {
    remove();
    return {
      ok: false,
      reason: `cannot set a CPU quota in ${dir}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** "1 core", "0.5 core", "0.33 core". */
export const coreLabel = (fraction: number) => `${fraction} core${fraction > 1 ? 's' : ''}`;
