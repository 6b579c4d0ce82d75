// The fields an op's node holds, as data: the validator checks a manifest against them, the float
// rewrite renames what they read, and the node's TypeScript type is derived from them, so the
// three cannot drift apart.
import type { ActivationQuant, Int8Spec } from '../manifest.js';

export type Field =
  | { kind: 'reads' } // the name of an earlier activation
  | { kind: 'readsList'; min: number; max?: number } // names of earlier activations
  | { kind: 'writes' } // a new activation name
  | { kind: 'writesList'; min: number }
  | { kind: 'tensor'; nullable: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; maxAbs: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'quant' } // { scale, zeroPoint }
  | { kind: 'int8'; add: boolean; optional: true }; // int8 arithmetic, when present

export type Schema = Readonly<Record<string, Field>>;

/**
 * Upper bounds that keep a hostile manifest from reserving absurd memory or time. Lyra v2 uses
 * at most 512 channels, kernel 64, stride 16, 2.2 MB of activations and 12 MB of float weights.
 */
export const LIMITS = {
  sampleRate: 384_000,
  frameSize: 16_384,
  embeddingDim: 4096,
  channels: 8192,
  kernel: 1024,
  stride: 1024,
  dilation: 1024,
  nodes: 10_000,
  tensors: 100_000,
  splitParts: 1024,
  nameLength: 1024,
  quantizers: 256,
  /** Activations, streaming histories and per-layer scratch of one graph, for one frame. */
  activationBytes: 64 * 2 ** 20,
  /** Weights as the layers hold them (float mode dequantizes int8 to 4 bytes a value). */
  weightBytes: 1024 * 2 ** 20,
  /** Activation and weight scales; their ratios must stay far inside float64 and int32 shifts. */
  minScale: 2 ** -40,
  maxScale: 2 ** 40,
  /** Largest real multiplier of an int8 requantization (TFLite's shift stays small). */
  maxMultiplier: 2 ** 16,
  /** |alpha| of leaky ReLU and ELU. */
  maxAlpha: 1e6,
} as const;

export const reads = { kind: 'reads' } as const;
export const writes = { kind: 'writes' } as const;
export const tensor = { kind: 'tensor', nullable: false } as const;
export const optionalTensor = { kind: 'tensor', nullable: true } as const;
export const channels = { kind: 'int', min: 1, max: LIMITS.channels } as const;
export const kernel = { kind: 'int', min: 1, max: LIMITS.kernel } as const;
export const stride = { kind: 'int', min: 1, max: LIMITS.stride } as const;
export const dilation = { kind: 'int', min: 1, max: LIMITS.dilation } as const;
/** Past input steps a causal layer keeps between calls. */
export const history = { kind: 'int', min: 0, max: LIMITS.dilation * (LIMITS.kernel - 1) } as const;
export const alpha = { kind: 'number', maxAbs: LIMITS.maxAlpha } as const;
export const quant = { kind: 'quant' } as const;
export const int8 = { kind: 'int8', add: false, optional: true } as const;
export const dtype = { kind: 'enum', values: ['f32', 'i8'] } as const;

/** What an add's int8 field holds: each input's quantization, then the output's. */
export interface AddInt8Spec {
  a: ActivationQuant;
  b: ActivationQuant;
  output: ActivationQuant;
}

type FieldValue<F> = F extends { kind: 'reads' | 'writes' }
  ? string
  : F extends { kind: 'readsList' | 'writesList' }
    ? string[]
    : F extends { kind: 'tensor'; nullable: true }
      ? string | null
      : F extends { kind: 'tensor' }
        ? string
        : F extends { kind: 'int' | 'number' }
          ? number
          : F extends { kind: 'enum'; values: readonly (infer V)[] }
            ? V
            : F extends { kind: 'quant' }
              ? ActivationQuant
              : F extends { kind: 'int8'; add: true }
                ? AddInt8Spec
                : F extends { kind: 'int8' }
                  ? Int8Spec
                  : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The node type an op's schema describes: `op`, an optional `source`, and one property per field. */
export type NodeOf<Op extends string, S extends Schema> = Simplify<
  { op: Op /** The source model's tensor this node's output reproduces (for parity probes). */; source?: string } & {
    -readonly [K in keyof S as S[K] extends { optional: true } ? never : K]: FieldValue<S[K]>;
  } & {
    -readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?: FieldValue<S[K]>;
  }
>;

/** Throws the caller's typed error for the field at `path`. */
export type Fail = (path: string, why: string) => never;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short rendering of an untrusted value for an error message. */
export const show = (v: unknown): string => {
  const s =
    typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null
      ? JSON.stringify(v)
      : Array.isArray(v)
        ? 'an array'
        : typeof v;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

export function checkInt(fail: Fail, path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(path, `must be an integer in ${min}..${max}, got ${show(v)}`);
  return v as number;
}

export function checkName(fail: Fail, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.nameLength)
    fail(path, `must be a name (a non-empty string), got ${show(v)}`);
  return v as string;
}

function checkScale(fail: Fail, path: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= LIMITS.minScale && v <= LIMITS.maxScale)) {
    fail(path, `must be a finite scale in 2^-40..2^40 (> 0), got ${show(v)}`);
  }
  return v as number;
}

function checkQuant(fail: Fail, path: string, v: unknown): void {
  if (!isObject(v)) fail(path, `must be { scale, zeroPoint }, got ${show(v)}`);
  const q = v as Record<string, unknown>;
  checkScale(fail, `${path}.scale`, q.scale);
  checkInt(fail, `${path}.zeroPoint`, q.zeroPoint, -128, 127);
}

export function checkField(fail: Fail, path: string, field: Field, v: unknown): void {
  switch (field.kind) {
    case 'reads':
    case 'writes':
      checkName(fail, path, v);
      break;
    case 'readsList':
    case 'writesList': {
      const max = field.kind === 'readsList' ? (field.max ?? LIMITS.splitParts) : LIMITS.splitParts;
      const count = field.min === max ? `exactly ${max}` : `${field.min}..${max}`;
      if (!Array.isArray(v) || v.length < field.min || v.length > max)
        fail(path, `must be a list of ${count} names, got ${show(v)}`);
      (v as unknown[]).forEach((name, i) => {
        checkName(fail, `${path}[${i}]`, name);
      });
      break;
    }
    case 'tensor':
      if (!(field.nullable && v === null)) checkName(fail, path, v);
      break;
    case 'int':
      checkInt(fail, path, v, field.min, field.max);
      break;
    case 'number':
      if (typeof v !== 'number' || !(Math.abs(v) <= field.maxAbs))
        fail(path, `must be a finite number with |value| <= ${field.maxAbs}, got ${show(v)}`);
      break;
    case 'enum':
      if (typeof v !== 'string' || !field.values.includes(v))
        fail(path, `must be one of ${field.values.join(', ')}, got ${show(v)}`);
      break;
    case 'quant':
      checkQuant(fail, path, v);
      break;
    case 'int8': {
      if (v === undefined) break;
      if (!isObject(v)) fail(path, `must be an object when present, got ${show(v)}`);
      const q = v as Record<string, unknown>;
      for (const side of field.add ? ['a', 'b', 'output'] : ['input', 'output'])
        checkQuant(fail, `${path}.${side}`, q[side]);
      if (!field.add && q.rounding !== undefined && q.rounding !== 'double' && q.rounding !== 'single') {
        fail(`${path}.rounding`, `must be "double" or "single", got ${show(q.rounding)}`);
      }
      break;
    }
  }
}
