// Atomic file and directory output for the CLI: everything is first written to a temporary
// sibling (same directory, so the final rename never crosses a file system) and renamed into
// place only once complete. A failure, Ctrl-C, SIGTERM or an early exit never leaves a
// half-written output or a stray temporary behind. Temporary names are
// ".<output>.<pid>.<random>.tmp"; only SIGKILL (or a crash of the machine) can leave one, and
// the next write to the same output removes those whose process no longer exists.

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Temporaries that exist right now; removed synchronously if the process is interrupted. */
const active = new Set<string>();
let handlersInstalled = false;

function removeActive(): void {
  for (const path of active) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // best effort: the process is going away
    }
  }
  active.clear();
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    removeActive();
    process.stderr.write(`\ninterrupted (${signal}); no output written\n`);
    process.exit(code);
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  // process.exit() from anywhere else (e.g. a closed stdout pipe) skips the finally blocks.
  process.once('exit', removeActive);
}

/** Whether process `pid` still exists (EPERM: it does, but belongs to someone else). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0 sends nothing: it only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporaries of `target` left by a process that no longer exists (SIGKILL, a crash). */
export async function removeStaleTemporaries(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = name.startsWith(prefix)
      ? /^(\d+)\.[0-9a-f]{12}(?:\.old)?\.tmp$/.exec(name.slice(prefix.length))
      : null;
    if (!match || isAlive(Number(match[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/** A fresh temporary name beside `target`: ".<name>.<pid>.<random>.tmp". */
export function tempSibling(target: string, tag = ''): string {
  const abs = resolve(target);
  const rand = randomBytes(6).toString('hex');
  return join(dirname(abs), `.${basename(abs)}.${process.pid}.${rand}${tag}.tmp`);
}

async function writeAndSync(path: string, data: Uint8Array): Promise<void> {
  // 'wx': never follow or clobber something that appeared under our temporary name.
  const handle = await open(path, 'wx', 0o666);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` atomically: a reader sees either the old file (or none) or the
 * complete new one. The directory must exist. An existing file at `path` is replaced.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const target = resolve(path);
  await removeStaleTemporaries(target);
  const tmp = tempSibling(target);
  installSignalHandlers();
  active.add(tmp);
  try {
    await writeAndSync(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    active.delete(tmp);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Thrown when an existing directory may not be replaced; the message says why. */
export class OutputDirError extends Error {
  override name = 'OutputDirError';
}

/**
 * Creates (or replaces) directory `dir` holding exactly `files` (name -> bytes), atomically:
 * the files go into a temporary sibling directory, which is renamed to `dir` only once every
 * file is written and synced. An existing `dir` is replaced only if every entry in it is one
 * of `replaceable` (so pointing this at a folder of other things fails instead of deleting
 * them); it is kept until the new directory is in place, and restored if that rename fails.
 * Missing parent directories are created, and removed again on failure.
 */
export async function writeDirAtomic(
  dir: string,
  files: Record<string, Uint8Array>,
  replaceable: readonly string[] = Object.keys(files),
): Promise<void> {
  const target = resolve(dir);
  if (await exists(target)) {
    const st = await lstat(target);
    if (!st.isDirectory()) throw new OutputDirError(`${dir} exists and is not a directory`);
    const foreign = (await readdir(target)).filter((name) => !replaceable.includes(name));
    if (foreign.length > 0) {
      throw new OutputDirError(
        `${dir} already holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); ` +
          'refusing to replace it; choose an empty or new folder',
      );
    }
  }
  installSignalHandlers();
  await removeStaleTemporaries(target);
  // mkdir returns the first directory it had to create, so exactly those can be undone.
  const createdParent = await mkdir(dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  let old: string | null = null;
  active.add(tmp);
  try {
    await mkdir(tmp);
    for (const [name, data] of Object.entries(files)) {
      if (name !== basename(name) || name === '.' || name === '..') throw new Error(`bad output file name ${name}`);
      await writeAndSync(join(tmp, name), data);
    }
    if (await exists(target)) {
      old = tempSibling(target, '.old');
      active.add(old);
      await rename(target, old);
      try {
        await rename(tmp, target);
      } catch (err) {
        await rename(old, target).catch(() => undefined);
        old = null;
        throw err;
      }
      // The new directory is complete and in place; dropping the old one can no longer fail the write.
      await rm(old, { recursive: true, force: true }).catch(() => undefined);
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (createdParent !== undefined) await removeCreated(createdParent, dirname(target));
    throw err;
  } finally {
    active.delete(tmp);
    if (old !== null) active.delete(old);
  }
}

/** Removes the (now empty) directories from `deepest` up to and including `first`. */
async function removeCreated(first: string, deepest: string): Promise<void> {
  let dir = resolve(deepest);
  const stop = resolve(first);
  for (;;) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty or already gone: leave it
    }
    if (dir === stop) return;
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}
