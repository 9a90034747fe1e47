/**
 * Command-line parsing with cobra/pflag semantics (docs/binary-contract.md §1): every flag is persistent, so flags
 * may come before or after `rest`; booleans take `--flag` or `--flag=value` only; `--name value`, `--name=value`,
 * `-p 3000`, `-p3000` and `-p=3000` all work; `--` ends flag parsing; extra positionals after `rest` are ignored.
 */
import { findLongFlag, findShortFlag, parseGoBool, type FlagSpec } from './flags.js';

export type CommandName = 'root' | 'rest';
export type FlagValue = string | boolean | string[];

export type CliResult =
  | { kind: 'help'; command: CommandName }
  | { kind: 'error'; command: CommandName; message: string; flagError: boolean }
  /** values are keyed by the setting's env name. */
  | { kind: 'rest'; values: Map<string, FlagValue> };

class FlagError extends Error {}

export function parseArgs(argv: readonly string[]): CliResult {
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let help = false;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg === '--') {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      if (arg.startsWith('--')) {
        i = parseLong(arg.slice(2), argv, i, values, () => (help = true));
      } else if (arg.startsWith('-') && arg.length > 1) {
        i = parseShort(arg.slice(1), argv, i, values, () => (help = true));
      } else {
        positionals.push(arg);
      }
    }
  } catch (err) {
    const command: CommandName = positionals[0] === 'rest' ? 'rest' : 'root';
    return { kind: 'error', command, message: (err as Error).message, flagError: true };
  }
  return resolveCommand(positionals, values, help);
}

function resolveCommand(positionals: string[], values: Map<string, FlagValue>, help: boolean): CliResult {
  const [command, topic] = positionals;
  if (command === undefined || command === 'completion') return { kind: 'help', command: 'root' };
  if (command === 'help') return { kind: 'help', command: topic === 'rest' ? 'rest' : 'root' };
  if (command !== 'rest') {
    return { kind: 'error', command: 'root', message: `unknown command "${command}" for "whatsapp"`, flagError: false };
  }
  return help ? { kind: 'help', command: 'rest' } : { kind: 'rest', values };
}

type Setter = () => void;

function parseLong(body: string, argv: readonly string[], i: number, values: Map<string, FlagValue>, onHelp: Setter): number {
  const eq = body.indexOf('=');
  const name = eq >= 0 ? body.slice(0, eq) : body;
  const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
  if (name === 'help') {
    onHelp();
    return i;
  }
  const spec = findLongFlag(name);
  if (!spec) throw new FlagError(`unknown flag: --${name}`);
  return assign(spec, { shown: `--${name}`, missing: `--${name}` }, inline, argv, i, values);
}

function parseShort(body: string, argv: readonly string[], i: number, values: Map<string, FlagValue>, onHelp: Setter): number {
  // Combined booleans (`-dh`) are consumed letter by letter until a flag that takes a value.
  for (let pos = 0; pos < body.length; pos++) {
    const letter = body[pos] ?? '';
    if (letter === 'h') {
      onHelp();
      continue;
    }
    const spec = findShortFlag(letter);
    if (!spec) throw new FlagError(`unknown shorthand flag: '${letter}' in -${body}`);
    const rest = body.slice(pos + 1);
    if (spec.kind === 'bool' && !rest.startsWith('=')) {
      values.set(spec.env, true);
      continue;
    }
    const inline = rest === '' ? undefined : rest.replace(/^=/, '');
    const names = { shown: `-${letter}, --${spec.flag ?? ''}`, missing: `'${letter}' in -${letter}` };
    return assign(spec, names, inline, argv, i, values);
  }
  return i;
}

/** How pflag names the flag in its two error messages. */
interface FlagNames {
  shown: string;
  missing: string;
}

function assign(spec: FlagSpec, { shown, missing }: FlagNames, inline: string | undefined, argv: readonly string[], i: number, values: Map<string, FlagValue>): number {
  if (spec.kind === 'bool') {
    const parsed = inline === undefined ? true : parseGoBool(inline);
    if (parsed === undefined) {
      throw new FlagError(`invalid argument "${inline ?? ''}" for "${shown}" flag: strconv.ParseBool: parsing "${inline ?? ''}": invalid syntax`);
    }
    values.set(spec.env, parsed);
    return i;
  }
  let value = inline;
  let next = i;
  if (value === undefined) {
    if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: ${missing}`);
    value = argv[i + 1] ?? '';
    next = i + 1;
  }
  if (spec.kind === 'list') {
    // pflag string slices append on repetition and split each occurrence on commas.
    const previous = values.get(spec.env);
    values.set(spec.env, [...(Array.isArray(previous) ? previous : []), ...splitList(value)]);
  } else {
    values.set(spec.env, value);
  }
  return next;
}

export function splitList(value: string): string[] {
  return value === '' ? [] : value.split(',').map((part) => part.trim());
}
