/** Command line and environment of `whatsapp-arbiter` (flags beat `ARBITER_*` variables). */
import { ARBITER_MODES, type ArbiterMode } from './registry.js';

export interface ArbiterConfig {
  readonly host: string;
  readonly port: number;
  readonly mode: ArbiterMode;
  readonly quiet: boolean;
}

export const USAGE = `Usage: whatsapp-arbiter [--mode kick|detect] [--port N] [--host ADDR] [--quiet]
  --mode   kick (default): a second connection of a device replaces the first (StreamReplaced, the stand-in exits 0);
           detect: nobody is kicked, overlaps are counted (GET /overlaps)
  --port   default 0 (a free port; read it from the ready line)
  --host   default 127.0.0.1
Environment: ARBITER_MODE, ARBITER_PORT, ARBITER_HOST. Ready line on stdout:
  whatsapp-arbiter ready url=http://HOST:PORT mode=MODE pid=PID
`;

export type ParsedArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'ok'; config: ArbiterConfig };

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const values = new Map<string, string>();
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--quiet') {
      quiet = true;
      continue;
    }
    const match = /^--(mode|port|host)(?:=(.*))?$/.exec(arg);
    if (!match) return { kind: 'error', message: `unknown argument ${arg}` };
    const value = match[2] ?? argv[++i];
    if (value === undefined) return { kind: 'error', message: `--${match[1]} needs a value` };
    values.set(match[1] ?? '', value);
  }
  const mode = values.get('mode') ?? env.ARBITER_MODE ?? 'kick';
  const portText = values.get('port') ?? env.ARBITER_PORT ?? '0';
  const host = values.get('host') ?? env.ARBITER_HOST ?? '127.0.0.1';
  if (!ARBITER_MODES.includes(mode as ArbiterMode)) return { kind: 'error', message: `mode: must be one of ${ARBITER_MODES.join(', ')}` };
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return { kind: 'error', message: 'port: must be between 0 and 65535' };
  return { kind: 'ok', config: { host, port: Number(portText), mode: mode as ArbiterMode, quiet } };
}
