import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../lib/logger.js';
import { isClusterError, type ClusterError } from '../errors.js';
import type { PeerVouching } from './peer-proof.js';
import { errorCodeOf, refusalError } from './refusal.js';
import type { OwnerResolver } from './resolver.js';
import { decide, decideLocally, readRouteHeaders, retryAfterMisdirect, type LocalHold, type RouteDecision } from './rules.js';
import { headEnd } from './upgrade-head.js';
import { openUpgrade, readRefusal, type UpgradeLink } from './upgrade-link.js';

/** A WebSocket upgrade's handler, as the HTTP server's `upgrade` event calls it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void | Promise<void>;

export interface UpgradeRoutingDeps {
  readonly nodeId: string;
  readonly held: (phoneNumber: string) => LocalHold | null;
  readonly resolver: OwnerResolver;
  readonly numberOf: (req: IncomingMessage) => string | null;
  readonly peer: PeerVouching;
  readonly retryAfterSeconds: number;
  /** No answer head from the owner within this (connect included) is a 504. */
  readonly timeoutMs: number;
  /** Answers a refusal on the caller's raw socket (the HTTP layer maps the code to its status and headers). */
  readonly refuse: (socket: Duplex, err: ClusterError) => void;
  readonly logger?: Logger;
}

/** How long a side that was asked to end may take to flush what it was given before it is destroyed. */
const END_GRACE_MS = 2000;

/**
 * Routing by forwarding (DM-20) for WebSocket upgrades. An upgrade for a number owned by another live node is sent
 * to the owner as it came (same request line, the caller's headers and credentials, `X-Fence`/`X-Hops`), over a
 * TCP connection of its own, and the two sockets are piped once the owner has answered: the owner authenticates,
 * checks access and connects to its child, as for its own callers. The decisions are the HTTP router's (`rules.ts`),
 * so a refusal has the same code and status: 404 unknown, 503 + Retry-After unowned, 421/508 for forwarded calls,
 * 502/504 when the owner cannot be reached. A 421 from the owner is retried once after a fresh read, as HTTP is.
 */
export class UpgradeRouting {
  /** Each forwarded upgrade's way to close both its sockets: pending ones and piped ones. */
  private readonly open = new Set<() => void>();
  private closed = false;

  constructor(private readonly deps: UpgradeRoutingDeps) {}

  /** `local` serves the upgrades this node owns (and those whose path names no number), unchanged. */
  wrap(local: UpgradeHandler): UpgradeHandler {
    return (req, socket, head) => {
      this.deps.peer.admit(req);
      return this.route(req, socket, head, local);
    };
  }

  /** The node is closing: every forwarded upgrade is closed on both sides, and later ones are dropped. */
  close(): void {
    this.closed = true;
    for (const closeBoth of [...this.open]) closeBoth();
    this.open.clear();
  }

  private async route(req: IncomingMessage, socket: Duplex, head: Buffer, local: UpgradeHandler): Promise<void> {
    const { deps } = this;
    const phoneNumber = deps.numberOf(req);
    if (phoneNumber === null) return local(req, socket, head);
    const headers = readRouteHeaders(req.headers['x-fence'], req.headers['x-hops']);
    let decision: RouteDecision = decideLocally(deps.held(phoneNumber), headers) ?? decide({ nodeId: deps.nodeId }, deps.held(phoneNumber), headers, await deps.resolver.resolve(phoneNumber));
    let sent = headers.hops;
    for (;;) {
      // Nothing of the caller's connection has been used yet: a number that became ours meanwhile is served here.
      if (decision.kind === 'serve') return local(req, socket, head);
      if (decision.kind === 'refuse') return deps.refuse(socket, refusalError(deps, phoneNumber, decision, sent, headers.fence));
      const { hops } = decision;
      sent = hops;
      const link = await this.connect(phoneNumber, decision, req, socket, head);
      if (!link) return;
      if (link.status !== 421) return this.pipe(socket, link);
      const answer = await readRefusal(link, deps.timeoutMs);
      if (errorCodeOf(answer.subarray(Math.max(0, headEnd(answer)))) === 'CLUSTER_NOT_OWNER' && retryAfterMisdirect(hops) && !socket.destroyed) {
        decision = decide({ nodeId: deps.nodeId }, deps.held(phoneNumber), { fence: null, hops }, await deps.resolver.fresh(phoneNumber));
        continue;
      }
      deps.resolver.forget(phoneNumber);
      // The owner's refusal as it answered it; the caller's socket goes once it is written (as `rejectUpgrade`).
      if (!socket.destroyed) {
        socket.once('finish', () => socket.destroy());
        socket.end(answer);
      }
      return;
    }
  }

  /** The owner's answer head, or null when the caller was answered already (a refusal) or is gone. */
  private async connect(phoneNumber: string, decision: Extract<RouteDecision, { kind: 'forward' }>, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<UpgradeLink | null> {
    if (this.closed || socket.destroyed) {
      socket.destroy();
      return null;
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort(new Error('the upgrade was closed before the owner answered'));
    this.open.add(stop);
    socket.once('close', stop);
    try {
      return await openUpgrade(phoneNumber, decision.owner, decision.hops, { request: { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders }, head, vouch: this.deps.peer.headersFor(req), signal: abort.signal }, this.deps.timeoutMs);
    } catch (err) {
      if (abort.signal.aborted) {
        socket.destroy();
        return null;
      }
      this.deps.resolver.forget(phoneNumber);
      if (!isClusterError(err)) throw err;
      this.deps.logger?.warn({ phoneNumber, node: decision.owner.nodeId, code: err.code }, 'forwarded WebSocket upgrade failed');
      this.deps.refuse(socket, err);
      return null;
    } finally {
      socket.off('close', stop);
      this.open.delete(stop);
    }
  }

  /** The owner answered (101, or a refusal it closes after): its bytes go to the caller, and both ways from now on. */
  private pipe(socket: Duplex, link: UpgradeLink): void {
    const { upstream } = link;
    if (this.closed || socket.destroyed) {
      upstream.destroy();
      socket.destroy();
      return;
    }
    const closeBoth = (): void => {
      this.open.delete(closeBoth);
      socket.destroy();
      upstream.destroy();
    };
    this.open.add(closeBoth);
    upstream.on('error', () => upstream.destroy());
    socket.on('error', () => socket.destroy());
    // One side gone: the other is ended (what it was given is flushed first) or destroyed, never left open.
    upstream.once('close', () => {
      this.open.delete(closeBoth);
      settle(socket);
    });
    socket.once('close', () => {
      this.open.delete(closeBoth);
      settle(upstream);
    });
    if (socket instanceof net.Socket) {
      // A WebSocket idles for as long as it likes; frames go out as they come.
      socket.setTimeout(0);
      socket.setNoDelay(true);
    }
    socket.write(link.received);
    upstream.pipe(socket);
    socket.pipe(upstream);
    upstream.resume();
  }
}

function settle(side: Duplex): void {
  if (side.destroyed) return;
  if (!side.writableEnded || side.writableFinished) {
    side.destroy();
    return;
  }
  const timer = setTimeout(() => side.destroy(), END_GRACE_MS);
  timer.unref();
  side.once('finish', () => {
    clearTimeout(timer);
    side.destroy();
  });
}
