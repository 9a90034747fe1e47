import type { IncomingMessage } from 'node:http';

/**
 * The client's address as express computes `req.ip` with `trust proxy` = `hops`: the peer, or, behind `hops`
 * trusted proxies, the address that many entries from the end of X-Forwarded-For. For WebSocket upgrades and
 * Socket.IO handshakes, which do not pass through express.
 */
export function clientAddress(req: IncomingMessage, hops: number): string | null {
  const peer = req.socket.remoteAddress ?? null;
  if (hops <= 0 || peer === null) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const chain = [peer, ...forwarded.reverse()];
  return chain[Math.min(hops, chain.length - 1)] ?? peer;
}
