// npm run bench:dtx [-- --bitrate 3200] [--out bench/dtx-results.md] [--quick]
//
// What DTX saves on real speech and what it costs. Every clip is encoded once (the encoder runs on
// every frame, sent or not) and decoded twice: DTX off (every packet) and DTX on (speech packets,
// SIDs, and nothing in between: the receiver plays comfort noise). Reported per clip: share of
// frames sent as speech, SIDs, payload kbps (each payload counted with its 1-byte TOC as in
// src/codec/payload.ts; no transport headers), and quality: STOI and log-mel distance of each
// decode against the input (aligned; for noisy clips the clean speech), and of DTX on against DTX off.
//
// Clips: sample1 and LibriSpeech utterances as they are (read speech: few pauses), a "turn-taking"
// clip (four utterances with 2 s pauses between, as one side of a call), and that clip mixed with
// background noises from ../shared/train/noise at 15 dB SNR, pauses included.
import { writeFileSync } from 'node:fs';
import { DtxFrameDecoder, DtxFrameEncoder, type DtxFrame } from '../src/codec/dtx.js';
import { SID_BODY_BYTES } from '../src/codec/comfort-noise.js';
import { FrameDecoder, FrameEncoder } from '../src/codec/frame-codec.js';
import { evaluate } from '../src/metrics/evaluate.js';
import { logMelDistance } from '../src/metrics/log-mel.js';
import { stoi } from '../src/metrics/stoi.js';
import { haveShared, importInMemory, intOption, machineInfo, readLyraFiles } from './common.js';
import { type Clip, FRAME, haveTrainingAudio, mix, noiseClip, RATE, speechClips } from './speech-corpus.js';

const args = process.argv.slice(2);
const bitrate = intOption(args, '--bitrate', 3200);
const outIndex = args.indexOf('--out');
const outPath = outIndex >= 0 ? args[outIndex + 1] : 'bench/dtx-results.md';
const quick = args.includes('--quick');
if (!haveShared() || !haveTrainingAudio()) {
  console.error('bench:dtx needs ../shared/lyra-v2, ../shared/audio and ../shared/train');
  process.exit(2);
}

/** The payload's TOC byte (src/codec/payload.ts) in front of every packet and SID body. */
const TOC_BYTES = 1;
const PAUSE_SECONDS = 2;
const NOISES = [
  'blanket/pink-noise',
  'blanket/coffee-shop',
  'speech_commands/running_tap',
  'moodist/things_ceiling-fan',
];
const NOISE_SNR_DB = 15;

const { model } = await importInMemory(readLyraFiles());

interface Row {
  clip: string;
  seconds: number;
  sentShare: number;
  sids: number;
  kbpsOff: number;
  kbpsOn: number;
  stoiOff: number;
  stoiOn: number;
  logMelOff: number;
  logMelOn: number;
  stoiOnVsOff: number;
  logMelOnVsOff: number;
}

function measure(clip: Clip): Row {
  const encoder = new DtxFrameEncoder(new FrameEncoder(model, { bitrate }));
  const plain = new FrameDecoder(model);
  const dtx = new DtxFrameDecoder(new FrameDecoder(model));
  const frames = clip.samples.length / FRAME;
  const off = new Float32Array(clip.samples.length);
  const on = new Float32Array(clip.samples.length);
  let bytesOff = 0;
  let bytesOn = 0;
  let sent = 0;
  let sids = 0;
  for (let t = 0; t < frames; t++) {
    const input = clip.samples.subarray(t * FRAME, (t + 1) * FRAME);
    const frame: DtxFrame = encoder.encodeFrame(input);
    // DTX off sends the very packet the encoder made for this frame, whatever DTX decided.
    const packet = encoder.lastPacket as Uint8Array;
    plain.decodeFrame(packet, encoder.encoder.numQuantizers, off.subarray(t * FRAME, (t + 1) * FRAME));
    bytesOff += TOC_BYTES + packet.length;
    if (frame?.kind === 'speech') {
      sent++;
      bytesOn += TOC_BYTES + frame.packet.length;
    } else if (frame?.kind === 'sid') {
      sids++;
      bytesOn += TOC_BYTES + SID_BODY_BYTES;
    }
    dtx.decode(frame, on.subarray(t * FRAME, (t + 1) * FRAME));
  }
  const seconds = clip.samples.length / RATE;
  const reference = { samples: clip.clean ?? clip.samples, sampleRate: RATE };
  const evalOff = evaluate(reference, { samples: off, sampleRate: RATE }, { align: true });
  const evalOn = evaluate(reference, { samples: on, sampleRate: RATE }, { align: true });
  return {
    clip: clip.name,
    seconds,
    sentShare: sent / frames,
    sids,
    kbpsOff: (bytesOff * 8) / seconds / 1000,
    kbpsOn: (bytesOn * 8) / seconds / 1000,
    stoiOff: evalOff.stoi,
    stoiOn: evalOn.stoi,
    logMelOff: evalOff.logMelDistanceDb,
    logMelOn: evalOn.logMelDistanceDb,
    stoiOnVsOff: stoi(off, on, RATE),
    logMelOnVsOff: logMelDistance(off, on, RATE),
  };
}

/** Utterances with `PAUSE_SECONDS` of digital silence between them and at both ends. */
function turnTaking(utterances: Clip[]): Clip {
  const pause = PAUSE_SECONDS * RATE;
  const total = utterances.reduce((n, c) => n + c.samples.length + pause, pause);
  const out = new Float32Array(total);
  let at = pause;
  for (const c of utterances) {
    out.set(c.samples, at);
    at += c.samples.length + pause;
  }
  return { name: `turn-taking: ${utterances.length} utterances, ${PAUSE_SECONDS} s pauses`, samples: out };
}

const speech = await speechClips(quick ? 1 : 4);
const conversation = turnTaking(
  speech.slice(1, 5).map((c) => ({ ...c, samples: c.samples.slice(0, quick ? 2 * RATE : undefined) })),
);
const clips: Clip[] = [...speech, conversation];
for (const name of quick ? NOISES.slice(0, 1) : NOISES)
  clips.push(mix(conversation, await noiseClip(name), NOISE_SNR_DB));

const rows: Row[] = [];
for (const clip of clips) {
  const row = measure(clip);
  rows.push(row);
  console.log(
    `${row.clip}: sent ${(100 * row.sentShare).toFixed(1)}%, ${row.kbpsOff.toFixed(2)} -> ${row.kbpsOn.toFixed(2)} kbps, STOI ${row.stoiOff.toFixed(3)} -> ${row.stoiOn.toFixed(3)}`,
  );
}

const f = (x: number, d: number) => x.toFixed(d);
const totalSeconds = rows.reduce((s, r) => s + r.seconds, 0);
const saved = (r: Row) => 1 - r.kbpsOn / r.kbpsOff;
const info = machineInfo();
const lines = [
  '# DTX: bits saved and quality cost',
  '',
  `Measured ${info.date.slice(0, 10)} with \`npm run bench:dtx\` (${info.node}), Lyra v2 at ${bitrate} bps, int8, default DTX settings (VAD threshold 4 dB, hangover 200 ms, a SID every 400 ms in silence). ${f(totalSeconds, 1)} s of audio. kbps: payload bits (each payload with its 1-byte TOC: ${TOC_BYTES + Math.ceil(bitrate / 50 / 8)} bytes per speech frame, ${TOC_BYTES + SID_BODY_BYTES} per SID) per second of audio, no transport headers. STOI and log-mel distance (dB, lower is better) are against the input (for the noisy clips: the speech before the noise was added, so they measure what is left of the speech), after alignment; "on vs off" compares the DTX-on decode with the DTX-off decode. The turn-taking clip puts ${PAUSE_SECONDS} s of digital silence before, between and after four LibriSpeech utterances; the noisy rows add a background noise to all of it at ${NOISE_SNR_DB} dB SNR (relative to the clip's mean level).`,
  '',
  '| clip | s | frames sent | SIDs | kbps off | kbps on | saved | STOI off | STOI on | log-mel off | log-mel on | STOI on vs off | log-mel on vs off |',
  '|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...rows.map(
    (r) =>
      `| ${r.clip} | ${f(r.seconds, 1)} | ${f(100 * r.sentShare, 1)}% | ${r.sids} | ${f(r.kbpsOff, 2)} | ${f(r.kbpsOn, 2)} | ${f(100 * saved(r), 1)}% | ${f(r.stoiOff, 3)} | ${f(r.stoiOn, 3)} | ${f(r.logMelOff, 2)} | ${f(r.logMelOn, 2)} | ${f(r.stoiOnVsOff, 3)} | ${f(r.logMelOnVsOff, 2)} |`,
  ),
  '',
];
writeFileSync(outPath, lines.join('\n'));
console.log(`wrote ${outPath}`);
