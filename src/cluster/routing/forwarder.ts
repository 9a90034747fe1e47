import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { clusterErrors, type ClusterError } from '../errors.js';
import { PEER_HEADERS } from './peer-proof.js';
import type { RouteOwner } from './rules.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross a hop, nor do our own routing headers from the caller. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'x-fence', 'x-hops', PEER_HEADERS.proof, PEER_HEADERS.client]);

export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers['connection'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

export interface ForwardCall {
  readonly method: string;
  /** Path and query, as the caller sent them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** This node's proof and the caller's address, for the owner (peer-proof.ts). */
  readonly vouch: Readonly<Record<string, string>>;
}

export interface Forwarded {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One forwarded call to the owner's advertise URL (DM-20), the body buffered so a 421 can be retried elsewhere.
 * The caller's end-to-end headers go through (its Authorization included: the owner checks it as it would its own
 * caller's), with this node's proof and the caller's address; `X-Fence` is the fence the caller resolved and
 * `X-Hops` the hops so far. A refused or reset connection
 * is `CLUSTER_OWNER_UNREACHABLE` (502), no answer within `timeoutMs` is `CLUSTER_OWNER_TIMEOUT` (504).
 */
export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 4000 });

  constructor(private readonly timeoutMs: number) {}

  send(phoneNumber: string, owner: RouteOwner, hops: number, call: ForwardCall): Promise<Forwarded> {
    const target = new URL(call.url, owner.advertiseUrl);
    if (target.protocol !== 'http:') return Promise.reject(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, new Error(`advertise URL ${owner.advertiseUrl} is not http`)));
    const headers: OutgoingHttpHeaders = { ...endToEnd(call.headers), ...call.vouch, 'x-fence': String(owner.fence), 'x-hops': String(hops), 'content-length': call.body.length };
    return new Promise<Forwarded>((resolve, reject) => {
      let settled = false;
      const done = (err: ClusterError | null, answer?: Forwarded): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else if (answer) resolve(answer);
      };
      const request = http.request({ protocol: target.protocol, hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: call.method, headers, agent: this.agent }, (answer: IncomingMessage) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => done(null, { status: answer.statusCode ?? 502, headers: endToEnd(answer.headers), body: Buffer.concat(chunks) }));
        answer.on('error', (err) => done(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, err)));
      });
      // One deadline for the whole exchange (connect included: a dropped SYN never fails by itself).
      const timer = setTimeout(() => {
        done(clusterErrors.ownerTimeout(phoneNumber, owner.nodeId, this.timeoutMs));
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (err) => done(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, err)));
      request.end(call.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
