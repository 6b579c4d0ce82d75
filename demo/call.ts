// The call page: two browsers talk through WebRTC. Each page encodes its microphone with the
// encoder node and sends the packets over an unordered RTCDataChannel without retransmission
// (maxRetransmits 0: a late packet is worth nothing to the jitter buffer), each Lyra packet in an
// RTP packet (src/codec/rtp.ts, docs/rtp.md); the other page's decoder node plays them through
// its adaptive playout and conceals what is lost. Signaling goes through the demo server's
// WebSocket rooms (demo/signaling.ts); ICE uses no STUN or TURN server, so the peers reach each
// other by their host candidates: same machine or same network.
//
// Query parameters: ?room=NAME (made up and put in the address when absent), ?rate=48000
// (AudioContext rate), ?transport=sab|port, ?source=mic|sample|<URL of an audio file to loop as
// the microphone> (starts it at once), ?bitrate=3200|6000|9200, ?jitter=MS and ?safety=MS (floors
// under the decoder's adaptive jitter allowance and compute margin: docs/playout.md). The browser tests drive the page through globalThis.soundstreamCall.
// SoundStream payloads (payload type 97; both pages must use the same format): ?format=soundstream,
// ?bitrate=200..9200 (a multiple of 200), ?dtx=1 (frames not sent leave an RTP timestamp gap),
// ?redundancy=N, ?adapt=1 (the rate controller steps the rate on the loss the other side reports).

import { BitrateTable } from '../src/codec/bitrates.js';
import { resolveEncoderFormat } from '../src/codec/frame-codec.js';
import { RateController } from '../src/codec/rate-controller.js';
import { LyraRtpDepayloader, LyraRtpPayloader, readLyraRtpPacket, RtpPacketError } from '../src/codec/rtp.js';
import { SoundstreamDecoderNode, SoundstreamEncoderNode, type EncodedPacket } from '../src/web/nodes.js';
import { PacketMessageError } from '../src/web/packet-message.js';
import type { TransportKind } from '../src/web/protocol.js';
import {
  computeMeters,
  DecoderWatch,
  EncoderWatch,
  meterTable,
  type Meters,
  type ReceivingSide,
  type SendingSide,
} from './meters.js';
import { $, loadModels, openMicrophone, payloadControls, showError } from './page.js';
import type { SignalFromServer } from './signaling.js';

const params = new URLSearchParams(location.search);
/** Dynamic payload types; with the data channel there is no SDP to agree them in, so both sides use these (docs/rtp.md). */
const PAYLOAD_TYPES = { lyra: 96, soundstream: 97 } as const;
/** A Lyra frame (ms): the decoder's frame numbers to the sender's timeline. */
const FRAME_MS = 20;
/** Records of packets kept for the tests and the meters (10 minutes of frames). */
const MAX_RECORDS = 30_000;

/** One side's snapshot, sent to the other page every half second over the 'meters' channel. */
interface SideReport {
  sending: SendingSide;
  receiving: ReceivingSide;
  /** The encoder frame of the first packet sent in this call (the receiver counts frames from it). */
  firstFrameSent: number;
}

export interface PacketRecord {
  /** Sent: the encoder's frame number. Received: the frame number from the RTP timestamp (0 = the first received). */
  frame: number;
  /** The RTP packet, hex. */
  rtp: string;
  /** When it was handed to / came out of the data channel: performance.timeOrigin + now(), ms (one clock for every page on a machine). */
  atMs: number;
}

export interface CandidatePair {
  local: { address: string; port: number; protocol: string; candidateType: string };
  remote: { address: string; port: number; protocol: string; candidateType: string };
  rttMs: number | null;
}

interface CallApi {
  ready: Promise<{
    sampleRate: number;
    transport: TransportKind;
    crossOriginIsolated: boolean;
    denoiser: boolean;
    userAgent: string;
  }>;
  /** Resolves when the packet channel is open. */
  connected: Promise<void>;
  meters(): { outgoing: Meters | null; incoming: Meters | null };
  records(): { sent: PacketRecord[]; received: PacketRecord[]; rejected: number; firstFrameSent: number };
  stopSending(): void;
  candidatePair(): Promise<CandidatePair | null>;
  /** The ICE candidates this side gathered and was given, as SDP lines. */
  ice: { local: string[]; remote: string[] };
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function randomUint32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** The pair ICE chose, from the connection's statistics (Chromium: the transport's selectedCandidatePairId; Firefox: `selected`). */
async function selectedPair(pc: RTCPeerConnection): Promise<CandidatePair | null> {
  const report = await pc.getStats();
  type Stat = Record<string, unknown> & { id: string; type: string };
  const all = [...(report as unknown as Map<string, Stat>).values()];
  const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const pair =
    (transport && all.find((s) => s.id === transport.selectedCandidatePairId)) ??
    all.find((s) => s.type === 'candidate-pair' && s.selected === true) ??
    all.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  if (!pair) return null;
  const describe = (id: unknown) => {
    const c = all.find((s) => s.id === id) ?? ({} as Stat);
    return {
      address: String(c.address ?? c.ip ?? ''),
      port: Number(c.port),
      protocol: String(c.protocol ?? ''),
      candidateType: String(c.candidateType ?? ''),
    };
  };
  const rtt = pair.currentRoundTripTime;
  return {
    local: describe(pair.localCandidateId),
    remote: describe(pair.remoteCandidateId),
    rttMs: typeof rtt === 'number' ? rtt * 1000 : null,
  };
}

async function main(): Promise<Awaited<CallApi['ready']>> {
  let room = params.get('room') ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(room)) {
    room = `room-${randomUint32().toString(36)}`;
    params.set('room', room);
    history.replaceState(null, '', `?${params}`);
  }
  const invite = $<HTMLAnchorElement>('invite');
  invite.href = invite.textContent = location.href;

  const { codec, denoiser } = await loadModels();
  const context = new AudioContext({ sampleRate: Number(params.get('rate')) || undefined, latencyHint: 'interactive' });
  const transport = (params.get('transport') as TransportKind | null) ?? 'auto';
  const bitrate = Number(params.get('bitrate')) || 6000;
  const jitterMs = params.has('jitter') ? Number(params.get('jitter')) : 0;
  const safetyMs = params.has('safety') ? Number(params.get('safety')) : 0;
  const redundancyQuantizers = Number(params.get('redundancy')) || 0;
  const payload = {
    bitrate,
    dtx: params.get('dtx') === '1',
    redundancy: redundancyQuantizers > 0 ? { quantizers: redundancyQuantizers } : (false as const),
    packetFormat: params.get('format') === 'soundstream' ? ('soundstream' as const) : undefined,
  };
  const table = BitrateTable.of(codec);
  // The other page is taken to send what this one does (the same address but the room).
  const packetFormat = resolveEncoderFormat(table, payload).packetFormat;
  const payloadType = PAYLOAD_TYPES[packetFormat];
  const [encoder, decoder] = await Promise.all([
    SoundstreamEncoderNode.create(context, { model: codec, denoiser: denoiser ?? undefined, transport, ...payload }),
    SoundstreamDecoderNode.create(context, { model: codec, transport, jitterMs, safetyMs, packetFormat }),
  ]);
  $('loading').hidden = true;
  for (const node of [encoder, decoder])
    node.addEventListener('error', (e) => showError(String((e as CustomEvent<Error>).detail.message)));
  decoder.output.connect(context.destination);
  const encoderWatch = new EncoderWatch(encoder, context);
  const decoderWatch = new DecoderWatch(decoder, context);

  // The microphone (or a file looped in its place).
  let stopSource: () => void = () => {};
  const sourceButtons = ['src-mic', 'src-sample'].map((id) => $<HTMLButtonElement>(id));
  const use = async (make: () => Promise<{ node: AudioNode; stop: () => void }>, button: HTMLButtonElement | null) => {
    await context.resume();
    stopSource();
    const { node, stop } = await make();
    node.connect(encoder.input);
    stopSource = () => {
      stop();
      node.disconnect();
    };
    for (const b of sourceButtons) b.classList.toggle('active', b === button);
  };
  const microphone = () => openMicrophone(context);
  const loopFile = (url: string) => async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    const node = context.createBufferSource();
    node.buffer = await context.decodeAudioData(await response.arrayBuffer());
    node.loop = true;
    node.start();
    return { node, stop: () => node.stop() };
  };
  $('src-mic').onclick = () =>
    use(microphone, sourceButtons[0]).catch((err: Error) => showError(`microphone: ${err.message}`));
  $('src-sample').onclick = () =>
    use(loopFile('sample.wav'), sourceButtons[1]).catch((err: Error) => showError(`sample: ${err.message}`));
  $('src-mute').onclick = () => {
    stopSource();
    stopSource = () => {};
    for (const b of sourceButtons) b.classList.remove('active');
  };
  for (const id of ['src-mic', 'src-sample', 'src-mute']) $<HTMLButtonElement>(id).disabled = false;
  const source = params.get('source');
  if (source === 'mic') await use(microphone, sourceButtons[0]);
  else if (source === 'sample') await use(loopFile('sample.wav'), sourceButtons[1]);
  else if (source) await use(loopFile(source), null);

  // Settings of this side: what it sends, how it plays what it receives.
  const ladder = $<HTMLInputElement>('ladder');
  const radios = Array.from(document.querySelectorAll<HTMLInputElement>('input[name=bitrate]'));
  const setBitrate = (bps: number) => {
    encoder.setBitrate(bps);
    ladder.value = String(bps);
    $('ladder-out').textContent = `${bps} bps`;
    for (const input of radios) input.checked = Number(input.value) === bps;
  };
  for (const input of radios) input.onchange = () => setBitrate(Number(input.value));
  ladder.disabled = encoder.packetFormat !== 'soundstream';
  ladder.oninput = () => setBitrate(Number(ladder.value));
  setBitrate(encoder.bitrate);
  const adaptBox = $<HTMLInputElement>('adapt');
  adaptBox.checked = params.get('adapt') === '1';
  payloadControls(encoder, params, () => ({ adapt: adaptBox.checked ? '1' : '0' }));
  // The rate controller (docs/rates.md) on the other side's reports of what it received from us,
  // as RTCP receiver reports carry it: the fraction lost since the previous report. In a Lyra
  // stream it steps along the three Lyra rates, in a SoundStream one along the 200 bps ladder.
  const controller =
    encoder.packetFormat === 'soundstream'
      ? new RateController({
          initialQuantizers: table.ladderQuantizersFor(encoder.bitrate),
          minQuantizers: Math.min(4, table.ladderQuantizersFor(encoder.bitrate)),
        })
      : new RateController({ ladder: [16, 30, 46], initialQuantizers: table.quantizersFor(encoder.bitrate) });
  let reported = { lost: 0, received: 0 };
  const onReport = (report: SideReport) => {
    const stats = report.receiving.stats;
    if (!stats) return;
    const lost = stats.packetsLost - reported.lost;
    const received = stats.packetsReceived - reported.received;
    reported = { lost: stats.packetsLost, received: stats.packetsReceived };
    if (!adaptBox.checked || lost < 0 || lost + received <= 0) return;
    const bps = table.bitrateFor(controller.report({ fractionLost: lost / (lost + received) }));
    if (bps !== encoder.bitrate) setBitrate(bps);
  };
  const denoise = $<HTMLInputElement>('denoise');
  denoise.disabled = !denoiser;
  denoise.onchange = () => encoder.setDenoise(denoise.checked);
  // The decoder starts with the address's floors; a slider applies only what the user moves it to
  // (it once applied its own clamped value at start: ?safety=150 became a 100 ms floor).
  const slider = (id: string, initial: number, apply: (v: number) => void) => {
    const input = $<HTMLInputElement>(id);
    if (initial > Number(input.max)) input.max = String(initial);
    input.value = String(initial);
    const show = () => {
      $(`${id}-out`).textContent = `${input.value} ms`;
    };
    input.oninput = () => {
      show();
      apply(Number(input.value));
    };
    show();
  };
  slider('jitter-buffer', jitterMs, (v) => decoder.setPlayoutBuffer({ jitterMs: v }));
  slider('safety', safetyMs, (v) => decoder.setPlayoutBuffer({ safetyMs: v }));

  // The call.
  const sent: PacketRecord[] = [];
  const received: PacketRecord[] = [];
  let rejected = 0;
  let sending = true;
  let packetsChannel: RTCDataChannel | null = null;
  let metersChannel: RTCDataChannel | null = null;
  let pc: RTCPeerConnection | null = null;
  let payloader: LyraRtpPayloader | null = null;
  let depayloader = new LyraRtpDepayloader();
  let firstFrameSent = -1;
  let remote: SideReport | null = null;
  let markConnected: () => void = () => {};
  api.connected = new Promise<void>((resolve) => (markConnected = resolve));
  const state = (text: string) => ($('call-state').textContent = text);

  encoder.addEventListener('packet', (e) => {
    const { seq, packet } = (e as CustomEvent<EncodedPacket>).detail;
    // A frame DTX did not send: nothing goes out; the next packet's RTP timestamp skips it.
    if (packet.length === 0) return;
    if (!sending || !payloader || packetsChannel?.readyState !== 'open') return;
    const rtp = payloader.packetize(packet, seq);
    packetsChannel.send(rtp as Uint8Array<ArrayBuffer>);
    if (firstFrameSent < 0) firstFrameSent = seq;
    if (sent.length < MAX_RECORDS)
      sent.push({ frame: seq, rtp: hex(rtp), atMs: performance.timeOrigin + performance.now() });
  });
  const receive = (e: MessageEvent<ArrayBuffer>) => {
    const bytes = new Uint8Array(e.data);
    try {
      const rtp = readLyraRtpPacket(bytes, payloadType, packetFormat);
      const frame = depayloader.frameOf(rtp);
      if (frame === null) return;
      decoder.push(rtp.payload.slice(), frame);
      if (received.length < MAX_RECORDS)
        received.push({ frame, rtp: hex(bytes), atMs: performance.timeOrigin + performance.now() });
    } catch (err) {
      if (!(err instanceof RtpPacketError || err instanceof PacketMessageError)) throw err;
      rejected++;
    }
  };

  const ws = new WebSocket(
    `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal?room=${encodeURIComponent(room)}`,
  );
  const signal = (message: unknown) => ws.send(JSON.stringify(message));
  const hangUp = () => {
    pc?.close();
    pc = packetsChannel = metersChannel = null;
    payloader = null;
    remote = null;
  };
  const startCall = async (initiator: boolean) => {
    hangUp();
    depayloader = new LyraRtpDepayloader();
    decoder.restart();
    firstFrameSent = -1;
    reported = { lost: 0, received: 0 };
    payloader = new LyraRtpPayloader({
      payloadType,
      format: packetFormat,
      ssrc: randomUint32(),
      sequenceNumber: randomUint32() & 0xffff,
      timestamp: randomUint32(),
    });
    const connection = new RTCPeerConnection({ iceServers: [] });
    pc = connection;
    connection.onicecandidate = (e) => {
      if (!e.candidate) return;
      api.ice.local.push(e.candidate.candidate);
      signal({ type: 'candidate', candidate: e.candidate.toJSON() });
    };
    connection.onconnectionstatechange = () => {
      state(`connection: ${connection.connectionState}`);
      if (connection.connectionState === 'connected') {
        void selectedPair(connection).then((p) => {
          if (p)
            state(
              `connected: ${p.local.address}:${p.local.port} ↔ ${p.remote.address}:${p.remote.port} (${p.local.protocol}, ${p.local.candidateType})`,
            );
        });
      }
    };
    // Negotiated channels (same ids on both sides): nothing to wait for but the connection.
    const packets = connection.createDataChannel('lyra', {
      negotiated: true,
      id: 0,
      ordered: false,
      maxRetransmits: 0,
    });
    const meters = connection.createDataChannel('meters', { negotiated: true, id: 1 });
    packets.binaryType = 'arraybuffer';
    packets.onmessage = receive;
    packets.onopen = () => {
      packetsChannel = packets;
      metersChannel = meters;
      $<HTMLButtonElement>('hang-up').disabled = false;
      markConnected();
    };
    meters.onmessage = (e: MessageEvent<string>) => {
      remote = JSON.parse(e.data) as SideReport;
      onReport(remote);
    };
    if (initiator) {
      await connection.setLocalDescription(await connection.createOffer());
      signal(connection.localDescription!.toJSON());
    }
  };
  // One message at a time, in order: a candidate must not overtake the description it belongs to.
  let signaling = Promise.resolve();
  ws.onmessage = (e: MessageEvent<string>) => {
    signaling = signaling
      .then(async () => {
        const message = JSON.parse(e.data) as
          | SignalFromServer
          | RTCSessionDescriptionInit
          | { type: 'candidate'; candidate: RTCIceCandidateInit };
        if (message.type === 'start') await startCall(message.initiator);
        else if (message.type === 'peer-left') {
          hangUp();
          state('the other side left; waiting for someone to join…');
        } else if (message.type === 'candidate') await pc?.addIceCandidate(message.candidate);
        else if (message.type === 'offer' && pc) {
          await pc.setRemoteDescription(message as RTCSessionDescriptionInit);
          await pc.setLocalDescription(await pc.createAnswer());
          signal(pc.localDescription!.toJSON());
        } else if (message.type === 'answer' && pc) await pc.setRemoteDescription(message as RTCSessionDescriptionInit);
      })
      .catch((err: Error) => showError(`signaling: ${err.message}`));
  };
  ws.onclose = (e) => {
    if (e.code === 4001)
      showError(`room ${room} already has two people in it: open the page without ?room= to start another call`);
  };
  $('hang-up').onclick = () => {
    hangUp();
    ws.close();
    state('hung up');
    $<HTMLButtonElement>('hang-up').disabled = true;
  };

  // Meters: this side's half of each direction here, the other half from the other page.
  const mine = (): SideReport => ({
    sending: encoderWatch.snapshot(),
    receiving: decoderWatch.snapshot(),
    firstFrameSent,
  });
  /** The decoder counts frames from the first packet it received; the meters count the encoder's. */
  const inSenderFrames = (r: ReceivingSide, firstFrame: number): ReceivingSide => {
    if (!r.stats || r.stats.firstSeq < 0 || firstFrame < 0) return r;
    const { firstSeq, playing } = r.stats;
    const shifted = playing && { ...playing, timelineMs: playing.timelineMs + firstFrame * FRAME_MS };
    return { ...r, stats: { ...r.stats, firstSeq: firstSeq + firstFrame, playing: shifted } };
  };
  const meters = () => {
    const me = mine();
    return {
      outgoing: remote ? computeMeters(me.sending, inSenderFrames(remote.receiving, me.firstFrameSent)) : null,
      incoming: remote ? computeMeters(remote.sending, inSenderFrames(me.receiving, remote.firstFrameSent)) : null,
    };
  };
  const showOut = meterTable($('meters-out'), 'out-');
  const showIn = meterTable($('meters-in'), 'in-');
  setInterval(() => {
    if (metersChannel?.readyState === 'open') metersChannel.send(JSON.stringify(mine()));
    const m = meters();
    if (m.outgoing) showOut(m.outgoing);
    if (m.incoming) showIn(m.incoming);
  }, 500);
  $('transport-info').textContent =
    `AudioContext ${context.sampleRate} Hz; codec in two workers, audio through ${encoder.transport === 'sab' ? 'SharedArrayBuffer rings (cross-origin isolated page)' : 'MessagePorts (page not cross-origin isolated)'}.`;

  api.meters = meters;
  api.records = () => ({ sent, received, rejected, firstFrameSent });
  api.stopSending = () => {
    sending = false;
  };
  api.candidatePair = async () => (pc ? selectedPair(pc) : null);
  return {
    sampleRate: context.sampleRate,
    transport: encoder.transport,
    crossOriginIsolated,
    denoiser: denoiser !== null,
    userAgent: navigator.userAgent,
  };
}

const api = { ice: { local: [], remote: [] } } as unknown as CallApi;
api.ready = main();
api.ready.catch((err: Error) => {
  if (err.message !== 'weights missing') showError(err.message);
});
(globalThis as unknown as { soundstreamCall: CallApi }).soundstreamCall = api;
