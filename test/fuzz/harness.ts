// Property-based fuzzing of the parsers with fast-check: each target mutates valid seed inputs
// and asserts that the parser either succeeds or throws one of its documented error classes,
// within 2 s of CPU per case and with output bounded by the input. `npm test` runs a CI budget;
// `npm run fuzz` sets FUZZ_RUNS for the large one.
import fc from 'fast-check';
import { concatBytes } from '../../src/util/concat.js';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface FuzzTarget<T> {
  name: string;
  /** Runs per target in `npm test`. */
  ciRuns: number;
  seed: number;
  input: fc.Arbitrary<T>;
  /** The error classes the target documents; anything else fails the property. */
  errors: ErrorClass[];
  /** Parses one input; returns an outcome label for the report ('ok' or a kind of success). */
  run: (input: T) => string | Promise<string>;
}

export const CASE_LIMIT_MS = 2000;

export function fuzzRuns(target: { ciRuns: number }): number {
  const large = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(large) && large > 0 ? large : target.ciRuns;
}

/** A vitest timeout for a fuzz test: generous in CI, none to speak of for the large budget. */
export const FUZZ_TIMEOUT_MS = process.env.FUZZ_RUNS ? 86_400_000 : 120_000;

export interface FuzzReport {
  name: string;
  seed: number;
  runs: number;
  outcomes: Record<string, number>;
  slowestMs: number;
  /** CPU seconds spent in the cases. */
  cpuSeconds: number;
  seconds: number;
}

/** Runs the property; throws fast-check's counterexample report on the first failing case. */
export async function fuzz<T>(target: FuzzTarget<T>): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {};
  let slowestMs = 0;
  let cpuMs = 0;
  const runs = fuzzRuns(target);
  const started = performance.now();
  const result = await fc.check(
    fc.asyncProperty(target.input, async (input) => {
      // CPU time, not wall time: on a loaded machine the wall clock measures the neighbours.
      const t0 = process.cpuUsage();
      let outcome: string;
      try {
        outcome = await target.run(input);
      } catch (err) {
        if (!target.errors.some((c) => err instanceof c)) throw err;
        outcome = (err as Error).name;
      }
      const used = process.cpuUsage(t0);
      const ms = (used.user + used.system) / 1000;
      slowestMs = Math.max(slowestMs, ms);
      cpuMs += ms;
      if (ms > CASE_LIMIT_MS)
        throw new Error(`${target.name}: one case took ${ms.toFixed(0)} ms of CPU (limit ${CASE_LIMIT_MS})`);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }),
    { numRuns: runs, seed: target.seed, endOnFailure: true },
  );
  if (result.failed) {
    // Inputs can be megabytes: report the error, the seed and path that replay it, and the input's start.
    const shown = JSON.stringify(result.counterexample, (_, v) =>
      v instanceof Uint8Array ? `<${v.length} bytes>` : v,
    )?.slice(0, 1500);
    throw new Error(
      `${target.name}: case ${result.numRuns} failed (seed ${result.seed}, path "${result.counterexample ? result.counterexamplePath : ''}"): ${String(result.errorInstance)}\n${(result.errorInstance as Error)?.stack ?? ''}\ninput: ${shown}`,
    );
  }
  const report = {
    name: target.name,
    seed: target.seed,
    runs,
    outcomes,
    slowestMs,
    cpuSeconds: cpuMs / 1000,
    seconds: (performance.now() - started) / 1000,
  };
  if (process.env.FUZZ_RUNS) console.log(`fuzz ${JSON.stringify(report)}`);
  return report;
}

/** Throws unless `produced` stays within `factor` times `inputBytes` (plus a fixed allowance). */
export function checkBounded(what: string, produced: number, inputBytes: number, factor: number, allowance = 0): void {
  if (produced > inputBytes * factor + allowance)
    throw new Error(`${what}: ${produced} bytes out of ${inputBytes} bytes in, above the documented ${factor}x`);
}

// ---- byte mutations -------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'word'; at: number; value: number };

const INTERESTING_WORDS = [
  0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 16_000_000, 1,
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING_WORDS) }),
);

function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : m.at % n;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const b = bytes.slice();
      b[at] ^= 1 << m.bit;
      return b;
    }
    case 'set': {
      if (n === 0) return bytes;
      const b = bytes.slice();
      b[at] = m.value;
      return b;
    }
    case 'word': {
      const b = bytes.slice();
      for (let i = 0; i < 4 && at + i < n; i++) b[at + i] = (m.value >>> (8 * i)) & 0xff;
      return b;
    }
    case 'insert':
      return concatBytes([bytes.subarray(0, at), Uint8Array.from(m.bytes), bytes.subarray(at)]);
    case 'delete':
      return concatBytes([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'duplicate':
      return concatBytes([
        bytes.subarray(0, at + m.length),
        bytes.subarray(at, at + m.length),
        bytes.subarray(at + m.length),
      ]);
    case 'truncate':
      return bytes.slice(0, at);
  }
}

/** One of `seeds`, with 1..maxMutations byte-level mutations applied. */
export function mutatedBytes(seeds: Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: maxMutations }))
    .map(([i, ms]) => ms.reduce(applyMutation, seeds[i]));
}

// ---- JSON mutations -------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const INTERESTING_VALUES: Json[] = [
  0,
  -1,
  1,
  2,
  3,
  0.5,
  -0.5,
  1e-45,
  1e-300,
  1e9,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  -(2 ** 31),
  127,
  128,
  -129,
  255,
  '',
  'x',
  'input',
  'f32',
  'i8',
  'i32',
  'conv1d',
  'add',
  'split2',
  'single',
  null,
  true,
  false,
  [],
  {},
  [0],
  ['x', 'x'],
  { scale: 0, zeroPoint: 0 },
];

type JsonMutation = { path: number; action: 'replace' | 'delete' | 'clone' | 'swap'; value: Json; other: number };

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({
  path: fc.nat(),
  action: fc.constantFrom('replace', 'replace', 'delete', 'clone', 'swap'),
  value: fc.constantFrom(...INTERESTING_VALUES),
  other: fc.nat(),
});

/** Every container path in `root` with its key, leaves included. */
function paths(root: Json): { parent: Json[] | Record<string, Json>; key: string | number }[] {
  const out: { parent: Json[] | Record<string, Json>; key: string | number }[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v))
      v.forEach((c, i) => {
        out.push({ parent: v, key: i });
        walk(c);
      });
    else if (v !== null && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        walk(v[k]);
      }
  };
  walk(root);
  return out;
}

function applyJsonMutation(root: Json, m: JsonMutation): void {
  const all = paths(root);
  if (all.length === 0) return;
  const { parent, key } = all[m.path % all.length];
  const p = parent as Record<string | number, Json>;
  if (m.action === 'replace') p[key] = structuredClone(m.value);
  else if (m.action === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete p[key];
  } else {
    const { parent: otherParent, key: otherKey } = all[m.other % all.length];
    const q = otherParent as Record<string | number, Json>;
    if (m.action === 'clone') p[key] = structuredClone(q[otherKey]);
    else [p[key], q[otherKey]] = [q[otherKey], p[key]];
  }
}

/** `seed` parsed, with 1..maxMutations structural mutations (replace, delete, clone or swap a value), as JSON text. */
export function mutatedJson(seed: string, maxMutations = 3): fc.Arbitrary<string> {
  return fc.array(jsonMutation, { minLength: 1, maxLength: maxMutations }).map((ms) => {
    const root = JSON.parse(seed) as Json;
    for (const m of ms) applyJsonMutation(root, m);
    return JSON.stringify(root);
  });
}
