import type { DType, Manifest, TensorEntry } from './manifest.js';

export class WeightError extends Error {
  override name = 'WeightError';
}

export type TensorData = Float32Array | Int8Array | Int32Array;

/** Zero-copy typed-array views of the tensors in a weight blob, looked up by name. */
export class WeightStore {
  private readonly entries = new Map<string, TensorEntry>();
  private readonly derived = new Map<string, Float32Array>();

  constructor(
    manifest: Manifest,
    private readonly blob: Uint8Array,
  ) {
    for (const t of manifest.tensors) this.entries.set(t.name, t);
  }

  entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (!e) throw new WeightError(`tensor "${name}" is referenced by the graph but missing from the manifest`);
    return e;
  }

  /** Adds a float tensor computed at load time (e.g. dequantized weights for the all-float mode). */
  addDerived(name: string, data: Float32Array): void {
    this.derived.set(name, data);
  }

  f32(name: string): Float32Array {
    return this.derived.get(name) ?? (this.view(name, 'f32') as Float32Array);
  }
  i8(name: string): Int8Array {
    return this.view(name, 'i8') as Int8Array;
  }
  i32(name: string): Int32Array {
    return this.view(name, 'i32') as Int32Array;
  }

  private view(name: string, dtype: DType): TensorData {
    const e = this.entry(name);
    if (e.dtype !== dtype) throw new WeightError(`tensor "${name}" has dtype ${e.dtype}, the layer needs ${dtype}`);
    const size = e.byteLength / (dtype === 'i8' ? 1 : 4);
    const at = this.blob.byteOffset + e.offset;
    if (dtype === 'f32') return new Float32Array(this.blob.buffer, at, size);
    if (dtype === 'i32') return new Int32Array(this.blob.buffer, at, size);
    return new Int8Array(this.blob.buffer, at, size);
  }
}
