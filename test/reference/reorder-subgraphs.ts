// Copies of a TFLite model with its subgraphs in another order, so that the reference runtime
// (which only ever runs subgraph 0) can run any of them. Test-only.
//
// FlatBuffer facts this relies on: a vector of tables holds uoffsets, each relative to its own
// position and always pointing forward; a table points at its vtable by a signed offset, so a
// vtable may lie anywhere. A field equal to its default may be absent, and an absent field has no
// bytes to patch: such tables are rebuilt, with their children, past the end of the buffer, where
// every forward offset to them stays valid (buffer offsets in the model are absolute and unaffected).
import { FlatBuffer, type FlatTable } from '../../src/import/flatbuffer.js';

// Field numbers from tensorflow/lite/schema/schema.fbs.
const MODEL_OPERATOR_CODES = 1;
const MODEL_SUBGRAPHS = 2;
const MODEL_SIGNATURE_DEFS = 7;
const SUBGRAPH_OPERATORS = 3;
const OPERATOR_OPCODE_INDEX = 0;
const OPERATOR_BUILTIN_OPTIONS = 4;
const OPERATOR_BUILTIN_OPTIONS_2 = 13;
const SIGNATURE_SUBGRAPH_INDEX = 4;
/** Builtin op code -> number of int32 fields of its options table, all of them subgraph indices. */
const SUBGRAPH_OPTIONS: Record<number, number> = {
  118: 2, // IF: then_subgraph_index, else_subgraph_index
  119: 2, // WHILE: cond_subgraph_index, body_subgraph_index
  129: 1, // CALL_ONCE: init_subgraph_index
};

/** Swaps subgraphs `a` and `b` (default: 0 and 1) in a copy of `modelBytes`, and every reference to them. */
export function swapSubgraphs(modelBytes: Uint8Array, a = 0, b = 1): Uint8Array {
  const order = new Map([
    [a, b],
    [b, a],
  ]);
  return reorderSubgraphs(modelBytes, (i) => order.get(i) ?? i);
}

/** A copy of `modelBytes` in which subgraph i becomes subgraph `newIndex(i)` (a permutation). */
export function reorderSubgraphs(modelBytes: Uint8Array, newIndex: (old: number) => number): Uint8Array {
  const out = new Patcher(modelBytes);
  const model = out.fb.root();
  const subgraphs = model.vector(MODEL_SUBGRAPHS, 4);
  if (!subgraphs) throw new Error('model has no subgraphs');

  const targets: number[] = [];
  for (let i = 0; i < subgraphs.length; i++) targets.push(entryTarget(out.fb, subgraphs.start + 4 * i));
  const seen = new Set<number>();
  for (let i = 0; i < subgraphs.length; i++) {
    const j = newIndex(i);
    if (!(j >= 0 && j < subgraphs.length) || seen.has(j))
      throw new Error(`subgraph order is not a permutation of 0..${subgraphs.length - 1}`);
    seen.add(j);
    out.setUOffset(subgraphs.start + 4 * j, targets[i]);
  }

  model.tableVector(MODEL_SIGNATURE_DEFS).forEach((sig, i) => {
    const index = sig.u32(SIGNATURE_SUBGRAPH_INDEX);
    const moved = newIndex(index);
    if (moved === index) return;
    if (sig.has(SIGNATURE_SUBGRAPH_INDEX)) {
      out.view.setUint32(fieldPos(sig, SIGNATURE_SUBGRAPH_INDEX), moved, true);
    } else {
      const entry = model.vector(MODEL_SIGNATURE_DEFS, 4)!.start + 4 * i;
      out.setUOffset(entry, out.appendSignatureDef(sig, moved));
    }
  });

  const builtins = model.tableVector(MODEL_OPERATOR_CODES).map((c) => Math.max(c.i8(0), c.i32(3)));
  model.tableVector(MODEL_SUBGRAPHS).forEach((sg, s) => {
    sg.tableVector(SUBGRAPH_OPERATORS).forEach((op, o) => {
      const builtin = builtins[op.u32(OPERATOR_OPCODE_INDEX)];
      const where = `subgraph ${s} operator ${o} (builtin ${builtin})`;
      if (op.has(OPERATOR_BUILTIN_OPTIONS_2))
        throw new Error(`${where} has builtin_options_2, which may name subgraphs; not supported`);
      const fields = SUBGRAPH_OPTIONS[builtin];
      if (fields === undefined) return;
      const options = op.table(OPERATOR_BUILTIN_OPTIONS);
      if (!options) throw new Error(`${where} refers to subgraphs but has no options table to patch`);
      const values = Array.from({ length: fields }, (_, f) => newIndex(options.i32(f)));
      if (values.every((v, f) => options.has(f) || v === 0)) {
        values.forEach((v, f) => {
          if (options.has(f)) out.view.setInt32(fieldPos(options, f), v, true);
        });
      } else {
        out.setUOffset(fieldPos(op, OPERATOR_BUILTIN_OPTIONS), out.appendScalarTable(values));
      }
    });
  });
  return out.finish();
}

function entryTarget(fb: FlatBuffer, at: number): number {
  return at + fb.u32(at);
}

/** Absolute position of a field known to be present. */
function fieldPos(table: FlatTable, index: number): number {
  const fb = table.fb;
  const vtable = table.pos - fb.i32(table.pos);
  return table.pos + fb.u16(vtable + 4 + 2 * index);
}

/** A copy of the model that may grow at the end; the original bytes are never moved. */
class Patcher {
  private bytes: Uint8Array;
  private length: number;
  view: DataView;
  readonly fb: FlatBuffer;

  constructor(original: Uint8Array) {
    // Start the tail 8-aligned: FlatBuffers aligns scalars relative to the buffer start.
    this.length = Math.ceil(original.byteLength / 8) * 8;
    this.bytes = new Uint8Array(this.length + 4096);
    this.bytes.set(original);
    this.view = new DataView(this.bytes.buffer);
    this.fb = new FlatBuffer(this.bytes);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  setUOffset(at: number, target: number): void {
    if (target <= at) throw new Error(`cannot point the offset at ${at} backwards to ${target}`);
    this.view.setUint32(at, target - at, true);
  }

  private alloc(size: number, align = 4): number {
    const pos = Math.ceil(this.length / align) * align;
    if (pos + size > this.bytes.byteLength) {
      // Positions survive the move; `fb` keeps reading the old copy, whose original bytes are
      // all it is ever asked for.
      const grown = new Uint8Array(Math.max(2 * this.bytes.byteLength, pos + size));
      grown.set(this.bytes);
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = pos + size;
    return pos;
  }

  /** Writes a vtable and an empty table of `fields` 4-byte fields; returns the table's position. */
  private table(fields: number): number {
    const vtableSize = 4 + 2 * fields;
    const vtable = this.alloc(vtableSize, 2);
    const table = this.alloc(4 + 4 * fields, 4);
    this.view.setUint16(vtable, vtableSize, true);
    this.view.setUint16(vtable + 2, 4 + 4 * fields, true);
    for (let f = 0; f < fields; f++) this.view.setUint16(vtable + 4 + 2 * f, 4 + 4 * f, true);
    this.view.setInt32(table, table - vtable, true);
    return table;
  }

  appendScalarTable(values: number[]): number {
    const table = this.table(values.length);
    values.forEach((v, f) => {
      this.view.setInt32(table + 4 + 4 * f, v, true);
    });
    return table;
  }

  /** Marks a field of a table made by table() absent. */
  private omit(table: number, field: number): void {
    this.view.setUint16(table - this.view.getInt32(table, true) + 4 + 2 * field, 0, true);
  }

  private appendString(text: string, at: number): void {
    const utf8 = new TextEncoder().encode(text);
    const pos = this.alloc(4 + utf8.byteLength + 1, 4);
    this.view.setUint32(pos, utf8.byteLength, true);
    this.bytes.set(utf8, pos + 4);
    this.bytes[pos + 4 + utf8.byteLength] = 0;
    this.setUOffset(at, pos);
  }

  /** TensorMap { name: string; tensor_index: uint } */
  private appendTensorMaps(maps: FlatTable[], at: number): void {
    const vector = this.alloc(4 + 4 * maps.length, 4);
    this.view.setUint32(vector, maps.length, true);
    this.setUOffset(at, vector);
    maps.forEach((map, i) => {
      const table = this.table(2);
      this.setUOffset(vector + 4 + 4 * i, table);
      this.view.setUint32(table + 8, map.u32(1), true);
      const name = map.string(0);
      if (name === null) this.omit(table, 0);
      else this.appendString(name, table + 4);
    });
  }

  /** SignatureDef { inputs; outputs; signature_key; deprecated_tag; subgraph_index } with a new index. */
  appendSignatureDef(sig: FlatTable, subgraphIndex: number): number {
    const table = this.table(5);
    this.omit(table, 3); // deprecated_tag
    this.view.setUint32(table + 4 + 4 * SIGNATURE_SUBGRAPH_INDEX, subgraphIndex, true);
    this.appendTensorMaps(sig.tableVector(0), table + 4);
    this.appendTensorMaps(sig.tableVector(1), table + 8);
    const key = sig.string(2);
    if (key === null) this.omit(table, 2);
    else this.appendString(key, table + 12);
    return table;
  }
}
