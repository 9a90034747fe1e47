import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { AccountService } from '../auth/accounts.js';
import type { TokenService } from '../auth/tokens.js';
import { GatewayError } from '../domain/errors.js';
import { authenticateToken, bearerToken } from '../auth/bearer.js';
import { errorBody, statusFor } from '../http/error-handler.js';
import { rejectUpgrade } from '../http/upgrade-router.js';
import type { Logger } from '../lib/logger.js';
import { proxyOptions } from './http-proxy.js';
import { PROXY_PREFIX, type ProxyTarget, type ProxyTargets } from './targets.js';

export interface WsProxyDeps {
  readonly targets: ProxyTargets;
  readonly tokens: TokenService;
  readonly accounts: AccountService;
  readonly logger: Logger;
}

/**
 * `/proxy/whatsapp/{phone}/ws` (or `/proxy/whatsapp/ws` + X-Phone-Number / the caller's only number) → the child's
 * `/ws`, frames piped both ways untouched. The caller authenticates with the gateway's token: the
 * `Authorization: Bearer` header, or `?token=` since browsers cannot set headers on a WebSocket.
 */
export class WsProxy {
  private readonly resolved = new WeakMap<IncomingMessage, ProxyTarget>();
  private readonly sockets = new Set<Duplex>();
  private readonly proxy;

  constructor(private readonly deps: WsProxyDeps) {
    this.proxy = createProxyMiddleware(proxyOptions(this.resolved, deps.logger));
  }

  readonly handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const user = authenticateToken(bearerToken(req.headers.authorization) ?? url.searchParams.get('token'), this.deps.tokens, this.deps.accounts);
      const header = req.headers['x-phone-number'];
      const target = this.deps.targets.resolve(user, url.pathname.slice(PROXY_PREFIX.length), '', typeof header === 'string' ? header : undefined);
      if (target.childPath !== '/ws') throw new GatewayError('NOT_FOUND', `no WebSocket endpoint at ${url.pathname}; the number's feed is ${PROXY_PREFIX}/{phone}/ws`);
      // The token stays here; the child gets its own credentials and the gateway's slot id.
      this.resolved.set(req, { ...target, childPath: `/ws?device_id=${encodeURIComponent(target.deviceId)}` });
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.proxy.upgrade(req, socket as Socket, head);
    } catch (err) {
      const known = err instanceof GatewayError ? err : new GatewayError('INTERNAL', 'internal error');
      if (!(err instanceof GatewayError)) this.deps.logger.error({ err }, 'WebSocket proxy failed');
      rejectUpgrade(socket, statusFor(known.code), errorBody(known));
    }
  };

  /** Proxied WebSockets are not the HTTP server's connections: close them ourselves on shutdown. */
  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
