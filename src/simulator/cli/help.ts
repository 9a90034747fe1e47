/** Cobra-style help and usage text for the root command and `rest`. */
import { FLAG_SPECS, type FlagSpec } from './flags.js';
import type { CommandName } from './parse-args.js';

function flagLine(spec: FlagSpec): string | undefined {
  if (!spec.flag) return undefined;
  const names = spec.short ? `-${spec.short}, --${spec.flag}` : `    --${spec.flag}`;
  const type = spec.kind === 'bool' ? '' : spec.kind === 'list' ? ' strings' : ' string';
  const def = spec.kind === 'bool' ? (spec.def ? ' (default true)' : '') : spec.def ? ` (default "${String(spec.def)}")` : '';
  return `  ${`${names}${type}`.padEnd(40)} ${spec.usage}${def}`;
}

function flagBlock(): string {
  return FLAG_SPECS.map(flagLine).filter((line): line is string => line !== undefined).join('\n');
}

export function usage(command: CommandName): string {
  if (command === 'rest') {
    return [
      'Usage:',
      '  whatsapp rest [flags]',
      '',
      'Flags:',
      '  -h, --help   help for rest',
      '',
      'Global Flags:',
      flagBlock(),
      '',
    ].join('\n');
  }
  return [
    'Usage:',
    '  whatsapp [command]',
    '',
    'Available Commands:',
    '  completion  Generate the autocompletion script for the specified shell',
    '  help        Help about any command',
    '  rest        Send whatsapp API over http',
    '',
    'Flags:',
    flagBlock(),
    '  -h, --help                               help for whatsapp',
    '',
    'Use "whatsapp [command] --help" for more information about a command.',
    '',
  ].join('\n');
}

export function helpText(command: CommandName): string {
  const intro = command === 'rest'
    ? 'This application is a stand-in for go-whatsapp-web-multidevice: send whatsapp API over http'
    : 'Send free whatsapp API (stand-in for go-whatsapp-web-multidevice v9.2.0; it never reaches WhatsApp)';
  return `${intro}\n\n${usage(command)}`;
}
