/**
 * The bytes of a WebSocket upgrade forwarded to a number's owner (DM-20), and the owner's answer read back: pure, so
 * what crosses the hop is a unit test.
 */

import { PEER_HEADERS } from './peer-proof.js';

/** The parts of an incoming upgrade request that are sent on: its request line and its headers as received. */
export interface UpgradeRequestLine {
  readonly method: string;
  /** Path and query, as the caller sent them. */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value… with the caller's spelling. */
  readonly rawHeaders: readonly string[];
}

/**
 * Headers that never cross the hop: hop-by-hop ones (RFC 9110 §7.6.1) other than the upgrade itself, the Host
 * (the owner's is written), and our routing headers from the caller (ours are written).
 */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'host', 'content-length', 'x-fence', 'x-hops', PEER_HEADERS.proof, PEER_HEADERS.client]);

/**
 * The upgrade request for the owner at `host` (its advertise URL's `host:port`): the same request line and
 * end-to-end headers (the caller's credentials and the `Sec-WebSocket-*` handshake included: the owner checks and
 * answers them as it would its own caller's), `Connection: Upgrade`, the fence and hops of the forward, and
 * `vouch` (this node's proof and the caller's address, peer-proof.ts).
 */
export function forwardedUpgradeHead(request: UpgradeRequestLine, host: string, fence: number, hops: number, vouch: Readonly<Record<string, string>> = {}): string {
  const named = new Set<string>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    for (const token of request.rawHeaders[i + 1]!.split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
  }
  named.delete('upgrade');
  const lines = [`${request.method} ${request.url} HTTP/1.1`, `Host: ${host}`];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (!DROPPED.has(lower) && !named.has(lower)) lines.push(`${name}: ${request.rawHeaders[i + 1]!}`);
  }
  lines.push('Connection: Upgrade', `X-Fence: ${fence}`, `X-Hops: ${hops}`, ...Object.entries(vouch).map(([name, value]) => `${name}: ${value}`));
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Where the owner's answer head ends in what was read so far (the index after its blank line), or -1. */
export function headEnd(received: Buffer): number {
  const at = received.indexOf('\r\n\r\n');
  return at < 0 ? -1 : at + 4;
}

/** The status of an answer head (`HTTP/1.1 101 Switching Protocols`), or null when it is not HTTP. */
export function statusOf(head: Buffer): number | null {
  const line = head.subarray(0, Math.max(0, head.indexOf('\r\n'))).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(line);
  return match ? Number(match[1]) : null;
}
