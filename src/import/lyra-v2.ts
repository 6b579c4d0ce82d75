// Lyra v2 (Google's released SoundStream) -> our weight format.
import type { Manifest } from '../model/manifest.js';
import { checkManifest, ModelError } from '../model/load.js';
import { sha256Hex } from '../util/sha256.js';
import { ImportError, TFLiteFormatError } from './errors.js';
import { extractRvqCodebooks } from './lyra-quantizer.js';
import { mapStreamingGraph, type MappedTensor } from './map-graph.js';
import { readTFLite } from './tflite.js';
import { packWeights } from './write-weights.js';

export const LYRA_V2_FILES = ['soundstream_encoder.tflite', 'quantizer.tflite', 'lyragan.tflite'] as const;

/** sha256 of the three files of Google's Lyra v2 release (google/lyra, lyra/model_coeffs, v1.3.x). */
export const LYRA_V2_SHA256: Record<(typeof LYRA_V2_FILES)[number], string> = {
  'soundstream_encoder.tflite': '237da0b16226fb0a68d49551c81bebf614e42142af72764448359f68581e88f1',
  'quantizer.tflite': '841ee05989687d32d1f616a8ad1419fc7eda37599d3c05c7cf5a0d60ccf8ac5c',
  'lyragan.tflite': '50e7839cda4f30599a3a34cfaddcd9c98449b049eee884e1a74295780448ad06',
};

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
  const encoder = inFile('soundstream_encoder.tflite', () => mapStreamingGraph(readTFLite(files.encoder), 'encoder'));
  const decoder = inFile('lyragan.tflite', () => mapStreamingGraph(readTFLite(files.decoder), 'decoder'));
  const rvq = inFile('quantizer.tflite', () => extractRvqCodebooks(readTFLite(files.quantizer)));
  const frameSize = encoder.graph.inputChannels === 1 ? 320 : 0;
  if (encoder.graph.outputChannels !== rvq.dim || decoder.graph.inputChannels !== rvq.dim) {
    throw new ImportError(
      `embedding sizes disagree: encoder ${encoder.graph.outputChannels}, quantizer ${rvq.dim}, decoder ${decoder.graph.inputChannels}`,
    );
  }
  const codebooks: MappedTensor = {
    name: 'quantizer/codebooks',
    dtype: 'f32',
    shape: [rvq.numQuantizers, rvq.codebookSize, rvq.dim],
    data: new Uint8Array(rvq.codebooks.buffer, rvq.codebooks.byteOffset, rvq.codebooks.byteLength),
  };
  const sums = Object.fromEntries(
    await Promise.all((['encoder', 'quantizer', 'decoder'] as const).map(async (k) => [k, await sha256Hex(files[k])])),
  );
  const packed = await packWeights([...encoder.tensors, codebooks, ...decoder.tensors], {
    model: 'lyra-v2',
    sampleRate: 16000,
    frameSize,
    embeddingDim: rvq.dim,
    provenance: {
      source: 'Lyra v2 SoundStream (github.com/google/lyra, lyra/model_coeffs), Apache-2.0',
      importedBy: 'soundstream-ts import-tflite',
      importRevision: LYRA_V2_IMPORT_REVISION,
      sha256: {
        'soundstream_encoder.tflite': sums.encoder,
        'quantizer.tflite': sums.quantizer,
        'lyragan.tflite': sums.decoder,
      },
    },
    encoder: encoder.graph,
    quantizer: {
      numQuantizers: rvq.numQuantizers,
      codebookSize: rvq.codebookSize,
      dim: rvq.dim,
      codebooks: codebooks.name,
      bitsPerIndex: Math.log2(rvq.codebookSize),
      bitrates: { 3200: 16, 6000: 30, 9200: 46 },
    },
    decoder: decoder.graph,
  });
  // What the mapper made of an unusual file must still be a model the loader accepts.
  try {
    checkManifest(JSON.parse(JSON.stringify(packed.manifest)), 'imported model');
  } catch (err) {
    if (err instanceof ModelError)
      throw new ImportError(`the graph mapped from the .tflite files is not a valid model: ${err.message}`);
    throw err;
  }
  return packed;
}

/** Runs one file's step, naming the file in its ImportError or TFLiteFormatError. */
function inFile<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof TFLiteFormatError) throw new TFLiteFormatError(`${file}: ${err.message}`);
    if (err instanceof ImportError) throw new ImportError(`${file}: ${err.message}`);
    throw err;
  }
}
