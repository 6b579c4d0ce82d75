// Hand-written argument parsing for the CLI's commands.

/** A wrong invocation: unknown command or option, missing or malformed argument (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type OptionValues = Map<string, string | true>;

export interface CommandSpec {
  positionals: string[];
  /** Options that take a value. */
  valued: string[];
  /** Options that are plain flags. */
  flags: string[];
  run: (pos: string[], opts: OptionValues, ctx: Context) => Promise<void>;
}

export interface Context {
  json: boolean;
  out: (text: string) => void;
  warn: (text: string) => void;
}

export function parseArgs(args: string[], spec: CommandSpec, command: string): { pos: string[]; opts: OptionValues } {
  const pos: string[] = [];
  const opts: OptionValues = new Map();
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      pos.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      opts.set(name, true);
    } else if (spec.valued.includes(name)) {
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length) throw new UsageError(`option --${name} needs a value`);
        value = args[++i];
      }
      if (value === '') throw new UsageError(`option --${name} needs a value`);
      opts.set(name, value);
    } else {
      throw new UsageError(`unknown option ${eq >= 0 ? arg.slice(0, eq) : arg} for ${command}`);
    }
  }
  if (pos.length !== spec.positionals.length) {
    const want = spec.positionals.map((p) => `<${p}>`).join(' ');
    const problem =
      pos.length < spec.positionals.length
        ? `missing <${spec.positionals[pos.length]}>`
        : `unexpected argument ${pos[spec.positionals.length]}`;
    throw new UsageError(`${command}: ${problem} (usage: soundstream ${command} ${want} ...)`);
  }
  return { pos, opts };
}

export function str(opts: OptionValues, name: string): string | undefined {
  const v = opts.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function positiveInt(opts: OptionValues, name: string): number | undefined {
  const v = str(opts, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffffffff) {
    throw new UsageError(`option --${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

export function formatOpt(opts: OptionValues): 'sst' | 'lyra' | undefined {
  const v = str(opts, 'format');
  if (v === undefined) return undefined;
  if (v !== 'sst' && v !== 'lyra')
    throw new UsageError(`option --format must be sst or lyra, got ${JSON.stringify(v)}`);
  return v;
}
