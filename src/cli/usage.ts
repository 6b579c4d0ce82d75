// Defaults and the help texts of the `soundstream` command: the overview (`soundstream --help`)
// and each command's own (`soundstream <command> --help`), put together from the same pieces so
// that the two never disagree.

export const DEFAULT_MODEL_DIR = 'weights/lyra-v2';
export const DEFAULT_BITRATE = 9200;
export const LYRA_V2_COMMIT = '47698dadf0010abff6a848e02642f55f806d4842';
export const LYRA_V2_URL_PREFIX = `https://raw.githubusercontent.com/google/lyra/${LYRA_V2_COMMIT}/lyra/model_coeffs/`;

/** Each command's synopsis line and description (indented by 4 under the synopsis). */
const COMMANDS: Record<string, string> = {
  'import-tflite': `import-tflite <dir> [--out <dir>]
    Convert Lyra v2's soundstream_encoder.tflite, quantizer.tflite and lyragan.tflite
    found in <dir> into manifest.json + model.bin under --out (default ${DEFAULT_MODEL_DIR}).
    The folder is written atomically: nothing is left behind on failure.`,

  'fetch-weights': `fetch-weights lyra-v2 [--from <dir-or-url>] [--out <dir>]
    Get the three Lyra v2 .tflite files, check their pinned sha256, then import them as
    import-tflite does. --from: a folder, or an http(s) URL prefix to which each file name
    is appended (default ${LYRA_V2_URL_PREFIX}).`,

  encode: `encode <in.wav> <out> [--bitrate N | --quantizers N] [--redundancy N] [--dtx] [--format sst|lyra] [--model <dir>]
    WAV (any rate, mixed to mono, resampled to 16 kHz) -> encoded stream.
    --bitrate     bits per second (default ${DEFAULT_BITRATE}): any multiple of 200 from 200 to 9200,
                  one 4-bit quantizer index per 200; 3200, 6000 and 9200 (16, 30, 46 quantizers)
                  are the Lyra rates, the only ones Google's decoder reads
    --quantizers  quantizers per frame, 1..46, instead of --bitrate
    --redundancy  each frame also carries the previous frame's first N quantizers, which a
                  decoder uses when that frame is lost (sst only)
    --dtx         discontinuous transmission: in silence, a comfort-noise update every 400 ms
                  and nothing between (sst only; decode plays comfort noise there)
    --format      sst (default): checksummed container recording model, rates and frame count;
                  lyra: raw Lyra packets back to back, exactly as Google's encoder writes them
                  (Lyra rates only)`,

  decode: `decode <in> <out.wav> [--format sst|lyra] [--bitrate N] [--rate <Hz>] [--model <dir>]
    Encoded stream -> 16-bit WAV. The format is detected when --format is not given
    (anything that is not .sst is read as raw Lyra). Raw Lyra needs the --bitrate it was
    encoded at (default ${DEFAULT_BITRATE}); .sst records it per frame.
    --rate     output sample rate (default: the .sst's original input rate, else 16000)
    Damaged or lost frames (checksum mismatch, truncation) are concealed and reported on
    stderr; the exit code stays 0 as long as at least one frame decoded. Comfort-noise
    updates and the slots not sent after them (DTX: see encode) play comfort noise. A bad or
    truncated header, or a stream with no decodable frame, is an error (exit 1).`,

  roundtrip: `roundtrip <in.wav> <out.wav> [--bitrate N | --quantizers N] [--dtx] [--model <dir>]
    Encode and decode in memory, as encode then decode with the same options would; report
    packet sizes, encode/decode time, real-time factors (compute time / audio duration),
    and the quality against the 16 kHz input once the codec's delay is taken out: STOI
    (0..1, higher is better), the log-mel distance in dB (lower is better) and the SNR.
    --dtx  as encode --dtx; also report the frames sent and the kbps DTX saved.`,

  info: `info <file>
    Describe an .sst file (header, frames, bitrates, frames not sent and comfort-noise
    updates, duration, problems) or a WAV file.`,

  eval: `eval <ref.wav> <deg.wav> [--align]
    Objective quality of deg.wav against ref.wav (mono mixes): STOI (classic, 0..1, higher
    is better) and the mean absolute log-mel spectral distance in dB (lower is better).
    deg.wav is resampled to ref.wav's rate if they differ; the shorter length is compared.
    --align    first shift deg.wav by the lag, within +-0.1 s, that maximises its
               cross-correlation with ref.wav over the first 10 s (e.g. a codec's delay)`,
};

const DENOISE_OPTIONS = `  --denoise on|off       run the FiLM denoising bottleneck on the embeddings (default off);
                         the stream stays plain Lyra v2, playable by any Lyra decoder
  --denoise-model <dir>  its weights (default: the lyra-v2-denoise model shipped in the package)`;

const PRECISION_OPTIONS = `  --precision exact|fast  exact (default): float layers round as Google's runtime does, so
                         packets and audio are bit-identical to it; fast: they sum in float64,
                         about 1.3x faster, decoded audio ~40 dB SNR from exact`;

const MODEL_OPTION = `  --model <dir>  model folder (default ${DEFAULT_MODEL_DIR}, relative to the current directory)`;
const JSON_OPTION = '  --json         print one JSON object with the figures on stdout instead of text';
const FORCE_OPTION = `  --force        replace an existing output even if it is read-only, a symbolic link or
                 not a regular file`;
const FORCE_OPTION_OVERVIEW = `  --force        (encode, decode, roundtrip) replace an existing output even if it is
                 read-only, a symbolic link or not a regular file`;
const HELP_OPTION = '  -h, --help     show this help';

const ATOMIC_OUTPUTS = `Outputs are written to a temporary file beside the target and renamed into place, so a
failure or Ctrl-C never leaves a partial file, and temporaries left by a killed run are
removed by the next write to the same output; an output that is the input file is refused.`;

const EXIT_STATUS = 'Exit status: 0 success, 1 error (one line on stderr), 2 usage error.';

const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

export const USAGE = `soundstream: SoundStream / Lyra v2 speech codec in pure TypeScript

Usage:
  soundstream <command> [arguments] [options]
  soundstream <command> --help     that command's help only

Commands:
${Object.values(COMMANDS)
  .map((text) => indent(text, '  '))
  .join('\n\n')}

Denoising (encode, roundtrip; decode applies it on the receiving side):
${DENOISE_OPTIONS}

Arithmetic (encode, decode, roundtrip):
${PRECISION_OPTIONS}

Options for every command:
${MODEL_OPTION}
${JSON_OPTION}
${FORCE_OPTION_OVERVIEW}
${HELP_OPTION}

${ATOMIC_OUTPUTS}

${EXIT_STATUS}
`;

/**
 * One command's help: its synopsis and description, then only the options it takes (`valued`
 * and `flags`, as the command line parser knows them).
 */
export function commandUsage(command: string, valued: readonly string[], flags: readonly string[]): string {
  const text = COMMANDS[command];
  if (text === undefined) throw new RangeError(`no help for unknown command ${JSON.stringify(command)}`);
  const [synopsis, ...description] = text.split('\n');
  const sections = [`Usage: soundstream ${synopsis}\n\n${description.map((line) => line.slice(2)).join('\n')}`];
  if (valued.includes('denoise')) {
    const where = command === 'decode' ? ' (on the receiving side: applied to the decoded embeddings)' : '';
    sections.push(`Denoising${where}:\n${DENOISE_OPTIONS}`);
  }
  if (valued.includes('precision')) sections.push(`Arithmetic:\n${PRECISION_OPTIONS}`);
  const options = [
    valued.includes('model') ? MODEL_OPTION : null,
    flags.includes('json') ? JSON_OPTION : null,
    flags.includes('force') ? FORCE_OPTION : null,
    HELP_OPTION,
  ].filter((line) => line !== null);
  sections.push(`Options:\n${options.join('\n')}`);
  if (flags.includes('force')) sections.push(ATOMIC_OUTPUTS);
  sections.push(EXIT_STATUS);
  return `${sections.join('\n\n')}\n`;
}
