// A minimal reader for FlatBuffers binaries: just enough to walk a TFLite model.
// Offsets are byte positions into the buffer; every access is bounds-checked so a
// truncated or corrupt file fails with a TFLiteFormatError instead of reading garbage.
import { TFLiteFormatError } from './errors.js';

export class FlatTable {
  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
  ) {}

  /** Absolute position of field `index`, or 0 when the field is absent. */
  private fieldPos(index: number): number {
    const vtable = this.pos - this.fb.i32(this.pos);
    const vtableSize = this.fb.u16(vtable);
    const slot = 4 + 2 * index;
    if (slot + 2 > vtableSize) return 0;
    const rel = this.fb.u16(vtable + slot);
    return rel === 0 ? 0 : this.pos + rel;
  }

  has(index: number): boolean {
    return this.fieldPos(index) !== 0;
  }

  u8(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.u8(p) : dflt;
  }
  i8(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.i8(p) : dflt;
  }
  bool(index: number, dflt = false): boolean {
    const p = this.fieldPos(index);
    return p ? this.fb.u8(p) !== 0 : dflt;
  }
  i32(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.i32(p) : dflt;
  }
  u32(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.u32(p) : dflt;
  }
  f32(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.f32(p) : dflt;
  }
  u64(index: number, dflt = 0): number {
    const p = this.fieldPos(index);
    return p ? this.fb.u64(p) : dflt;
  }

  private deref(index: number): number {
    const p = this.fieldPos(index);
    return p ? p + this.fb.u32(p) : 0;
  }

  table(index: number): FlatTable | null {
    const p = this.deref(index);
    return p ? new FlatTable(this.fb, this.fb.checkTable(p)) : null;
  }

  string(index: number): string | null {
    const p = this.deref(index);
    if (!p) return null;
    const len = this.fb.u32(p);
    return this.fb.utf8(p + 4, len);
  }

  /** Start and element count of a vector of scalars or of a byte vector. */
  vector(index: number, elementSize: number): { start: number; length: number } | null {
    const p = this.deref(index);
    if (!p) return null;
    const length = this.fb.u32(p);
    this.fb.check(p + 4, length * elementSize);
    return { start: p + 4, length };
  }

  i32Vector(index: number): number[] {
    const v = this.vector(index, 4);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.fb.i32(v.start + 4 * i);
    return out;
  }
  f32Vector(index: number): number[] {
    const v = this.vector(index, 4);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.fb.f32(v.start + 4 * i);
    return out;
  }
  i64Vector(index: number): number[] {
    const v = this.vector(index, 8);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(this.fb.view.getBigInt64(v.start + 8 * i, true));
    return out;
  }
  bytes(index: number): Uint8Array | null {
    const v = this.vector(index, 1);
    return v ? this.fb.bytes.subarray(v.start, v.start + v.length) : null;
  }

  tableVector(index: number): FlatTable[] {
    const v = this.vector(index, 4);
    if (!v) return [];
    const out: FlatTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const at = v.start + 4 * i;
      out.push(new FlatTable(this.fb, this.fb.checkTable(at + this.fb.u32(at))));
    }
    return out;
  }
}

export class FlatBuffer {
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  root(): FlatTable {
    return new FlatTable(this, this.checkTable(this.u32(0)));
  }

  identifier(): string {
    this.check(4, 4);
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  check(pos: number, size: number): void {
    if (pos < 0 || size < 0 || pos + size > this.bytes.byteLength) {
      throw new TFLiteFormatError(
        `offset ${pos}+${size} is outside the ${this.bytes.byteLength}-byte buffer (truncated or corrupt file)`,
      );
    }
  }
  checkTable(pos: number): number {
    const vtable = pos - this.i32(pos);
    this.check(vtable, 4);
    this.check(vtable, this.u16(vtable));
    return pos;
  }

  u8(pos: number): number {
    this.check(pos, 1);
    return this.view.getUint8(pos);
  }
  i8(pos: number): number {
    this.check(pos, 1);
    return this.view.getInt8(pos);
  }
  u16(pos: number): number {
    this.check(pos, 2);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number): number {
    this.check(pos, 4);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number): number {
    this.check(pos, 4);
    return this.view.getUint32(pos, true);
  }
  f32(pos: number): number {
    this.check(pos, 4);
    return this.view.getFloat32(pos, true);
  }
  u64(pos: number): number {
    this.check(pos, 8);
    return Number(this.view.getBigUint64(pos, true));
  }
  utf8(pos: number, length: number): string {
    this.check(pos, length);
    return new TextDecoder().decode(this.bytes.subarray(pos, pos + length));
  }
}
