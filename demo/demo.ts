// The demo page: a source (microphone, the sample or a dropped WAV) -> encoder node -> simulated
// network -> decoder node -> speakers, with live controls, spectrograms and meters.
// Query parameters: ?rate=48000 (AudioContext rate; default: the device's), ?transport=sab|port,
// ?record=1 (keep the encoder's input too, for the browser tests).

import { packetBytes } from '../src/codec/lyra-packet.js';
import { encodeSst } from '../src/codec/sst.js';
import { encodeWav } from '../src/audio/wav.js';
import type { Model } from '../src/model/load.js';
import { loadModelFromUrl } from '../src/model/load-url.js';
import { SoundstreamDecoderNode, SoundstreamEncoderNode, type EncodedPacket } from '../src/web/nodes.js';
import type { DecoderRecord, EncoderRecord, ProcessorStats, TransportKind } from '../src/web/protocol.js';
import type { NetworkSettings } from './network.js';
import type { NetworkControl } from './network-worker.js';
import { Spectrogram } from './spectrogram.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const FRAME_MS = 20;

/** What the page's meters show; tests read the same object through soundstreamDemo.meters(). */
export interface Meters {
  bitsPerSecond: number;
  packetBytes: number;
  encoderMs: { p50: number; p99: number };
  decoderMs: { p50: number; p99: number };
  rtf: number;
  underruns: number;
  concealed: number;
  droppedSamples: number;
  worstQuantumMs: number;
  latencyMs: number | null;
  framesEncoded: number;
  framesDecoded: number;
  /** The latest packet so far, ms behind schedule at the decoder (what the jitter allowance must cover). */
  packetLateMs: number;
  /** The encoder's frame the decoder began playout with (-1: not yet): packets before it were never routed to the decoder. */
  playoutFrom: number;
}

interface DemoApi {
  ready: Promise<{ sampleRate: number; transport: TransportKind; crossOriginIsolated: boolean; denoiser: boolean }>;
  meters(): Meters;
  records(): Promise<{ encoder: EncoderRecord | null; decoder: DecoderRecord }>;
  packets: Uint8Array[];
  settingsLog: { fromFrame: number; bitrate: number; denoise: boolean }[];
}

function showError(message: string): void {
  const el = $('error');
  el.hidden = false;
  el.textContent = message;
}

function missingWeights(): void {
  const el = $('missing');
  el.hidden = false;
  el.innerHTML =
    '<b>The Lyra v2 weights are missing.</b> The server looks for them in <code>weights/lyra-v2/</code> ' +
    '(manifest.json + model.bin), made at set-up and never committed. Make them from the repository root with ' +
    '<code>npx soundstream import-tflite ../shared/lyra-v2</code> (from the three .tflite files) or ' +
    '<code>npx soundstream fetch-weights lyra-v2</code> (downloads them from google/lyra), then reload.';
  $('loading').hidden = true;
}

async function loadModels(): Promise<{ codec: Model; denoiser: Model | null }> {
  const progress = $<HTMLProgressElement>('progress');
  const text = $('load-text');
  const show = (label: string) => ({ loaded, total }: { loaded: number; total: number }) => {
    progress.value = loaded / total;
    text.textContent = `${label}: ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
  };
  const manifest = await fetch('weights/lyra-v2/manifest.json', { method: 'HEAD' });
  if (!manifest.ok) {
    missingWeights();
    throw new Error('weights missing');
  }
  const codec = await loadModelFromUrl('weights/lyra-v2/', { onProgress: show('Lyra v2 weights') });
  let denoiser: Model | null = null;
  try {
    denoiser = await loadModelFromUrl('weights/lyra-v2-denoise/', { onProgress: show('denoiser weights') });
  } catch {
    text.textContent = 'denoiser weights not found: denoising is off';
  }
  return { codec, denoiser };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function main(): Promise<Awaited<DemoApi['ready']>> {
  const { codec, denoiser } = await loadModels();
  const rate = Number(params.get('rate')) || undefined;
  const context = new AudioContext({ sampleRate: rate, latencyHint: 'interactive' });
  // Started first and awaited before the packets are routed through it: packets queued while it
  // loads would reach the decoder in a burst, and every one of them would add 20 ms of latency.
  const network = new Worker(new URL('./network-worker.js', import.meta.url), { type: 'module', name: 'simulated network' });
  const networkReady = new Promise<void>((resolve, reject) => {
    network.onmessage = () => resolve();
    network.onerror = (e) => reject(new Error(`network worker: ${e.message || 'failed to load'}`));
  });
  const transport = (params.get('transport') as TransportKind | null) ?? 'auto';
  const [encoder, decoder] = await Promise.all([
    SoundstreamEncoderNode.create(context, { model: codec, denoiser: denoiser ?? undefined, transport, record: params.get('record') === '1' }),
    SoundstreamDecoderNode.create(context, { model: codec, transport, record: true }),
  ]);
  $('loading').hidden = true;
  for (const node of [encoder, decoder]) node.addEventListener('error', (e) => showError(String((e as CustomEvent<Error>).detail.message)));

  // The graph: source -> bus -> encoder, and A/B to the speakers.
  const bus = context.createGain();
  bus.connect(encoder.input);
  const analyserIn = context.createAnalyser();
  const analyserOut = context.createAnalyser();
  for (const a of [analyserIn, analyserOut]) {
    a.fftSize = 1024;
    a.smoothingTimeConstant = 0;
  }
  bus.connect(analyserIn);
  decoder.output.connect(analyserOut);
  const listenOriginal = context.createGain();
  const listenDecoded = context.createGain();
  bus.connect(listenOriginal).connect(context.destination);
  decoder.output.connect(listenDecoded).connect(context.destination);
  const listen = (which: string) => {
    listenOriginal.gain.value = which === 'original' ? 1 : 0;
    listenDecoded.gain.value = which === 'decoded' ? 1 : 0;
  };
  listen('decoded');

  // Packets: encoder worker -> network worker -> decoder worker, past the main thread, which
  // only watches them (meters, the .sst download).
  const control = (message: NetworkControl, transfer: Transferable[] = []) => network.postMessage(message, transfer);
  await networkReady;
  const from = encoder.packetPort();
  const to = decoder.packetPort();
  control({ type: 'connect', from, to }, [from, to]);
  const networkSettings = (settings: Partial<NetworkSettings>) => control({ type: 'settings', settings });
  const packets: Uint8Array[] = [];
  const recent: EncodedPacket[] = [];
  const encoderMs: number[] = [];
  const decoderMs: number[] = [];
  const settingsLog: DemoApi['settingsLog'] = [];
  encoder.addEventListener('packet', (e) => {
    const p = (e as CustomEvent<EncodedPacket>).detail;
    packets.push(p.packet);
    recent.push(p);
    if (recent.length > 50) recent.shift();
    encoderMs.push(p.computeMs);
    if (encoderMs.length > 500) encoderMs.shift();
  });
  encoder.addEventListener('settings', (e) => settingsLog.push((e as CustomEvent<DemoApi['settingsLog'][number]>).detail));
  decoder.addEventListener('stats', () => {
    const s = decoder.stats();
    if (!s) return;
    decoderMs.push(...s.computeMs);
    if (decoderMs.length > 500) decoderMs.splice(0, decoderMs.length - 500);
  });

  // Sources.
  let current: AudioNode | null = null;
  let stopCurrent: () => void = () => {};
  const sourceButtons = ['src-mic', 'src-sample'].map((id) => $<HTMLButtonElement>(id));
  const use = async (make: () => Promise<{ node: AudioNode; stop: () => void }>, button: HTMLButtonElement | null) => {
    await context.resume();
    stopCurrent();
    current?.disconnect();
    const { node, stop } = await make();
    node.connect(bus);
    current = node;
    stopCurrent = stop;
    for (const b of sourceButtons) b.classList.toggle('active', b === button);
  };
  const bufferSource = (buffer: AudioBuffer) => async () => {
    const node = context.createBufferSource();
    node.buffer = buffer;
    node.loop = true;
    node.start();
    return { node, stop: () => node.stop() };
  };
  $('src-mic').onclick = () => use(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    return { node: context.createMediaStreamSource(stream), stop: () => { for (const t of stream.getTracks()) t.stop(); } };
  }, $<HTMLButtonElement>('src-mic')).catch((err: Error) => showError(`microphone: ${err.message}`));
  $('src-sample').onclick = () => use(async () => {
    const response = await fetch('sample.wav');
    if (!response.ok) throw new Error('the sample (../shared/audio/sample1_48kHz.wav, served by npm run web) is not available here: drop a WAV instead');
    return bufferSource(await context.decodeAudioData(await response.arrayBuffer()))();
  }, $<HTMLButtonElement>('src-sample')).catch((err: Error) => showError(`sample: ${err.message}`));
  const playFile = (file: File) => use(async () => bufferSource(await context.decodeAudioData(await file.arrayBuffer()))(), null)
    .catch((err: Error) => showError(`${file.name}: ${err.message}`));
  $<HTMLInputElement>('src-file').onchange = (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void playFile(file);
  };
  document.body.ondragover = (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  };
  document.body.ondragleave = () => document.body.classList.remove('dragging');
  document.body.ondrop = (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void playFile(file);
  };
  $('src-stop').onclick = () => {
    stopCurrent();
    current?.disconnect();
    current = null;
    stopCurrent = () => {};
    for (const b of sourceButtons) b.classList.remove('active');
  };
  for (const id of ['src-mic', 'src-sample', 'src-file', 'src-stop']) $<HTMLButtonElement>(id).disabled = false;

  // Controls.
  for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[name=bitrate]'))) {
    input.onchange = () => encoder.setBitrate(Number(input.value));
  }
  for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[name=listen]'))) input.onchange = () => listen(input.value);
  const denoise = $<HTMLInputElement>('denoise');
  denoise.disabled = !denoiser;
  denoise.onchange = () => encoder.setDenoise(denoise.checked);
  const slider = (id: string, unit: (v: number) => string, apply: (v: number) => void) => {
    const input = $<HTMLInputElement>(id);
    const update = () => {
      const v = Number(input.value);
      $(`${id}-out`).textContent = unit(v);
      apply(v);
    };
    input.oninput = update;
    update();
  };
  slider('loss', (v) => `${v} %`, (v) => networkSettings({ loss: v / 100 }));
  slider('burst', (v) => (v === 1 ? '1 frame' : `${v} frames`), (v) => networkSettings({ burst: v }));
  slider('jitter', (v) => `${v} ms`, (v) => networkSettings({ jitterMs: v }));
  slider('jitter-buffer', (v) => `${v} ms`, (v) => decoder.setPlayoutBuffer({ jitterMs: v }));

  // Downloads.
  const codecManifest = codec.manifest;
  const quantizer = codecManifest.quantizer!;
  const quantizersByBytes = new Map(Object.values(quantizer.bitrates ?? {}).map((n: number) => [packetBytes(n, quantizer.bitsPerIndex), n]));
  $('dl-sst').onclick = () => {
    const sha = codecManifest.blob.sha256;
    const prefix = new Uint8Array(8).map((_, i) => parseInt(sha.slice(2 * i, 2 * i + 2), 16));
    const sst = encodeSst(
      { modelId: codecManifest.model, modelSha256Prefix: prefix, sampleRate: codecManifest.sampleRate, frameSize: codecManifest.frameSize,
        bitsPerIndex: quantizer.bitsPerIndex, inputSampleRate: context.sampleRate, frameCount: null },
      packets.map((packet) => ({ numQuantizers: quantizersByBytes.get(packet.length)!, packet })),
    );
    download(sst, 'soundstream-demo.sst', 'application/octet-stream');
  };
  $('dl-wav').onclick = async () => {
    const record = await decoder.record();
    download(encodeWav(record.pcm, record.modelRate), 'soundstream-demo-decoded.wav', 'audio/wav');
  };
  for (const id of ['dl-wav', 'dl-sst']) $<HTMLButtonElement>(id).disabled = false;

  // Meters and spectrograms.
  const meters = (): Meters => {
    const d = decoder.stats();
    const enc = encoder.stats();
    const capture = enc.audioThread;
    const playback = d?.audioThread ?? null;
    const e = [...encoderMs].sort((a, b) => a - b);
    const dm = [...decoderMs].sort((a, b) => a - b);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    return {
      bitsPerSecond: (recent.reduce((s, p) => s + p.packet.length * 8, 0) / Math.max(1, recent.length)) * (1000 / FRAME_MS),
      packetBytes: recent.at(-1)?.packet.length ?? 0,
      encoderMs: { p50: percentile(e, 0.5), p99: percentile(e, 0.99) },
      decoderMs: { p50: percentile(dm, 0.5), p99: percentile(dm, 0.99) },
      rtf: (mean(encoderMs) + mean(decoderMs)) / FRAME_MS,
      underruns: playback?.underruns ?? 0,
      concealed: d ? d.late + d.lost : 0,
      droppedSamples: capture?.droppedSamples ?? 0,
      worstQuantumMs: Math.max(capture?.worstQuantumMs ?? 0, playback?.worstQuantumMs ?? 0),
      latencyMs: latency(capture, playback, d?.firstSeq ?? -1),
      framesEncoded: enc.frames,
      framesDecoded: d?.frames ?? 0,
      playoutFrom: d?.firstSeq ?? -1,
      packetLateMs: d?.maxLateMs ?? 0,
    };
  };
  /**
   * Both processors run on the context's clock: frame k of the input starts k frames (plus any
   * samples dropped) after the capture began, and is played k frames (plus the silence of any
   * underrun) after the first decoded frame was. The difference is the whole path now: framing,
   * resampling, transports, compute and the playout queue (not the output device's own latency).
   */
  const latency = (capture: ProcessorStats | null, playback: ProcessorStats | null, firstSeq: number): number | null => {
    if (!capture || !playback || capture.startFrame < 0 || playback.startFrame < 0 || firstSeq < 0) return null;
    const captured = capture.startFrame + (firstSeq * context.sampleRate * FRAME_MS) / 1000 + capture.droppedSamples;
    return ((playback.startFrame + playback.underrunSamples - captured) / context.sampleRate) * 1000;
  };
  const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
  setInterval(() => {
    const m = meters();
    $('m-bps').textContent = `${Math.round(m.bitsPerSecond)}`;
    $('m-packet').textContent = m.packetBytes ? `${m.packetBytes} bytes` : '–';
    $('m-enc').textContent = `${fmt(m.encoderMs.p50)} / ${fmt(m.encoderMs.p99)}`;
    $('m-dec').textContent = `${fmt(m.decoderMs.p50)} / ${fmt(m.decoderMs.p99)}`;
    $('m-rtf').textContent = fmt(m.rtf, 3);
    $('m-underruns').textContent = `${m.underruns}`;
    $('m-concealed').textContent = `${m.concealed}`;
    $('m-dropped').textContent = `${m.droppedSamples}`;
    $('m-quantum').textContent = `${fmt(m.worstQuantumMs, 2)} ms`;
    $('m-latency').textContent = m.latencyMs === null ? '–' : `${fmt(m.latencyMs, 0)} ms`;
    $('m-late').textContent = `${fmt(m.packetLateMs, 0)} ms`;
  }, 250);
  const spectrograms = [
    new Spectrogram($<HTMLCanvasElement>('spectrogram-input'), analyserIn, 8000),
    new Spectrogram($<HTMLCanvasElement>('spectrogram-decoded'), analyserOut, 8000),
  ];
  setInterval(() => {
    if (context.state === 'running') for (const s of spectrograms) s.draw();
  }, 25);

  $('transport-info').textContent =
    `AudioContext ${context.sampleRate} Hz; codec in two workers, audio through ${encoder.transport === 'sab' ? 'SharedArrayBuffer rings (cross-origin isolated page)' : 'MessagePorts (page not cross-origin isolated)'}.`;

  api.meters = meters;
  api.records = async () => {
    const [e, d] = await Promise.all([
      params.get('record') === '1' ? encoder.record() : Promise.resolve(null),
      decoder.record(),
    ]);
    return { encoder: e, decoder: d };
  };
  api.packets = packets;
  api.settingsLog = settingsLog;
  return { sampleRate: context.sampleRate, transport: encoder.transport, crossOriginIsolated, denoiser: denoiser !== null };
}

const api = { packets: [], settingsLog: [] } as unknown as DemoApi;
api.ready = main();
api.ready.catch((err: Error) => {
  if (err.message !== 'weights missing') showError(err.message);
});
(globalThis as unknown as { soundstreamDemo: DemoApi }).soundstreamDemo = api;
