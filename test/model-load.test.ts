// Bad weights must fail loudly, naming the file, field or tensor; good ones load zero-copy.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTFLite, TFLiteFormatError } from '../src/import/tflite.js';
import { ImportError } from '../src/import/errors.js';
import { mapStreamingGraph } from '../src/import/map-graph.js';
import { loadModelFromBytes, ModelError } from '../src/model/load.js';
import { loadModel } from '../src/node/load-model.js';
import type { Conv1dNode, Manifest } from '../src/model/manifest.js';
import { sha256Hex } from '../src/util/sha256.js';
import { HAVE_SHARED, lyraFiles } from './reference/lyra.js';
import { importLyraV2 } from '../src/import/lyra-v2.js';

describe.skipIf(!HAVE_SHARED)('model loading and import errors', () => {
  let manifest: Manifest;
  let blob: Uint8Array;
  const text = (m: Manifest) => JSON.stringify(m);
  const edit = (f: (m: Manifest) => void) => {
    const m = structuredClone(manifest);
    f(m);
    return m;
  };

  beforeAll(async () => {
    ({ manifest, blob } = await importLyraV2(lyraFiles()));
  }, 60_000);

  it('loads the imported model and its tensors as views of the blob', async () => {
    const model = await loadModelFromBytes(text(manifest), blob);
    const name = manifest.tensors[0].name;
    expect(model.weights.f32(name).buffer).toBe(model.blob.buffer);
  });

  it('rejects a tampered blob, naming the sha256', async () => {
    const tampered = blob.slice();
    tampered[1000] ^= 1;
    await expect(loadModelFromBytes(text(manifest), tampered)).rejects.toThrow(
      /sha256 .* \(tampered or corrupt weights\)/,
    );
  });

  it('rejects a truncated blob', async () => {
    await expect(loadModelFromBytes(text(manifest), blob.subarray(0, blob.length - 4))).rejects.toThrow(
      /truncated or replaced/,
    );
  });

  it('rejects a manifest that is not JSON, of another format or version', async () => {
    await expect(loadModelFromBytes('{"format":', blob)).rejects.toThrow(ModelError);
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            (m as { format: string }).format = 'x';
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(/"format"/);
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            m.version = 99;
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(/"version" is 99/);
  });

  it('rejects a tensor whose shape does not match its bytes, or that lies outside the blob', async () => {
    const t = manifest.tensors[3];
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            m.tensors[3].shape = [...t.shape, 2];
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(
      new RegExp(`tensors\\[3\\] \\(${t.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)\\.byteLength`),
    );
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            m.tensors[3].offset = blob.length;
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(/offset/);
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            m.tensors[3].offset += 2;
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(/4-byte aligned/);
    await expect(
      loadModelFromBytes(
        text(
          edit((m) => {
            (m.tensors[3] as { dtype: string }).dtype = 'f16';
          }),
        ),
        blob,
      ),
    ).rejects.toThrow(/dtype/);
  });

  it('names a tensor the graph needs but the manifest lacks, and a node reading an unknown activation, before building anything', async () => {
    const missing = edit((m) => {
      m.tensors = m.tensors.filter((t) => t.name !== (m.encoder!.nodes[0] as { weight: string }).weight);
    });
    await expect(loadModelFromBytes(text(missing), blob)).rejects.toThrow(
      /"encoder\.nodes\[0\]\.weight" names tensor ".*", which is not in the tensor table/,
    );
    const dangling = edit((m) => {
      (m.encoder!.nodes[2] as { input: string }).input = 'nowhere';
    });
    await expect(loadModelFromBytes(text(dangling), blob)).rejects.toThrow(
      /"encoder\.nodes\[2\]\.input" reads "nowhere", which no earlier node writes/,
    );
  });

  // Each of these once reached a kernel unchecked (a TypeError, a RangeError from a typed-array
  // constructor, a hang or a NaN output): now a ModelError naming the field.
  const graphCases: [string, (m: Manifest) => void, RegExp][] = [
    [
      'nodes not a list',
      (m) => {
        (m.encoder as unknown as { nodes: unknown }).nodes = 3;
      },
      /"encoder\.nodes" must be a list/,
    ],
    [
      'groups = 0',
      (m) => {
        (m.encoder!.nodes[0] as { groups: number }).groups = 0;
      },
      /"encoder\.nodes\[0\]\.groups" must be an integer in 1\.\.8192, got 0/,
    ],
    [
      'groups = []',
      (m) => {
        (m.encoder!.nodes[0] as unknown as { groups: unknown }).groups = [];
      },
      /"encoder\.nodes\[0\]\.groups" must be an integer .* got an array/,
    ],
    [
      'groups not dividing the channels',
      (m) => {
        (m.encoder!.nodes[3] as { groups: number }).groups = 3;
      },
      /"encoder\.nodes\[3\]\.groups" 3 does not divide/,
    ],
    [
      'outChannels = 2^31',
      (m) => {
        (m.encoder!.nodes[0] as { outChannels: number }).outChannels = 2 ** 31;
      },
      /"encoder\.nodes\[0\]\.outChannels" must be an integer in 1\.\.8192/,
    ],
    [
      'frameSize = 1e9',
      (m) => {
        m.frameSize = 1e9;
      },
      /"frameSize" must be an integer in 1\.\.16384/,
    ],
    [
      'embeddingDim = 2^32',
      (m) => {
        m.embeddingDim = 2 ** 32;
      },
      /"embeddingDim" must be an integer in 1\.\.4096/,
    ],
    [
      'an int8 output scale of 0',
      (m) => {
        (m.encoder!.nodes.find((n) => n.op === 'conv1d' && n.int8) as Conv1dNode).int8!.output.scale = 0;
      },
      /\.int8\.output\.scale" must be a finite scale/,
    ],
    [
      'an int8 spec without scales',
      (m) => {
        delete (m.encoder!.nodes.find((n) => n.op === 'conv1d' && n.int8) as { int8?: unknown }).int8;
      },
      /reads ".*", which is i8; this node needs f32/,
    ],
    [
      'a weight scale of NaN',
      (m) => {
        m.tensors.find((t) => t.dtype === 'i8')!.scales![0] = Number.NaN;
      },
      /\.scales" must be finite numbers/,
    ],
    [
      'an empty bitrate table',
      (m) => {
        m.quantizer!.bitrates = {};
      },
      /"quantizer\.bitrates" must map at least one bitrate/,
    ],
    [
      'a bitrate using more quantizers than there are',
      (m) => {
        m.quantizer!.bitrates['9200'] = 47;
      },
      /"quantizer\.bitrates\.9200" must be an integer in 1\.\.46/,
    ],
    [
      'an unknown op',
      (m) => {
        (m.decoder!.nodes[0] as { op: string }).op = 'softmax';
      },
      /"decoder\.nodes\[0\]\.op" is "softmax"; known ops/,
    ],
    [
      'a node reading its own output (a cycle)',
      (m) => {
        const n = m.decoder!.nodes[5] as { input: string; output: string };
        n.input = n.output;
      },
      /"decoder\.nodes\[5\]\.input" reads ".*", which no earlier node writes/,
    ],
    [
      'a node writing an existing activation',
      (m) => {
        (m.decoder!.nodes[5] as { output: string }).output = m.decoder!.input;
      },
      /"decoder\.nodes\[5\]\.output" writes "input", which already exists/,
    ],
    [
      'a weight tensor of the wrong size',
      (m) => {
        (m.encoder!.nodes[3] as { kernel: number; history: number }).kernel = 3;
      },
      /"encoder\.nodes\[3\]\.(history|weight)"/,
    ],
    [
      'a decoder not giving frameSize samples',
      (m) => {
        m.frameSize = 321;
      },
      /"decoder\.output" ".*" has 320 steps per frame, expected 321|"encoder\.nodes\[0\]\.stride"/,
    ],
    [
      'an alpha of 1e308',
      (m) => {
        (m.encoder!.nodes[1] as { alpha: number }).alpha = 1e308;
      },
      /"encoder\.nodes\[1\]\.alpha" must be a finite number/,
    ],
  ];
  it.each(graphCases)('rejects a graph with %s, naming the field', async (_, change, message) => {
    const err = await loadModelFromBytes(text(edit(change)), blob).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects float weights that are NaN or infinite, even with a matching checksum', async () => {
    const bad = blob.slice();
    const t = manifest.tensors.find((e) => e.dtype === 'f32')!;
    new DataView(bad.buffer).setFloat32(t.offset + 4, Number.POSITIVE_INFINITY, true);
    const resigned = edit((m) => {
      m.blob.sha256 = '';
    });
    resigned.blob.sha256 = await sha256Hex(bad);
    await expect(loadModelFromBytes(text(resigned), bad)).rejects.toThrow(
      new RegExp(`tensor "${t.name}" holds Infinity at index 1`),
    );
  });

  it('names a missing model folder, and reports other read failures as themselves', async () => {
    await expect(loadModel('/nonexistent/weights')).rejects.toThrow(
      /no model at \/nonexistent\/weights \(manifest.json missing\)/,
    );
    // A folder where manifest.json should be: the file system's own error, not "no model".
    const dir = mkdtempSync(join(tmpdir(), 'soundstream-load-'));
    try {
      mkdirSync(join(dir, 'manifest.json'));
      const err: unknown = await loadModel(dir).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(ModelError);
      expect(err).toMatchObject({ code: 'EISDIR' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a truncated or foreign .tflite file, and names an op the importer does not know', () => {
    const { encoder } = lyraFiles();
    expect(() => readTFLite(encoder.subarray(0, 100))).toThrow(TFLiteFormatError);
    expect(() => readTFLite(new TextEncoder().encode('RIFF....WAVEfmt '))).toThrow(/file identifier/);
    const model = readTFLite(encoder);
    const leaky = model.subgraphs[0].operators.find((o) => o.op === 'LEAKY_RELU')!;
    leaky.op = 'HARD_SWISH';
    expect(() => mapStreamingGraph(model, 'encoder')).toThrow(ImportError);
    expect(() => mapStreamingGraph(model, 'encoder')).toThrow(new RegExp(`HARD_SWISH #${leaky.index} .*not supported`));
  });
});
