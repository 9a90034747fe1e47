/** Fiber v3's start-up banner, printed on stdout once the socket listens (colours off: stdout is not a TTY). */
import type { AddressInfo } from 'node:net';

const ART = [
  '',
  '    _______ __             ',
  '   / ____(_) /_  ___  _____',
  '  / /_  / / __ \\/ _ \\/ ___/',
  ' / __/ / / /_/ /  __/ /    ',
  '/_/   /_/_.___/\\___/_/          v3.4.0',
  '--------------------------------------------------',
];

/**
 * `<host>` comes from the bound socket: Go binds the default `0.0.0.0` as dual-stack `[::]`; an IPv4-only
 * machine shows the loopback address plus the bound host, as Fiber does.
 */
export function serverUrl(address: AddressInfo, requestedHost: string): string {
  if (address.family === 'IPv6') return `http://[${address.address}]:${address.port}`;
  if (address.address === '0.0.0.0') {
    return `http://127.0.0.1:${address.port} (bound on host ${requestedHost} and port ${address.port})`;
  }
  return `http://${address.address}:${address.port}`;
}

export function banner(url: string, handlers: number, pid: number): string {
  return [
    ...ART,
    `INFO Server started on: \t${url}`,
    `INFO Total handlers: \t${handlers}`,
    'INFO Prefork: \t\tDisabled',
    `INFO PID: \t\t${pid}`,
    'INFO Total process count: \t1',
    '',
  ].join('\n');
}
