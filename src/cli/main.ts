// The `soundstream` command line: import/fetch Lyra v2 weights, encode, decode, round-trip and
// inspect files. Bundled by scripts/build.mjs to dist/src/cli/main.js and run through
// bin/soundstream.mjs. Only node: built-ins; arguments are parsed by hand (args.ts); one file
// per command.
//
// Exit codes: 0 success (decode may print warnings about concealed frames), 1 an error (one
// line on stderr), 2 a usage error (unknown command or option, missing argument).

import { parseArgs, UsageError, type CommandSpec, type Context } from './args.js';
import { cmdDecode } from './decode.js';
import { cmdEncode } from './encode.js';
import { cmdEval } from './eval.js';
import { cmdFetchWeights } from './fetch-weights.js';
import { cmdImportTflite } from './import-tflite.js';
import { cmdInfo } from './info.js';
import { cmdRoundtrip } from './roundtrip.js';
import { commandUsage, USAGE } from './usage.js';

const JSON_FLAG = ['json'];
const WRITE_FLAGS = ['json', 'force'];
const COMMANDS: Record<string, CommandSpec> = {
  'import-tflite': { positionals: ['dir'], valued: ['out'], flags: JSON_FLAG, run: cmdImportTflite },
  'fetch-weights': { positionals: ['model'], valued: ['from', 'out'], flags: JSON_FLAG, run: cmdFetchWeights },
  encode: {
    positionals: ['in.wav', 'out'],
    valued: ['bitrate', 'quantizers', 'redundancy', 'format', 'model', 'denoise', 'denoise-model', 'precision'],
    flags: [...WRITE_FLAGS, 'dtx'],
    run: cmdEncode,
  },
  decode: {
    positionals: ['in', 'out.wav'],
    valued: ['format', 'bitrate', 'rate', 'model', 'denoise', 'denoise-model', 'precision'],
    flags: WRITE_FLAGS,
    run: cmdDecode,
  },
  roundtrip: {
    positionals: ['in.wav', 'out.wav'],
    valued: ['bitrate', 'quantizers', 'model', 'denoise', 'denoise-model', 'precision'],
    flags: [...WRITE_FLAGS, 'dtx'],
    run: cmdRoundtrip,
  },
  info: { positionals: ['file'], valued: [], flags: JSON_FLAG, run: cmdInfo },
  eval: { positionals: ['ref.wav', 'deg.wav'], valued: [], flags: [...JSON_FLAG, 'align'], run: cmdEval },
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

/**
 * The help `argv` asks for, or null: `<command> --help` (or -h, or `help <command>`) is that
 * command's; no arguments, or --help anywhere else, the overview. Arguments after `--` are
 * positionals, never a request for help.
 */
function helpWanted(argv: string[]): string | null {
  if (argv.length === 0) return USAGE;
  const [first, ...rest] = argv;
  const named = first === 'help' ? rest[0] : first;
  const spec = named === undefined ? undefined : Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
  if (first === 'help') return spec ? commandUsage(named!, spec.valued, spec.flags) : USAGE;
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (!options.some(isHelp)) return null;
  return spec ? commandUsage(first, spec.valued, spec.flags) : USAGE;
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const ctx: Context = {
    json: false,
    out: (text) => void process.stdout.write(`${text}\n`),
    warn: (text) => void process.stderr.write(`${text}\n`),
  };
  const help = helpWanted(argv);
  if (help !== null) {
    process.stdout.write(help);
    return 0;
  }
  const [command, ...rest] = argv;
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (!spec)
      throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const { pos, opts } = parseArgs(rest, spec, command);
    ctx.json = opts.get('json') === true;
    await spec.run(pos, opts, ctx);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.warn(`soundstream: ${oneLine(err.message)}`);
      ctx.warn(`run 'soundstream ${spec ? `${command} ` : ''}--help' for usage`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.warn(`soundstream: error: ${oneLine(message)}`);
    if (process.env.SOUNDSTREAM_DEBUG && err instanceof Error && err.stack) ctx.warn(err.stack);
    return 1;
  }
}

// Entry point: bin/soundstream.mjs imports this bundle, which runs at once. The exit code is
// set rather than forced so that stdout is flushed first when it is a pipe.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `soundstream info x.sst | head -1`: the reader has gone, so there is no one left to tell.
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
