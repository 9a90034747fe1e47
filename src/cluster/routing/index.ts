import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../lib/logger.js';
import type { ClusterNode } from '../cluster-node.js';
import { connectClient } from '../pool.js';
import type { ClusterSettings } from '../settings.js';
import { Forwarder } from './forwarder.js';
import { routeByNumber, type RoutingMiddleware } from './middleware.js';
import { OwnerResolver } from './resolver.js';

export { HOP_LIMIT, decide, decideLocally, readRouteHeaders, type Resolution, type RouteDecision, type RouteOwner } from './rules.js';
export { servedFence, type RoutingMiddleware } from './middleware.js';
export { OwnerResolver } from './resolver.js';
export { Forwarder } from './forwarder.js';

export interface ClusterRouting {
  readonly middleware: RoutingMiddleware;
  readonly resolver: OwnerResolver;
  close(): Promise<void>;
}

export interface ClusterRoutingOptions {
  readonly node: Pick<ClusterNode, 'pool' | 'ownership'>;
  readonly settings: ClusterSettings;
  readonly numberOf: (req: IncomingMessage) => string | null;
  /** No answer from the owner within this is a 504 (default 5 s). */
  readonly forwardTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly logger?: Logger;
}

/** Routing by forwarding (DM-20) for one node: the owner resolver (listening on `ownership`), the forwarder, the middleware. */
export async function startRouting(options: ClusterRoutingOptions): Promise<ClusterRouting> {
  const { settings, node } = options;
  const { timings } = settings;
  const resolver = new OwnerResolver({
    pool: node.pool,
    listen: () => connectClient(settings.databaseUrl, timings.dbTimeoutMs, `wa-gw:${settings.nodeId}:route`),
    maxAgeMs: timings.heartbeatMs,
    retryMs: timings.heartbeatMs,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await resolver.start();
  const forwarder = new Forwarder(options.forwardTimeoutMs ?? 5000);
  const middleware = routeByNumber({
    nodeId: settings.nodeId,
    held: (n) => node.ownership.held().get(n) ?? null,
    resolver,
    forwarder,
    numberOf: options.numberOf,
    // A dead owner's numbers are claimed once its lease and the grace have run out, at the next claim round.
    retryAfterSeconds: Math.max(1, Math.ceil((timings.claimIntervalMs + timings.expiryGraceMs) / 1000)),
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
  });
  return {
    middleware,
    resolver,
    async close() {
      forwarder.close();
      await resolver.stop();
    },
  };
}
