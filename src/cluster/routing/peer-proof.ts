import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { vouchForClient } from '../../lib/client-address.js';

/** Set by a node on a call it forwards: its proof of being a node of the cluster, and the caller's address. */
export const PEER_HEADERS = { proof: 'x-cluster-peer', client: 'x-cluster-client' } as const;

/**
 * How the owner of a number tells a call another node forwarded from a client's own (DM-20). The entry node has
 * already found the caller's address (behind its TRUST_PROXY hops), counted the call against that address's rate
 * limit and written its audit row; the owner must judge the same address (allow-listed tenants, its own audit row)
 * and not count the call again under the entry node's address, where every forwarded client would share one
 * limit. The proof is an HMAC of CLUSTER_STORE_SECRET, the same on every node; a client that sends these headers
 * itself has them dropped by the entry node, and a wrong proof sent straight to a node is ignored.
 */
export class PeerProof {
  private readonly value: Buffer;

  constructor(secret: string) {
    this.value = createHmac('sha256', secret).update('whatsapp-gateway cluster peer v1').digest();
  }

  /** The headers of a forwarded call: the proof, and the caller's address when known. */
  headers(client: string | undefined): Record<string, string> {
    return { [PEER_HEADERS.proof]: this.value.toString('base64url'), ...(client ? { [PEER_HEADERS.client]: client } : {}) };
  }

  /** The caller's address a node of the cluster forwarded this call for, or null (not forwarded by a peer). */
  vouchedClient(req: IncomingMessage): string | null {
    const proof = req.headers[PEER_HEADERS.proof];
    const client = req.headers[PEER_HEADERS.client];
    if (typeof proof !== 'string' || typeof client !== 'string' || isIP(client) === 0) return null;
    const given = Buffer.from(proof, 'base64url');
    return given.length === this.value.length && timingSafeEqual(given, this.value) ? client : null;
  }
}

/** What routing does with the proof: the headers of a call it forwards, and the address of one forwarded to it. */
export interface PeerVouching {
  headersFor(req: IncomingMessage): Readonly<Record<string, string>>;
  /** Before anything judges the caller's address (audit trail, rate limit, allow-lists): a peer's call is its caller's. */
  admit(req: IncomingMessage): void;
}

/** `clientOf`: the caller's address as this node finds it (behind its TRUST_PROXY hops, or vouched for itself). */
export function peerVouching(secret: string, clientOf: (req: IncomingMessage) => string | undefined): PeerVouching {
  const proof = new PeerProof(secret);
  return {
    headersFor: (req) => proof.headers(clientOf(req)),
    admit: (req) => {
      const client = proof.vouchedClient(req);
      if (client !== null) vouchForClient(req, client);
    },
  };
}
