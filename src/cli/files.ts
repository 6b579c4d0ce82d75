// Reading inputs and writing outputs for the CLI, with errors that name the file and the cause.

import { stat, readFile } from 'node:fs/promises';
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

/** Refuses an output that is the input: same path, or another name (link) for the same file. */
export async function refuseSameFile(input: string, output: string): Promise<void> {
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
}

export async function writeOutput(path: string, data: Uint8Array): Promise<void> {
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
