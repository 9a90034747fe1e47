import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Calls another node of the cluster forwarded, with the caller's address it found (distributed mode). */
const vouchedClients = new WeakMap<IncomingMessage, string>();

/** This call was forwarded by a node of the cluster (its proof checked) for a caller at `address`. */
export function vouchForClient(req: IncomingMessage, address: string): void {
  vouchedClients.set(req, address);
}

/** Whether a node of the cluster forwarded this call (it counted it against the caller's rate limit already). */
export function vouchedByPeer(req: IncomingMessage): boolean {
  return vouchedClients.has(req);
}

/**
 * Who is calling and over what (the address a forwarding node vouched for, first), with TRUST_PROXY = the number of proxy hops in front of the gateway whose
 * forwarding headers are believed (Express's `trust proxy` set to a hop count, which is what the gateway configures):
 * the address `hops` entries back along the socket peer then X-Forwarded-For (right to left), and the scheme from
 * X-Forwarded-Proto when the peer itself is a trusted hop. For handlers that run without Express's request helpers.
 */
export function clientAddress(req: IncomingMessage, hops: number): string | undefined {
  const vouched = vouchedClients.get(req);
  if (vouched !== undefined) return vouched;
  const peer = req.socket.remoteAddress;
  if (hops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string' || header === '') return peer;
  const forwarded = header.split(',');
  // [peer, last forwarded, …, first forwarded]: trusted hops are skipped, the list's end is as far as it goes.
  const at = Math.min(hops, forwarded.length);
  return at === 0 ? peer : forwarded[forwarded.length - at]?.trim();
}

export function requestProtocol(req: IncomingMessage, hops: number): string {
  const own = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  if (hops <= 0) return own;
  const header = req.headers['x-forwarded-proto'];
  const value = typeof header === 'string' && header !== '' ? header : own;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}
