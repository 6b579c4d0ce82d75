// A scrolling spectrogram of an AnalyserNode on a canvas: one column per draw, newest on the right.

export class Spectrogram {
  private readonly context: CanvasRenderingContext2D;
  private readonly bins: Float32Array<ArrayBuffer>;
  private readonly column: ImageData;
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
    this.column = context.createImageData(1, canvas.height);
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
  }

  draw(): void {
    const { canvas, context, column } = this;
    this.analyser.getFloatFrequencyData(this.bins);
    context.drawImage(canvas, -1, 0);
    const h = canvas.height;
    for (let y = 0; y < h; y++) {
      const bin = Math.min(this.shown - 1, Math.floor(((h - 1 - y) / h) * this.shown));
      // -100..-20 dBFS onto 0..1
      const v = Math.max(0, Math.min(1, (this.bins[bin] + 100) / 80));
      const [r, g, b] = heat(v);
      const o = y * 4;
      column.data[o] = r;
      column.data[o + 1] = g;
      column.data[o + 2] = b;
      column.data[o + 3] = 255;
    }
    context.putImageData(column, canvas.width - 1, 0);
  }
}

/** Black -> purple -> orange -> yellow-white. */
function heat(v: number): [number, number, number] {
  const r = Math.min(255, Math.round(v * 2.2 * 255));
  const g = Math.max(0, Math.min(255, Math.round((v - 0.35) * 1.6 * 255)));
  const b = Math.max(
    0,
    Math.min(255, Math.round((v < 0.4 ? v * 1.5 : 0.6 - (v - 0.4) + Math.max(0, v - 0.85) * 5) * 255)),
  );
  return [r, g, b];
}
