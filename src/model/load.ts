import { WeightStore } from './weights.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type DType, type Manifest } from './manifest.js';
import { sha256Hex } from '../util/sha256.js';
import { decodeUtf8 } from '../util/utf8.js';
import { checkModelFields, LIMITS } from './validate.js';

/** Missing, tampered or inconsistent weights; the message names the file, field or tensor. */
export class ModelError extends Error {
  override name = 'ModelError';
}

export interface Model {
  manifest: Manifest;
  weights: WeightStore;
  /** The raw blob, e.g. to derive variants of the graph. */
  blob: Uint8Array;
}

const DTYPE_BYTES: Record<DType, number> = { f32: 4, i8: 1, i32: 4 };

/**
 * Validates a manifest (its text, or its UTF-8 bytes) and its blob (checksum, tensor table) and
 * returns a ready model. Works in any JS runtime: needs neither fetch, TextDecoder nor WebCrypto.
 */
export async function loadModelFromBytes(
  manifestSource: string | Uint8Array,
  blob: Uint8Array,
  label = 'model',
): Promise<Model> {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof manifestSource === 'string' ? manifestSource : decodeUtf8(manifestSource));
  } catch (err) {
    throw new ModelError(`${label}: manifest.json is not valid JSON (${(err as Error).message})`);
  }
  const manifest = checkManifest(raw, label);
  if (blob.byteLength !== manifest.blob.byteLength) {
    throw new ModelError(
      `${label}: ${manifest.blob.file} has ${blob.byteLength} bytes, the manifest says ${manifest.blob.byteLength} (truncated or replaced)`,
    );
  }
  const sum = await sha256Hex(blob);
  if (sum !== manifest.blob.sha256) {
    throw new ModelError(
      `${label}: ${manifest.blob.file} sha256 is ${sum}, the manifest says ${manifest.blob.sha256} (tampered or corrupt weights)`,
    );
  }
  // Typed-array views need 4-byte alignment of the blob itself.
  const aligned = blob.byteOffset % 4 === 0 ? blob : blob.slice();
  checkFiniteWeights(manifest, aligned, label);
  return { manifest, weights: new WeightStore(manifest, aligned), blob: aligned };
}

/** Checks every field of a parsed manifest (without its blob); ModelError names the first bad one. */
export function checkManifest(raw: unknown, label: string): Manifest {
  const m = raw as Manifest;
  const fail = (field: string, why: string): never => {
    throw new ModelError(`${label}: manifest field "${field}" ${why}`);
  };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('(root)', 'is not an object');
  if (m.format !== MANIFEST_FORMAT) fail('format', `is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  if (m.version !== MANIFEST_VERSION) fail('version', `is ${m.version}; this build reads version ${MANIFEST_VERSION}`);
  const bounds = {
    sampleRate: [1000, LIMITS.sampleRate],
    frameSize: [1, LIMITS.frameSize],
    embeddingDim: [1, LIMITS.embeddingDim],
  } as const;
  for (const [key, [min, max]] of Object.entries(bounds) as [keyof typeof bounds, readonly [number, number]][]) {
    if (!Number.isInteger(m[key]) || m[key] < min || m[key] > max)
      fail(key, `must be an integer in ${min}..${max}, got ${JSON.stringify(m[key])}`);
  }
  if (typeof m.blob !== 'object' || m.blob === null) fail('blob', 'must be { file, byteLength, sha256 }');
  if (typeof m.blob.file !== 'string' || !/^[\w.-]+$/.test(m.blob.file)) fail('blob.file', 'must be a plain file name');
  if (!Number.isInteger(m.blob.byteLength) || m.blob.byteLength < 0 || m.blob.byteLength > LIMITS.weightBytes) {
    fail('blob.byteLength', `must be an integer in 0..${LIMITS.weightBytes}`);
  }
  if (typeof m.blob.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.blob.sha256))
    fail('blob.sha256', 'must be 64 hex digits');
  if (!Array.isArray(m.tensors) || m.tensors.length > LIMITS.tensors)
    fail('tensors', `must be an array of at most ${LIMITS.tensors} entries`);
  const names = new Set<string>();
  m.tensors.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) fail(`tensors[${i}]`, 'is not an object');
    const where = `tensors[${i}] (${String(t.name).slice(0, 100)})`;
    if (typeof t.name !== 'string') fail(where, 'has no name');
    if (names.has(t.name)) fail(where, 'repeats the name of an earlier tensor');
    names.add(t.name);
    if (typeof t.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, t.dtype))
      fail(`${where}.dtype`, `is ${JSON.stringify(t.dtype)}, expected f32, i8 or i32`);
    if (!Array.isArray(t.shape) || t.shape.length > 8 || t.shape.some((d) => !Number.isInteger(d) || d <= 0))
      fail(`${where}.shape`, 'must be at most 8 positive integers');
    const expected = t.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[t.dtype];
    if (t.byteLength !== expected)
      fail(`${where}.byteLength`, `is ${t.byteLength}, but shape [${t.shape}] of ${t.dtype} needs ${expected}`);
    if (
      !Number.isInteger(t.offset) ||
      t.offset % 4 !== 0 ||
      t.offset < 0 ||
      t.offset + t.byteLength > m.blob.byteLength
    ) {
      fail(`${where}.offset`, `${t.offset} is not 4-byte aligned inside the ${m.blob.byteLength}-byte blob`);
    }
    if (t.dtype === 'i8' && (!Array.isArray(t.scales) || t.scales.length === 0))
      fail(`${where}.scales`, 'is required for int8 tensors');
    if (
      t.scales !== undefined &&
      (!Array.isArray(t.scales) ||
        t.scales.some((s) => typeof s !== 'number' || !(s >= LIMITS.minScale && s <= LIMITS.maxScale)))
    ) {
      fail(`${where}.scales`, 'must be finite numbers in 2^-40..2^40 (> 0)');
    }
    if (
      t.zeroPoints !== undefined &&
      (!Array.isArray(t.zeroPoints) || t.zeroPoints.some((z) => !Number.isInteger(z) || z < -128 || z > 127))
    ) {
      fail(`${where}.zeroPoints`, 'must be integers in -128..127');
    }
  });
  checkModelFields(fail, m);
  return m;
}

/** NaN or infinite weights would silently turn every output into NaN. */
function checkFiniteWeights(manifest: Manifest, blob: Uint8Array, label: string): void {
  for (const t of manifest.tensors) {
    if (t.dtype !== 'f32') continue;
    const values = new Float32Array(blob.buffer, blob.byteOffset + t.offset, t.byteLength / 4);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]))
        throw new ModelError(`${label}: tensor "${t.name}" holds ${values[i]} at index ${i}`);
    }
  }
}
