// A scrolling spectrogram of an AnalyserNode on a canvas, newest on the right. A column is taken
// every sample() (25 ms) but the canvas is redrawn only every draw(), several columns at once:
// each redraw costs the browser a composited frame, and at one redraw per column the two
// spectrograms took 18-19% of a core in headless Chromium (GPU process, compositor and main
// thread; 9% now), more than the decoder.

/** Columns a draw() can add; older samples beyond it are dropped (a page that stalled that long shows a jump). */
const MAX_PENDING = 16;

export class Spectrogram {
  private readonly context: CanvasRenderingContext2D;
  private readonly bins: Float32Array<ArrayBuffer>;
  /** Columns sampled since the last draw, left to right. */
  private readonly pending: ImageData;
  private pendingCount = 0;
  /** Bins shown: 0 to maxHz. */
  private readonly shown: number;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly analyser: AnalyserNode,
    maxHz: number,
  ) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas context');
    this.context = context;
    this.bins = new Float32Array(analyser.frequencyBinCount);
    this.shown = Math.min(this.bins.length, Math.ceil((maxHz / (analyser.context.sampleRate / 2)) * this.bins.length));
    this.pending = context.createImageData(MAX_PENDING, canvas.height);
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
  }

  /** Takes the analyser's spectrum now as the next column. */
  sample(): void {
    const { pending } = this;
    if (this.pendingCount === MAX_PENDING) {
      // (Shifts the pending columns left by one: rows are MAX_PENDING pixels of 4 bytes.)
      pending.data.copyWithin(0, 4);
      this.pendingCount--;
    }
    this.analyser.getFloatFrequencyData(this.bins);
    const h = pending.height;
    const x = this.pendingCount++;
    for (let y = 0; y < h; y++) {
      const bin = Math.min(this.shown - 1, Math.floor(((h - 1 - y) / h) * this.shown));
      // -100..-20 dBFS onto the palette
      const level = Math.max(0, Math.min(255, Math.round(((this.bins[bin] + 100) / 80) * 255)));
      const o = (y * MAX_PENDING + x) * 4;
      pending.data[o] = PALETTE[level * 3];
      pending.data[o + 1] = PALETTE[level * 3 + 1];
      pending.data[o + 2] = PALETTE[level * 3 + 2];
      pending.data[o + 3] = 255;
    }
  }

  /** Scrolls the canvas by the columns sampled since the last draw and paints them. */
  draw(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    const { canvas, context } = this;
    context.drawImage(canvas, -n, 0);
    context.putImageData(this.pending, canvas.width - n, 0, 0, 0, n, canvas.height);
    this.pendingCount = 0;
  }
}

/** Black -> purple -> orange -> yellow-white, 256 levels of r, g, b. */
const PALETTE = (() => {
  const palette = new Uint8Array(256 * 3);
  for (let level = 0; level < 256; level++) {
    const v = level / 255;
    palette[level * 3] = Math.min(255, Math.round(v * 2.2 * 255));
    palette[level * 3 + 1] = Math.max(0, Math.min(255, Math.round((v - 0.35) * 1.6 * 255)));
    palette[level * 3 + 2] = Math.max(
      0,
      Math.min(255, Math.round((v < 0.4 ? v * 1.5 : 0.6 - (v - 0.4) + Math.max(0, v - 0.85) * 5) * 255)),
    );
  }
  return palette;
})();
