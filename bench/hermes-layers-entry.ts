// Runs inside Hermes (bench/hermes-layers.ts builds it), with the JIT kernels and with the
// interpreter kernels (KernelStyle), interleaved: either the Lyra v2 encoder and decoder layer by
// layer on real data, each layer timed on its own over many repetitions (Hermes has only
// Date.now, so one run of a layer is too short to time), or the whole codec frame by frame
// (encoder + quantizer at 9.2 kbps, decoder), checking that both give the same bits. Prints JSON.
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { Buffers } from '../src/layers/buffers.js';
import type { Layer } from '../src/layers/layer.js';
import { loadModelFromBytes, type Model } from '../src/model/load.js';
import { opFor } from '../src/model/ops/index.js';
import { goldenInput } from '../test/engines/golden.js';
import { inputSteps, planGraph } from './layers.js';
import { fromBase64 } from '../test/engines/base64.js';

declare const LAYER_MODEL: { manifest: string; blob: string };
declare const LAYER_TASK: {
  kind: 'layers' | 'codec';
  repeats: number;
  frames: number;
  /** The kernel styles to time (codec only): both unless told. */
  styles?: ('jit' | 'interpreter')[];
};
declare function print(text: string): void;

interface Timed {
  node: number;
  type: string;
  macs: number;
  /** ms per frame with the JIT kernels and with the interpreter kernels (KernelStyle). */
  jit: number;
  interpreter: number;
}

async function main(): Promise<unknown> {
  const model = await loadModelFromBytes(fromBase64(LAYER_MODEL.manifest), fromBase64(LAYER_MODEL.blob), 'lyra-v2');
  return LAYER_TASK.kind === 'codec' ? codec(model) : layers(model);
}

/** ms per frame of each stage with each kernel style, frame by frame, the order of the styles alternating. */
function codec(model: Model): unknown {
  const frameSize = model.manifest.frameSize;
  const input = goldenInput(frameSize * LAYER_TASK.frames);
  const styles = (LAYER_TASK.styles ?? (['jit', 'interpreter'] as const)).map((kernels) => ({
    kernels,
    quantizer: new Quantizer(model, { kernels }),
    encoder: new Encoder(model, { kernels }),
    decoder: new Decoder(model, { kernels }),
    embedding: new Float32Array(model.manifest.embeddingDim),
    indices: new Int32Array(model.manifest.quantizer!.numQuantizers),
    decoded: new Float32Array(frameSize),
    encodeMs: [] as number[],
    decodeMs: [] as number[],
  }));
  let mismatches = 0;
  for (let f = 0; f < LAYER_TASK.frames; f++) {
    const frame = input.subarray(f * frameSize, (f + 1) * frameSize);
    for (let n = 0; n < styles.length; n++) {
      const s = styles[(f + n) % styles.length]!;
      const t0 = Date.now();
      s.encoder.encodeFrame(frame, s.embedding);
      s.quantizer.quantize(s.embedding, s.quantizer.numQuantizers, s.indices);
      const t1 = Date.now();
      s.decoder.decodeFrame(s.quantizer.dequantize(s.indices, s.quantizer.numQuantizers), s.decoded);
      s.encodeMs.push(t1 - t0);
      s.decodeMs.push(Date.now() - t1);
    }
    const [a, b = a] = styles;
    for (let i = 0; i < frameSize; i++) if (!Object.is(a!.decoded[i], b!.decoded[i])) mismatches++;
    for (let i = 0; i < a!.embedding.length; i++) if (!Object.is(a!.embedding[i], b!.embedding[i])) mismatches++;
    for (let i = 0; i < a!.indices.length; i++) if (a!.indices[i] !== b!.indices[i]) mismatches++;
  }
  const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
  return {
    mismatches,
    styles: styles.map((s) => ({ kernels: s.kernels, encodeMs: mean(s.encodeMs), decodeMs: mean(s.decodeMs) })),
  };
}

function layers(model: Model): unknown {
  const result: Record<string, Timed[]> = {};
  let embedding: Float32Array | null = null;
  for (const which of ['encoder', 'decoder'] as const) {
    const spec = model.manifest[which]!;
    const { nodes, info } = planGraph(spec, inputSteps(model, which));
    const build = (interpreter: boolean) => {
      const context = {
        weights: model.weights,
        activation: (name: string) => info.get(name)!,
        fast: false,
        kernels: interpreter ? ('interpreter' as const) : ('jit' as const),
      };
      const buffers = new Buffers(info);
      buffers.ensureFrames(1);
      return { layers: spec.nodes.map((n): Layer => opFor(n.op).build(n, context)), buffers };
    };
    const styles = [build(false), build(true)];
    const input = which === 'encoder' ? goldenInput(model.manifest.frameSize * LAYER_TASK.frames) : embedding!;
    // Frames of real data first, so that every layer's history and input are what speech gives.
    for (const { layers, buffers } of styles) {
      const size = buffers.f32(spec.input).length;
      for (let f = 0; f < LAYER_TASK.frames; f++) {
        buffers.f32(spec.input).set(which === 'encoder' ? input.subarray(f * size, (f + 1) * size) : input);
        for (const layer of layers) layer.run(buffers, 1);
      }
    }
    if (which === 'encoder') embedding = new Float32Array(styles[0]!.buffers.f32(spec.output));
    const ms = [new Float64Array(nodes.length), new Float64Array(nodes.length)];
    // Interleaved: each layer with one style, then with the other, in rounds.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < nodes.length; i++) {
        for (let s = 0; s < 2; s++) {
          const { layers, buffers } = styles[s]!;
          const t0 = Date.now();
          for (let r = 0; r < LAYER_TASK.repeats; r++) layers[i]!.run(buffers, 1);
          ms[s]![i] += (Date.now() - t0) / LAYER_TASK.repeats / 2;
        }
      }
    }
    result[which] = nodes.map((n, i) => ({
      node: i,
      type: n.type,
      macs: n.macsPerFrame,
      jit: ms[0]![i]!,
      interpreter: ms[1]![i]!,
    }));
  }
  return result;
}

main().then(
  (result) => print(JSON.stringify({ result })),
  (err: Error) => print(JSON.stringify({ error: String(err?.stack ? err.stack : err) })),
);
