// How many multiply-accumulates per second scalar JavaScript can do on this machine, measured
// two ways, so that the RTF a pure-TypeScript engine can reach at all is visible beside the
// engine's own: a loop that does nothing but float64 multiply-adds on values held in
// registers (one load per twelve MACs), and our fastest real kernel (conv1dFast: float64 sums,
// four channels by three steps) on a cache-resident 1x1 convolution of the model's width.
// A 1-D convolution needs at least 7 loads per 12 MACs with sixteen float registers; V8 checks
// the bounds of each typed-array access, so the kernel lands well below the register-only rate.
import { conv1dFast } from '../src/kernels/conv1d-fast.js';
import { packConv1dWeights } from '../src/kernels/conv1d-blocked.js';

export interface Ceiling {
  /** float64 multiply-adds per second with operands in registers (GMAC/s). */
  registerGmacPerS: number;
  /** conv1dFast on [96 x 128] -> [96 x 128], 1x1, weights and activations in L1/L2 (GMAC/s). */
  kernelGmacPerS: number;
}

function registerLoop(xs: Float64Array, n: number): number {
  // Twelve independent chains, so the adder's latency never waits; the coefficients stay in registers.
  const c0 = 0.5,
    c1 = -0.25,
    c2 = 0.125,
    c3 = -0.0625,
    c4 = 0.75,
    c5 = -0.375;
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    a4 = 0,
    a5 = 0,
    a6 = 0,
    a7 = 0,
    a8 = 0,
    a9 = 0,
    a10 = 0,
    a11 = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i & 1023];
    a0 += x * c0;
    a1 += x * c1;
    a2 += x * c2;
    a3 += x * c3;
    a4 += x * c4;
    a5 += x * c5;
    a6 += x * c5;
    a7 += x * c4;
    a8 += x * c3;
    a9 += x * c2;
    a10 += x * c1;
    a11 += x * c0;
  }
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}

/** The best of several timed runs of `run`, which does `macs` MACs, in GMAC/s. */
function bestRate(run: () => unknown, macs: number, repeats: number): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return macs / (best * 1e6);
}

export function measureCeiling(quick: boolean): Ceiling {
  const xs = Float64Array.from({ length: 1024 }, (_, i) => Math.sin(i) * 1e-3);
  const iterations = quick ? 200_000 : 4_000_000;
  let sink = 0;
  const registerGmacPerS = bestRate(
    () => {
      sink += registerLoop(xs, iterations);
    },
    12 * iterations,
    quick ? 2 : 7,
  );

  const [t, c] = [96, 128];
  const x = Float32Array.from({ length: t * c }, (_, i) => Math.cos(i) * 0.5);
  const w = packConv1dWeights(
    Float32Array.from({ length: c * c }, (_, i) => Math.sin(i * 0.7) * 0.1),
    c,
    1,
    c,
  );
  const y = new Float32Array(t * c);
  const wide = Float64Array.from(x);
  const calls = quick ? 20 : 400;
  const kernelGmacPerS = bestRate(
    () => {
      for (let i = 0; i < calls; i++) conv1dFast(wide, t, c, w, null, 1, 1, 1, 1, y, c);
    },
    calls * t * c * c,
    quick ? 2 : 7,
  );
  if (!Number.isFinite(sink + y[0])) throw new Error('ceiling benchmark produced a non-finite value');
  return { registerGmacPerS, kernelGmacPerS };
}
