// The main command (README, "The two commands"): set up Lyra v2 weights (from ../shared/lyra-v2 when present, else
// downloaded), then encode and decode real speech at the three bitrates through the CLI and
// print a table of size, speed and quality (STOI, log-mel distance). Usage: npm run demo [-- <file.wav>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const cli = (args) => {
  const run = spawnSync(process.execPath, ['bin/soundstream.mjs', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) {
    console.error(`soundstream ${args.join(' ')} failed (exit ${run.status})`);
    process.exit(1);
  }
  return run.stdout;
};

const model = 'weights/lyra-v2';
// Weights from an older importer are re-made (the importer's revision is in the manifest).
const manifestPath = join(model, 'manifest.json');
const stale =
  existsSync(manifestPath) && JSON.parse(readFileSync(manifestPath, 'utf8')).provenance?.importRevision !== 2;
if (!existsSync(manifestPath) || stale) {
  if (existsSync('../shared/lyra-v2/lyragan.tflite')) {
    console.log('Importing Lyra v2 weights from ../shared/lyra-v2 ...');
    cli(['import-tflite', '../shared/lyra-v2', '--out', model]);
  } else {
    console.log('Downloading Lyra v2 weights (google/lyra, pinned commit, sha256-checked) ...');
    cli(['fetch-weights', 'lyra-v2', '--out', model]);
  }
}

const input = process.argv[2] ?? '../shared/audio/sample1_48kHz.wav';
mkdirSync('out', { recursive: true });
const stem = basename(input).replace(/\.wav$/i, '');
const rows = [];
for (const bitrate of [3200, 6000, 9200]) {
  const sst = join('out', `${stem}.${bitrate}.sst`);
  cli(['encode', input, sst, '--bitrate', String(bitrate), '--model', model]);
  const decoded = join('out', `${stem}.${bitrate}.wav`);
  const r = JSON.parse(cli(['roundtrip', input, decoded, '--bitrate', String(bitrate), '--model', model, '--json']));
  const q = JSON.parse(cli(['eval', input, decoded, '--align', '--json']));
  rows.push({
    bitrate,
    quantizers: r.numQuantizers,
    sstBytes: statSync(sst).size,
    packetBytes: r.totalPacketBytes,
    seconds: r.inputDurationSeconds,
    encodeRtf: r.encodeRtf,
    decodeRtf: r.decodeRtf,
    stoi: q.stoi,
    logMel: q.logMelDistanceDb,
  });
}
console.log(`\n${input}: ${rows[0].seconds.toFixed(2)} s of speech, encoded and decoded on one thread\n`);
console.log(
  '| bitrate (bps) | quantizers | .sst file (bytes) | raw Lyra packets (bytes) | .sst overhead | encoder RTF | decoder RTF | STOI | log-mel distance (dB) |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.bitrate} | ${r.quantizers} | ${r.sstBytes} | ${r.packetBytes} | ${((100 * (r.sstBytes - r.packetBytes)) / r.packetBytes).toFixed(1)}% | ${r.encodeRtf.toFixed(3)} | ${r.decodeRtf.toFixed(3)} | ${r.stoi.toFixed(3)} | ${r.logMel.toFixed(2)} |`,
  );
}
console.log(
  '\nRTF = compute time / audio duration (below 1 is faster than real time). Quality against the input, after',
);
console.log('aligning the codec delay: STOI (0..1, higher is better) and mean log-mel spectral distance (lower is');
console.log('better), not waveform SNR, which a generative codec does not keep. The decoded WAVs are in out/.');
