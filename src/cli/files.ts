// Reading inputs and writing outputs for the CLI, with errors that name the file and the cause.

import { access, constants, lstat, stat, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { decodeWav, WavFormatError } from '../audio/wav.js';
import { writeFileAtomic } from './atomic-write.js';

/** A failure the CLI itself detects (unreadable file, refused output, ...) (exit 1). */
export class CliError extends Error {
  override name = 'CliError';
}

export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return e?.message ?? String(err);
  }
}

export async function readInput(path: string, what = 'input file'): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${errnoText(err)}`);
  }
}

/**
 * Refuses, before any work is done, an output that is the input (same path, or another name for
 * the same file), and one that writeOutput would refuse.
 */
export async function refuseSameFile(input: string, output: string, force = false): Promise<void> {
  let same = resolve(input) === resolve(output);
  if (!same) {
    try {
      const [a, b] = await Promise.all([stat(input), stat(output)]);
      same = a.dev === b.dev && a.ino === b.ino;
    } catch {
      // one of them does not exist: not the same file
    }
  }
  if (same) throw new CliError(`refusing to overwrite the input file ${input}`);
  await refuseUnusualOutput(output, force);
}

/**
 * Refuses to replace an existing output that is not a plain writable file (a directory, device,
 * FIFO or symbolic link, or a read-only file) unless `force`: replacing it is rarely what was meant.
 */
async function refuseUnusualOutput(path: string, force: boolean): Promise<void> {
  let kind: string | null = null;
  try {
    const st = await lstat(path);
    if (st.isDirectory()) throw new CliError(`cannot write ${path}: it is a directory`);
    if (st.isSymbolicLink()) kind = 'a symbolic link';
    else if (!st.isFile()) kind = 'not a regular file (a device, FIFO or socket)';
    // Mode bits, not access(): root may write anything, but a file marked read-only was marked so on purpose.
    else if (
      (st.mode & 0o222) === 0 ||
      (await access(path, constants.W_OK).then(
        () => false,
        () => true,
      ))
    )
      kind = 'read-only';
  } catch (err) {
    if (err instanceof CliError) throw err;
    return; // nothing there (or nothing we can see): an ordinary new output
  }
  if (kind !== null && !force)
    throw new CliError(`refusing to replace ${path}: it is ${kind}; pass --force to replace it`);
}

export async function writeOutput(path: string, data: Uint8Array, force = false): Promise<void> {
  await refuseUnusualOutput(path, force);
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`cannot write ${path}: directory ${dirname(path)} does not exist`);
    throw new CliError(`cannot write ${path}: ${errnoText(err)}`);
  }
}

export function readWav(path: string, bytes: Uint8Array) {
  try {
    return decodeWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError) throw new WavFormatError(`${path}: ${err.message}`);
    throw err;
  }
}

export async function sameDir(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
