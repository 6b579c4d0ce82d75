// The few parts of Benchmark.js (npm `benchmark`, CommonJS, no bundled types) that bench/kernels.ts uses.
declare module 'benchmark' {
  interface BenchmarkOptions {
    /** Seconds a benchmark may run for (default 5). */
    maxTime?: number;
    /** Seconds a timed cycle should last at least. */
    minTime?: number;
    minSamples?: number;
    initCount?: number;
  }
  interface BenchmarkStats {
    /** Relative margin of error, in percent. */
    rme: number;
    /** Mean seconds per operation. */
    mean: number;
    deviation: number;
    sample: number[];
  }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: BenchmarkOptions);
    name: string;
    /** Operations per second. */
    hz: number;
    stats: BenchmarkStats;
    error?: Error;
    aborted: boolean;
    run(options?: { async?: boolean }): Benchmark;
    static version: string;
  }
  export default Benchmark;
}
