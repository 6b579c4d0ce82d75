import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type TensorEntry } from '../model/manifest.js';
import { sha256Hex } from '../util/sha256.js';
import type { MappedTensor } from './map-graph.js';

/** Lays tensors out in one blob, each 4-byte aligned, and fills in the manifest's tensor table and checksum. */
export async function packWeights(
  tensors: MappedTensor[],
  manifest: Omit<Manifest, 'tensors' | 'blob' | 'format' | 'version'>,
  blobFile = 'model.bin',
): Promise<{ manifest: Manifest; blob: Uint8Array }> {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (entries.some((e) => e.name === t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    const entry: TensorEntry = { name: t.name, dtype: t.dtype, shape: t.shape, offset, byteLength: t.data.byteLength };
    if (t.scales) entry.scales = t.scales;
    if (t.zeroPoints) entry.zeroPoints = t.zeroPoints;
    entries.push(entry);
    offset += Math.ceil(t.data.byteLength / 4) * 4;
  }
  const blob = new Uint8Array(offset);
  tensors.forEach((t, i) => {
    blob.set(t.data, entries[i].offset);
  });
  const full: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    ...manifest,
    blob: { file: blobFile, byteLength: blob.byteLength, sha256: await sha256Hex(blob) },
    tensors: entries,
  };
  return { manifest: full, blob };
}
