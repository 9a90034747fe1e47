import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../lib/logger.js';
import type { ClusterNode } from '../cluster-node.js';
import { connectClient } from '../pool.js';
import type { ClusterError } from '../errors.js';
import type { ClusterSettings } from '../settings.js';
import { Forwarder } from './forwarder.js';
import { routeByNumber, type RoutingMiddleware } from './middleware.js';
import { peerVouching } from './peer-proof.js';
import { OwnerResolver } from './resolver.js';
import { UpgradeRouting } from './upgrades.js';

export { HOP_LIMIT, decide, decideLocally, readRouteHeaders, type Resolution, type RouteDecision, type RouteOwner } from './rules.js';
export { servedFence, type RoutingMiddleware } from './middleware.js';
export { OwnerResolver } from './resolver.js';
export { Forwarder } from './forwarder.js';
export { UpgradeRouting, type UpgradeHandler } from './upgrades.js';

export interface ClusterRouting {
  readonly middleware: RoutingMiddleware;
  readonly resolver: OwnerResolver;
  /** The same routing for WebSocket upgrades: `upgrades.wrap(localHandler)`. */
  readonly upgrades: UpgradeRouting;
  /** Call first on every HTTP request: one another node forwarded is judged by its caller's address. */
  readonly admit: (req: IncomingMessage) => void;
  close(): Promise<void>;
}

export interface ClusterRoutingOptions {
  readonly node: Pick<ClusterNode, 'pool' | 'ownership'>;
  readonly settings: ClusterSettings;
  readonly numberOf: (req: IncomingMessage) => string | null;
  /** The caller's address as this node finds it (behind its TRUST_PROXY hops), passed on to the owner. */
  readonly clientOf: (req: IncomingMessage) => string | undefined;
  /** No answer from the owner within this is a 504 (default 5 s). */
  readonly forwardTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  /** Answers a refused upgrade on its raw socket (the HTTP layer's status for the code); without it, it is closed. */
  readonly refuseUpgrade?: (socket: Duplex, err: ClusterError) => void;
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
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 5000;
  const forwarder = new Forwarder(forwardTimeoutMs);
  // A dead owner's numbers are claimed once its lease and the grace have run out, at the next claim round.
  const retryAfterSeconds = Math.max(1, Math.ceil((timings.claimIntervalMs + timings.expiryGraceMs) / 1000));
  const held = (n: string) => node.ownership.held().get(n) ?? null;
  const peer = peerVouching(settings.storeSecret, options.clientOf);
  const middleware = routeByNumber({
    nodeId: settings.nodeId,
    held,
    resolver,
    forwarder,
    numberOf: options.numberOf,
    peer,
    retryAfterSeconds,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
  });
  const upgrades = new UpgradeRouting({
    nodeId: settings.nodeId,
    held,
    resolver,
    numberOf: options.numberOf,
    peer,
    retryAfterSeconds,
    timeoutMs: forwardTimeoutMs,
    refuse: options.refuseUpgrade ?? ((socket) => socket.destroy()),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    middleware,
    resolver,
    upgrades,
    admit: peer.admit,
    async close() {
      upgrades.close();
      forwarder.close();
      await resolver.stop();
    },
  };
}
