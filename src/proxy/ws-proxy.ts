import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware, type Options } from 'http-proxy-middleware';
import { actorOf } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticate.js';
import { bearerToken } from '../auth/authenticate.js';
import type { AccessChange, AccessPolicy } from '../auth/policy.js';
import type { CallerPrincipal } from '../auth/principal.js';
import { AccessDenied, GatewayError } from '../domain/errors.js';
import { errorBody, statusFor } from '../http/error-handler.js';
import { rejectUpgrade } from '../http/upgrade-router.js';
import { clientAddress } from '../lib/client-address.js';
import type { Logger } from '../lib/logger.js';
import { STRIPPED_HEADERS } from './pass-through.js';
import { PROXY_PREFIX, type ProxyTarget, type ProxyTargets } from './targets.js';

export interface WsProxyDeps {
  readonly targets: ProxyTargets;
  readonly authn: Authenticator;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly trustProxy: number;
  readonly logger: Logger;
}

interface Live {
  principal: CallerPrincipal;
  readonly phoneNumber: string;
  expiry: NodeJS.Timeout | null;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `/proxy/whatsapp/{phone}/ws` (or `/proxy/whatsapp/ws` + X-Phone-Number / the caller's only number) → the child's
 * `/ws`, frames piped both ways untouched. The caller authenticates with a JWT or an API key: the
 * `Authorization: Bearer` header, or `?token=` because a browser's WebSocket cannot set headers (the only place a
 * credential is read from a query string; see docs/security.md). Each open connection is re-checked whenever
 * access changes, and closed at once when its credential is revoked or expires, or its access to the number ends.
 */
export class WsProxy {
  private readonly resolved = new WeakMap<IncomingMessage, ProxyTarget>();
  private readonly live = new Map<Duplex, Live>();
  private readonly proxy;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: WsProxyDeps) {
    this.proxy = createProxyMiddleware(upgradeOptions(this.resolved, deps.logger));
    this.unsubscribe = deps.policy.changes.on('changed', (change) => this.recheck(change));
  }

  readonly handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const address = clientAddress(req, this.deps.trustProxy) ?? null;
    let principal: CallerPrincipal | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://gateway');
      principal = this.deps.authn.authenticate(bearerToken(req.headers.authorization) ?? url.searchParams.get('token'), address);
      const header = req.headers['x-phone-number'];
      const target = this.deps.targets.resolve(principal, 'GET', url.pathname.slice(PROXY_PREFIX.length), '', typeof header === 'string' ? header : undefined);
      if (target.childPath !== '/ws') throw new GatewayError('NOT_FOUND', `no WebSocket endpoint at ${url.pathname}; the number's feed is ${PROXY_PREFIX}/{phone}/ws`);
      // The credential stays here; the child gets its own credentials and the gateway's slot id.
      this.resolved.set(req, { ...target, childPath: `/ws?device_id=${encodeURIComponent(target.deviceId)}` });
      const live: Live = { principal, phoneNumber: target.phoneNumber, expiry: null };
      this.live.set(socket, live);
      this.armExpiry(socket, live);
      socket.once('close', () => this.forget(socket));
      this.proxy.upgrade(req, socket as Socket, head);
    } catch (err) {
      const known = err instanceof GatewayError ? err : new GatewayError('INTERNAL', 'internal error');
      if (!(err instanceof GatewayError)) this.deps.logger.error({ err }, 'WebSocket proxy failed');
      const status = statusFor(known.code);
      if (status === 401 || status === 403 || known instanceof AccessDenied) this.auditRefusal(req, principal, address, status, known);
      rejectUpgrade(socket, status, errorBody(known));
    }
  };

  /** Proxied WebSockets are not the HTTP server's connections: close them ourselves on shutdown. */
  close(): void {
    this.unsubscribe();
    for (const socket of [...this.live.keys()]) socket.destroy();
    this.live.clear();
  }

  /** Connections whose credential or access to their number is gone are closed now. */
  private recheck(change: AccessChange): void {
    for (const [socket, live] of this.live) {
      const fresh = this.deps.authn.refresh(live.principal);
      const reconnect = change.kind === 'user' && change.reconnect === true && change.userId === live.principal.user.id;
      if (!fresh || reconnect || !this.deps.policy.allowsNumber(fresh, 'events:subscribe', live.phoneNumber)) {
        this.deps.logger.info({ phoneNumber: live.phoneNumber }, 'proxied WebSocket closed: access ended');
        socket.destroy();
        continue;
      }
      live.principal = fresh;
      this.armExpiry(socket, live);
    }
  }

  private armExpiry(socket: Duplex, live: Live): void {
    if (live.expiry) clearTimeout(live.expiry);
    live.expiry = null;
    const { expiresAt } = live.principal;
    if (expiresAt === null) return;
    const left = Math.max(0, expiresAt - Date.now());
    live.expiry = setTimeout(() => (left > MAX_TIMER_MS ? this.armExpiry(socket, live) : socket.destroy()), Math.min(left, MAX_TIMER_MS));
    live.expiry.unref();
  }

  private forget(socket: Duplex): void {
    const live = this.live.get(socket);
    if (live?.expiry) clearTimeout(live.expiry);
    this.live.delete(socket);
  }

  private auditRefusal(req: IncomingMessage, principal: CallerPrincipal | undefined, address: string | null, status: number, err: GatewayError): void {
    try {
      const path = (req.url ?? '').split('?')[0]?.slice(0, 200) ?? '';
      this.deps.audit.later({
        actor: actorOf(principal),
        action: 'proxy.ws',
        result: 'denied',
        ip: address,
        userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
        phoneNumber: /^\/proxy\/whatsapp\/\+?([0-9]{8,15}|pending-[a-z0-9]{12})\//.exec(path)?.[1] ?? null,
        httpStatus: status,
        errorCode: err.code,
        params: { path },
      });
    } catch (auditErr) {
      this.deps.logger.error({ err: auditErr }, 'audit row could not be written');
    }
  }
}

/** http-proxy for upgrades: each request goes to the target resolved for it beforehand, with the child's credentials. */
function upgradeOptions(resolved: WeakMap<IncomingMessage, ProxyTarget>, logger: Logger): Options {
  const target = (req: IncomingMessage): ProxyTarget => {
    const found = resolved.get(req);
    if (!found) throw new GatewayError('INTERNAL', 'proxy target not resolved');
    return found;
  };
  return {
    target: 'http://127.0.0.1',
    router: (req) => `http://127.0.0.1:${target(req).port}`,
    pathRewrite: (_path, req) => target(req).childPath,
    changeOrigin: true,
    xfwd: false,
    on: {
      proxyReqWs: (proxyReq: ClientRequest, req: IncomingMessage): void => {
        const t = target(req);
        for (const header of STRIPPED_HEADERS) proxyReq.removeHeader(header);
        proxyReq.setHeader('authorization', t.authorization);
        // The gateway's slot on each child (docs/binary-contract.md §6): named after the number, or its pending id.
        proxyReq.setHeader('x-device-id', t.deviceId);
      },
      error: (err, req, socket) => {
        logger.warn({ err: err.message, phoneNumber: resolved.get(req)?.phoneNumber }, 'proxy: child did not answer');
        (socket as Socket).destroy();
      },
    },
  };
}
