import type { IncomingMessage, ServerResponse } from 'node:http';
import { clusterErrors, type ClusterError } from '../errors.js';
import type { Forwarder } from './forwarder.js';
import type { PeerVouching } from './peer-proof.js';
import { errorCodeOf, refusalError } from './refusal.js';
import type { OwnerResolver } from './resolver.js';
import { decide, decideLocally, readRouteHeaders, retryAfterMisdirect, type LocalHold, type RouteDecision } from './rules.js';

export interface RoutingDeps {
  readonly nodeId: string;
  /** This node's ownership entry of the number (the ownership loop's `held()`), or null. */
  readonly held: (phoneNumber: string) => LocalHold | null;
  readonly resolver: OwnerResolver;
  readonly forwarder: Forwarder;
  /** The number a call is for (from its path), or null: not a routed call. */
  readonly numberOf: (req: IncomingMessage) => string | null;
  readonly peer: PeerVouching;
  /** Retry-After of a 503 while nobody owns the number (about one claim round plus the expiry grace). */
  readonly retryAfterSeconds: number;
  /** A forwarded body is buffered (to retry it after a 421): larger ones are refused. */
  readonly maxBodyBytes: number;
}

type Next = (err?: unknown) => void;
export type RoutingMiddleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

const served = new WeakMap<IncomingMessage, number>();

/** The fence under which this node serves a routed call (set before the owner's handler runs). */
export function servedFence(req: IncomingMessage): number | undefined {
  return served.get(req);
}

/**
 * Routing by forwarding (DM-20), in front of the routes that must run on a number's owner. Mount it before any
 * body parser: a call served here keeps its stream untouched, a forwarded one is read into a buffer.
 */
export function routeByNumber(deps: RoutingDeps): RoutingMiddleware {
  const refusal = (phoneNumber: string, decision: Extract<RouteDecision, { kind: 'refuse' }>, hops: number, fence: number | null): ClusterError => refusalError(deps, phoneNumber, decision, hops, fence);

  const route = async (req: IncomingMessage, res: ServerResponse, next: Next): Promise<void> => {
    const phoneNumber = deps.numberOf(req);
    if (phoneNumber === null) return next();
    const headers = readRouteHeaders(req.headers['x-fence'], req.headers['x-hops']);
    let decision = decideLocally(deps.held(phoneNumber), headers) ?? decide({ nodeId: deps.nodeId }, deps.held(phoneNumber), headers, await deps.resolver.resolve(phoneNumber));
    if (decision.kind === 'serve') {
      served.set(req, decision.fence);
      return next();
    }
    if (decision.kind === 'refuse') return next(refusal(phoneNumber, decision, headers.hops, headers.fence));
    const call = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: await readBody(req, deps.maxBodyBytes), vouch: deps.peer.headersFor(req) };
    let sent = headers.hops;
    for (;;) {
      if (decision.kind === 'refuse') return next(refusal(phoneNumber, decision, sent, headers.fence));
      // The body is read already: a number that became ours meanwhile is retried by the client, not served blind.
      if (decision.kind === 'serve') return next(clusterErrors.noOwner(phoneNumber, deps.retryAfterSeconds));
      const hops = decision.hops;
      sent = hops;
      let answer;
      try {
        answer = await deps.forwarder.send(phoneNumber, decision.owner, hops, call);
      } catch (err) {
        deps.resolver.forget(phoneNumber);
        return next(err);
      }
      if (answer.status === 421 && errorCodeOf(answer.body) === 'CLUSTER_NOT_OWNER' && retryAfterMisdirect(hops)) {
        decision = decide({ nodeId: deps.nodeId }, deps.held(phoneNumber), { fence: null, hops }, await deps.resolver.fresh(phoneNumber));
        continue;
      }
      if (answer.status === 421) deps.resolver.forget(phoneNumber);
      res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
      res.end(answer.body);
      return;
    }
  };
  return (req, res, next) => {
    route(req, res, next).catch(next);
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error(`request body is larger than the ${limit} byte limit`), { type: 'entity.too.large', limit }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
