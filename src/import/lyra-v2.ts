// Lyra v2 (Google's released SoundStream) -> our weight format.
import type { Manifest } from '../model/manifest.js';
import { sha256Hex } from '../model/sha256.js';
import { ImportError } from './errors.js';
import { extractRvqCodebooks } from './lyra-quantizer.js';
import { mapStreamingGraph, type MappedTensor } from './map-graph.js';
import { readTFLite } from './tflite.js';
import { packWeights } from './write-weights.js';

export const LYRA_V2_FILES = ['soundstream_encoder.tflite', 'quantizer.tflite', 'lyragan.tflite'] as const;

/**
 * Bumped whenever the importer maps the same files differently. 2: the float summation order is
 * chosen per node from its steps per frame (revision 1 split the 2-step pointwise convs too).
 */
export const LYRA_V2_IMPORT_REVISION = 2;

/** True for a Lyra v2 manifest made by an older importer: it still loads, but is no longer bit-exact everywhere. */
export function isStaleLyraImport(manifest: Manifest): boolean {
  return manifest.model === 'lyra-v2' && manifest.provenance?.importRevision !== LYRA_V2_IMPORT_REVISION;
}

export interface LyraV2Files {
  encoder: Uint8Array;
  quantizer: Uint8Array;
  decoder: Uint8Array;
}

export async function importLyraV2(files: LyraV2Files): Promise<{ manifest: Manifest; blob: Uint8Array }> {
  const encoder = mapStreamingGraph(parse(files.encoder, 'soundstream_encoder.tflite'), 'encoder');
  const decoder = mapStreamingGraph(parse(files.decoder, 'lyragan.tflite'), 'decoder');
  const rvq = extractRvqCodebooks(parse(files.quantizer, 'quantizer.tflite'));
  const frameSize = encoder.graph.inputChannels === 1 ? 320 : 0;
  if (encoder.graph.outputChannels !== rvq.dim || decoder.graph.inputChannels !== rvq.dim) {
    throw new ImportError(`embedding sizes disagree: encoder ${encoder.graph.outputChannels}, quantizer ${rvq.dim}, decoder ${decoder.graph.inputChannels}`);
  }
  const codebooks: MappedTensor = {
    name: 'quantizer/codebooks', dtype: 'f32', shape: [rvq.numQuantizers, rvq.codebookSize, rvq.dim],
    data: new Uint8Array(rvq.codebooks.buffer, rvq.codebooks.byteOffset, rvq.codebooks.byteLength),
  };
  const sums = Object.fromEntries(await Promise.all(
    (['encoder', 'quantizer', 'decoder'] as const).map(async (k) => [k, await sha256Hex(files[k])]),
  ));
  return packWeights([...encoder.tensors, codebooks, ...decoder.tensors], {
    model: 'lyra-v2',
    sampleRate: 16000,
    frameSize,
    embeddingDim: rvq.dim,
    provenance: {
      source: 'Lyra v2 SoundStream (github.com/google/lyra, lyra/model_coeffs), Apache-2.0',
      importedBy: 'soundstream-ts import-tflite',
      importRevision: LYRA_V2_IMPORT_REVISION,
      sha256: { 'soundstream_encoder.tflite': sums.encoder, 'quantizer.tflite': sums.quantizer, 'lyragan.tflite': sums.decoder },
    },
    encoder: encoder.graph,
    quantizer: {
      numQuantizers: rvq.numQuantizers, codebookSize: rvq.codebookSize, dim: rvq.dim, codebooks: codebooks.name,
      bitsPerIndex: Math.log2(rvq.codebookSize), bitrates: { 3200: 16, 6000: 30, 9200: 46 },
    },
    decoder: decoder.graph,
  });
}

function parse(bytes: Uint8Array, file: string) {
  try {
    return readTFLite(bytes);
  } catch (err) {
    throw new ImportError(`${file}: ${(err as Error).message}`);
  }
}
