// Writes the Lyra v2 decoder in float mode (our manifest graph with int8 weights dequantized) for
// train/train.py's perceptual loss: train/data/decoder-float.json (nodes) + .f32 (tensors). Derived
// from Google's weights, so it stays in train/data/ (gitignored). Usage (after npm run build):
//   node dist/train/export-float-decoder.js
import { writeFileSync } from 'node:fs';
import { floatGraph } from '../src/model/float-mode.js';
import { loadModel } from '../src/node/load-model.js';

const model = await loadModel('weights/lyra-v2');
const spec = floatGraph(model.manifest.decoder!, model.weights);
const tensors: Record<string, { offset: number; length: number }> = {};
const parts: Float32Array[] = [];
let offset = 0;
for (const node of spec.nodes) {
  for (const key of ['weight', 'bias', 'tailBias'] as const) {
    const name = (node as unknown as Record<string, string | null | undefined>)[key];
    if (!name || name in tensors) continue;
    const data = model.weights.f32(name);
    tensors[name] = { offset, length: data.length };
    parts.push(data);
    offset += data.length;
  }
}
const all = new Float32Array(offset);
let at = 0;
for (const p of parts) {
  all.set(p, at);
  at += p.length;
}
writeFileSync('train/data/decoder-float.f32', all);
writeFileSync('train/data/decoder-float.json', JSON.stringify({ spec, tensors }));
console.log(`decoder: ${spec.nodes.length} nodes, ${offset} floats`);
