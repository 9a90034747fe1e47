/**
 * The API port's request pipeline, in the order a request meets Chatwoot's stack: outage (nginx) →
 * rack-attack → routing (404 page) → injected `before` faults → token (Devise / AccessToken, bot
 * restrictions) → account → params → controller → injected `after` faults → state file → webhooks,
 * delivered after the response has gone out (or before it, per the `webhook_timing` knob).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { KnobStore } from '../config/knobs.js';
import { errors } from '../domain/errors.js';
import type { Features } from '../domain/version.js';
import { Tx } from '../events/domain-event.js';
import type { Dispatcher } from '../events/dispatcher.js';
import type { Logger } from '../lib/logger.js';
import { isoTime, type Clock } from '../lib/time.js';
import type { Access, Principal } from '../services/access.js';
import type { Store } from '../store/store.js';
import { BodyTooLarge, parseBody } from './body.js';
import { clientIp } from './client-ip.js';
import { injectedReply, railsPage } from './error-pages.js';
import { errorReply } from './error-reply.js';
import type { FaultRule, Faults } from './faults.js';
import type { Outage } from './outage.js';
import { int, setNested, type Params } from './params.js';
import type { RateLimiter } from './rate-limit.js';
import { writeReply, type Reply } from './reply.js';
import type { RequestLog } from './request-log.js';
import type { RouteSpec, Router } from './router.js';

export interface ApiPipelineDeps {
  readonly router: Router;
  readonly features: Features;
  readonly access: Access;
  readonly store: Store;
  readonly knobs: KnobStore;
  readonly limiter: RateLimiter;
  readonly faults: Faults;
  readonly outage: () => Outage;
  readonly requests: RequestLog;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly now: Clock;
}

const READS = new Set(['GET', 'HEAD']);

export function apiPipeline(deps: ApiPipelineDeps): RequestListener {
  return (req, res) => {
    void handle(deps, req, res).catch((err: unknown) => {
      deps.logger.error(`unhandled: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) writeReply(res, railsPage(500, ''));
      else res.destroy();
    });
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

async function handle(deps: ApiPipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const accept = header(req, 'accept').toLowerCase();
  const ip = clientIp(req);
  const tokenHeader = header(req, 'api_access_token').trim() ? 'api_access_token' : header(req, 'api-access-token').trim() ? 'api-access-token' : null;
  let routeId: string | null = null;
  let fault: FaultRule | undefined;
  const log = (status: number): void => deps.requests.add({
    at: isoTime(deps.now()), method, path: url.pathname, route: routeId, status, token_header: tokenHeader, ip, fault: fault?.id ?? null,
  });
  const finish = (reply: Reply): void => {
    writeReply(res, reply);
    log(reply.status);
  };

  const down = deps.outage().errorReply(accept);
  if (down) return finish(down);
  const match = deps.router.match(method, url.pathname, deps.features);
  const limited = deps.limiter.check(ip, match?.route.id, match?.pathParams.aid);
  if (limited) return finish(limited);
  if (!match) return finish(railsPage(404, accept));
  routeId = match.route.id;

  fault = deps.faults.take(routeId, method, 'before');
  if (fault && (await applyFault(deps, fault, res, accept, finish, () => log(0)))) return;

  const tx = new Tx();
  let reply: Reply;
  try {
    const { principal, accountId } = authenticate(deps, match.route, req, match.pathParams.aid);
    const params: Params = {};
    for (const [key, value] of url.searchParams) setNested(params, key, value);
    Object.assign(params, await parseBody(req), match.pathParams);
    reply = await match.route.handler({ params, principal, accountId, tx, accept, host: header(req, 'host') });
  } catch (err) {
    if (err instanceof BodyTooLarge) return finish({ status: 413, body: '', contentType: 'text/plain' });
    const known = errorReply(err, accept);
    if (!known) throw err;
    return finish(known);
  }

  if (!READS.has(method)) deps.store.save();
  const after = deps.faults.take(routeId, method, 'after');
  if (after) fault = after;
  const deliverNow = deps.knobs.current.webhook_timing === 'before_response';
  if (deliverNow && tx.events.length > 0) await deps.dispatcher.deliver(tx.events);
  else if (tx.events.length > 0) res.once('finish', () => void deps.dispatcher.deliver(tx.events));
  if (after && (await applyFault(deps, after, res, accept, finish, () => log(0)))) {
    // The write happened; only the answer is lost. A hung `after` answer still lets the webhooks out.
    if (!deliverNow && !res.writableEnded && tx.events.length > 0) void deps.dispatcher.deliver(tx.events);
    return;
  }
  finish(reply);
}

/** Returns true when the fault answered (or swallowed) the request. */
async function applyFault(deps: ApiPipelineDeps, rule: FaultRule, res: ServerResponse, accept: string, finish: (reply: Reply) => void, logHung: () => void): Promise<boolean> {
  if (rule.delay_ms) await new Promise((resolve) => setTimeout(resolve, rule.delay_ms));
  if (rule.hang) {
    deps.faults.holdForever(res);
    logHung();
    return true;
  }
  if (rule.status === undefined) return false;
  finish(injectedReply(rule.status, accept, rule.body, rule.content_type, rule.retry_after));
  return true;
}

/** Token first (Devise without one), then bot restrictions, then the account: the real before_action order. */
function authenticate(deps: ApiPipelineDeps, route: RouteSpec, req: IncomingMessage, rawAccountId: string | undefined): { principal: Principal | null; accountId: number } {
  if (route.auth === 'public') return { principal: null, accountId: 0 };
  const token = header(req, 'api_access_token').trim() || header(req, 'api-access-token').trim();
  if (!token) throw errors.unauthenticated();
  const principal = deps.access.principalFor(token);
  if (!principal) throw errors.invalidToken();
  if (principal.kind === 'bot' && !route.bots) throw errors.botsForbidden();
  if (route.auth === 'user') return { principal, accountId: 0 };
  const accountId = int(rawAccountId);
  if (accountId === undefined) throw errors.notFound();
  deps.access.assertAccount(principal, accountId);
  return { principal, accountId };
}
