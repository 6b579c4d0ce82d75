// The demo page: a source (microphone, the sample or a dropped WAV) -> encoder node -> simulated
// network -> decoder node -> speakers, with live controls, spectrograms and meters.
// Query parameters: ?rate=48000 (AudioContext rate; default: the device's), ?transport=sab|port,
// ?record=1 (keep the encoder's input too, for the browser tests), ?overload=off (the nodes never
// drop frames nor shed load: for comparison on a device too slow), ?quantile=0.99 (the decoder's
// playout quantile, DecoderNodeOptions.quantile). SoundStream payloads
// (docs/web-audio.md): ?format=soundstream, ?bitrate=200..9200 (a multiple of 200), ?dtx=1,
// ?redundancy=N (quantizers of the previous frame in each payload); DTX and redundancy imply the
// format. The nodes are made with them, so the page's payload controls reload it.

import { BitrateTable } from '../src/codec/bitrates.js';
import { resolveEncoderFormat } from '../src/codec/frame-codec.js';
import { encodeSst, sstFrameOfPacket } from '../src/codec/sst.js';
import { encodeWav } from '../src/audio/wav.js';
import { SoundstreamDecoderNode, SoundstreamEncoderNode, type EncodedPacket } from '../src/web/nodes.js';
import type { DecoderRecord, EncoderRecord, OverloadReport, TransportKind } from '../src/web/protocol.js';
import { computeMeters, DecoderWatch, EncoderWatch, meterTable, type Meters } from './meters.js';
import type { NetworkSettings } from './network.js';
import type { NetworkControl } from './network-worker.js';
import { $, loadModels, openMicrophone, payloadControls, showError } from './page.js';
import { Spectrogram } from './spectrogram.js';
import { StarvedPage } from './starved-page.js';

const params = new URLSearchParams(location.search);
/** The spectrograms: a column every SAMPLE_MS, the canvases redrawn every DRAW_MS (the SLOW_ ones on a starved page). */
const SAMPLE_MS = 25;
const DRAW_MS = 100;
const SLOW_SAMPLE_MS = 50;
const SLOW_DRAW_MS = 500;

export type { Meters };

interface DemoApi {
  ready: Promise<{
    sampleRate: number;
    baseLatency: number;
    transport: TransportKind;
    crossOriginIsolated: boolean;
    denoiser: boolean;
  }>;
  meters(): Meters;
  /** A delay spike of `ms` on the simulated network. */
  spike(ms: number): void;
  records(): Promise<{ encoder: EncoderRecord | null; decoder: DecoderRecord }>;
  packets: Uint8Array[];
  settingsLog: { fromFrame: number; bitrate: number; denoise: boolean }[];
  /** Every 'overload' event of both nodes, in order. */
  overloads: OverloadReport[];
  /** Whether the page found itself starved of CPU and draws its spectrograms less often (starved-page.ts). */
  visualsSlowed(): boolean;
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
  const network = new Worker(new URL('./network-worker.js', import.meta.url), {
    type: 'module',
    name: 'simulated network',
  });
  const networkReady = new Promise<void>((resolve, reject) => {
    network.onmessage = () => resolve();
    network.onerror = (e) => reject(new Error(`network worker: ${e.message || 'failed to load'}`));
  });
  const transport = (params.get('transport') as TransportKind | null) ?? 'auto';
  const overload = params.get('overload') === 'off' ? { maxBacklogMs: Infinity, shedLoad: false } : {};
  const redundancyQuantizers = Number(params.get('redundancy')) || 0;
  const payload = {
    bitrate: Number(params.get('bitrate')) || 6000,
    dtx: params.get('dtx') === '1',
    redundancy: redundancyQuantizers > 0 ? { quantizers: redundancyQuantizers } : (false as const),
    packetFormat: params.get('format') === 'soundstream' ? ('soundstream' as const) : undefined,
  };
  // The device cannot keep up: say so, with what each node measured and did about it (listened to
  // from creation on: a node created before the other may already be reporting).
  const overloads: OverloadReport[] = [];
  const latestOverload: { encoder?: OverloadReport; decoder?: OverloadReport } = {};
  const shed = new Set<string>();
  let overloadShownUntil = 0;
  const showOverload = (e: Event) => {
    const report = (e as CustomEvent<OverloadReport>).detail;
    overloads.push(report);
    latestOverload[report.node] = report;
    if (report.shed === 'precision-fast') shed.add(`${report.node}: fast float path`);
    const parts = Object.values(latestOverload).map(
      (r) =>
        `the ${r.node} needs ${r.computeMs.toFixed(1)} ms per ${r.budgetMs} ms frame (${r.droppedFrames} frames ${r.node === 'encoder' ? 'dropped' : 'skipped'} so far)`,
    );
    const banner = $('overload');
    banner.textContent = `This device is too slow for real time: ${parts.join('; ')}.${shed.size > 0 ? ` Load shed: ${[...shed].join(', ')}.` : ''}`;
    banner.hidden = false;
    overloadShownUntil = performance.now() + 3000;
  };
  setInterval(() => {
    if (performance.now() > overloadShownUntil) $('overload').hidden = true;
  }, 500);
  const watchOverload = <T extends EventTarget>(node: T) => {
    node.addEventListener('overload', showOverload);
    return node;
  };
  const [encoder, decoder] = await Promise.all([
    SoundstreamEncoderNode.create(context, {
      model: codec,
      denoiser: denoiser ?? undefined,
      transport,
      record: params.get('record') === '1',
      ...payload,
      ...overload,
    }).then(watchOverload),
    SoundstreamDecoderNode.create(context, {
      model: codec,
      transport,
      record: true,
      // What the encoder will write (the codec's rule, which the encoder node applies too).
      packetFormat: resolveEncoderFormat(BitrateTable.of(codec), payload).packetFormat,
      quantile: Number(params.get('quantile')) || undefined,
      ...overload,
    }).then(watchOverload),
  ]);
  if (decoder.packetFormat !== encoder.packetFormat)
    throw new Error(
      `the decoder reads '${decoder.packetFormat}' packets, the encoder writes '${encoder.packetFormat}'`,
    );
  $('loading').hidden = true;
  for (const node of [encoder, decoder])
    node.addEventListener('error', (e) => showError(String((e as CustomEvent<Error>).detail.message)));

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
  const settingsLog: DemoApi['settingsLog'] = [];
  encoder.addEventListener('packet', (e) => packets.push((e as CustomEvent<EncodedPacket>).detail.packet));
  encoder.addEventListener('settings', (e) =>
    settingsLog.push((e as CustomEvent<DemoApi['settingsLog'][number]>).detail),
  );
  const encoderWatch = new EncoderWatch(encoder, context);
  const decoderWatch = new DecoderWatch(decoder, context);

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
  $('src-mic').onclick = () =>
    use(() => openMicrophone(context), $<HTMLButtonElement>('src-mic')).catch((err: Error) =>
      showError(`microphone: ${err.message}`),
    );
  $('src-sample').onclick = () =>
    use(async () => {
      const response = await fetch('sample.wav');
      if (!response.ok)
        throw new Error(
          'the sample (../shared/audio/sample1_48kHz.wav, served by npm run web) is not available here: drop a WAV instead',
        );
      return bufferSource(await context.decodeAudioData(await response.arrayBuffer()))();
    }, $<HTMLButtonElement>('src-sample')).catch((err: Error) => showError(`sample: ${err.message}`));
  const playFile = (file: File) =>
    use(async () => bufferSource(await context.decodeAudioData(await file.arrayBuffer()))(), null).catch((err: Error) =>
      showError(`${file.name}: ${err.message}`),
    );
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
  const ladder = $<HTMLInputElement>('ladder');
  const showLadder = (bps: number) => {
    ladder.value = String(bps);
    $('ladder-out').textContent = `${bps} bps`;
  };
  for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[name=bitrate]'))) {
    input.checked = Number(input.value) === encoder.bitrate;
    input.onchange = () => {
      encoder.setBitrate(Number(input.value));
      showLadder(encoder.bitrate);
    };
  }
  // Any rate of the 200 bps ladder needs SoundStream payloads; DTX and redundancy are the nodes' settings, so they restart the page.
  showLadder(encoder.bitrate);
  ladder.disabled = encoder.packetFormat !== 'soundstream';
  ladder.oninput = () => {
    encoder.setBitrate(Number(ladder.value));
    showLadder(encoder.bitrate);
    for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[name=bitrate]')))
      input.checked = Number(input.value) === encoder.bitrate;
  };
  payloadControls(encoder, params);
  for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[name=listen]')))
    input.onchange = () => listen(input.value);
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
  slider(
    'loss',
    (v) => `${v} %`,
    (v) => networkSettings({ loss: v / 100 }),
  );
  slider(
    'burst',
    (v) => (v === 1 ? '1 frame' : `${v} frames`),
    (v) => networkSettings({ burst: v }),
  );
  slider(
    'jitter',
    (v) => `${v} ms`,
    (v) => networkSettings({ jitterMs: v }),
  );
  slider(
    'drift',
    (v) => `${v} %`,
    (v) => networkSettings({ driftPercent: v }),
  );
  const spike = (ms: number) => control({ type: 'spike', ms });
  $('spike').onclick = () => spike(200);
  $<HTMLButtonElement>('spike').disabled = false;
  slider(
    'jitter-buffer',
    (v) => `${v} ms`,
    (v) => decoder.setPlayoutBuffer({ jitterMs: v }),
  );

  // Downloads.
  const codecManifest = codec.manifest;
  const quantizer = codecManifest.quantizer!;
  const table = BitrateTable.of(codec);
  $('dl-sst').onclick = () => {
    const sha = codecManifest.blob.sha256;
    const prefix = new Uint8Array(8).map((_, i) => parseInt(sha.slice(2 * i, 2 * i + 2), 16));
    const sst = encodeSst(
      {
        modelId: codecManifest.model,
        modelSha256Prefix: prefix,
        sampleRate: codecManifest.sampleRate,
        frameSize: codecManifest.frameSize,
        bitsPerIndex: quantizer.bitsPerIndex,
        inputSampleRate: context.sampleRate,
        frameCount: null,
      },
      packets.map((packet) => sstFrameOfPacket(packet, encoder.packetFormat, table)),
    );
    download(sst, 'soundstream-demo.sst', 'application/octet-stream');
  };
  $('dl-wav').onclick = async () => {
    const record = await decoder.record();
    download(encodeWav(record.pcm, record.modelRate), 'soundstream-demo-decoded.wav', 'audio/wav');
  };
  for (const id of ['dl-wav', 'dl-sst']) $<HTMLButtonElement>(id).disabled = false;

  // Meters and spectrograms.
  const meters = (): Meters => computeMeters(encoderWatch.snapshot(), decoderWatch.snapshot());
  const showMeters = meterTable($('meters'), 'm-');
  setInterval(() => showMeters(meters()), 250);
  const spectrograms = [
    new Spectrogram($<HTMLCanvasElement>('spectrogram-input'), analyserIn, 8000),
    new Spectrogram($<HTMLCanvasElement>('spectrogram-decoded'), analyserOut, 8000),
  ];
  // A column every 25 ms, the canvases redrawn every 100 ms; on a page starved of CPU (its own
  // timers late) every 50 and 500 ms, so that the codec gets the CPU first.
  const starved = new StarvedPage(SAMPLE_MS);
  let lastSample = performance.now();
  const sample = () => {
    const now = performance.now();
    if (!starved.starved && starved.tick(now - lastSample, document.hidden))
      $('visuals-note').textContent =
        `Spectrograms redrawn every ${SLOW_DRAW_MS / 1000} s: this page's timers run late, so the device is short of CPU and the codec comes first.`;
    lastSample = now;
    if (context.state === 'running') for (const s of spectrograms) s.sample();
    setTimeout(sample, starved.starved ? SLOW_SAMPLE_MS : SAMPLE_MS);
  };
  const draw = () => {
    for (const s of spectrograms) s.draw();
    setTimeout(draw, starved.starved ? SLOW_DRAW_MS : DRAW_MS);
  };
  setTimeout(sample, SAMPLE_MS);
  setTimeout(draw, DRAW_MS);

  $('transport-info').textContent =
    `AudioContext ${context.sampleRate} Hz; codec in two workers, audio through ${encoder.transport === 'sab' ? 'SharedArrayBuffer rings (cross-origin isolated page)' : 'MessagePorts (page not cross-origin isolated)'}.`;

  api.meters = meters;
  api.visualsSlowed = () => starved.starved;
  api.spike = spike;
  api.records = async () => {
    const [e, d] = await Promise.all([
      params.get('record') === '1' ? encoder.record() : Promise.resolve(null),
      decoder.record(),
    ]);
    return { encoder: e, decoder: d };
  };
  api.packets = packets;
  api.settingsLog = settingsLog;
  api.overloads = overloads;
  return {
    sampleRate: context.sampleRate,
    baseLatency: context.baseLatency,
    transport: encoder.transport,
    crossOriginIsolated,
    denoiser: denoiser !== null,
  };
}

const api = { packets: [], settingsLog: [], overloads: [] } as unknown as DemoApi;
api.ready = main();
api.ready.catch((err: Error) => {
  if (err.message !== 'weights missing') showError(err.message);
});
(globalThis as unknown as { soundstreamDemo: DemoApi }).soundstreamDemo = api;
