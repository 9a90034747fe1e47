import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor } from '../audit/audit-log.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { DeviceRow } from '../db/schema.js';

/** What the route, the proxy and the error handler learn about a request for its audit row. */
export interface AuditNotes {
  errorCode?: string;
  /** A refusal for lack of rights (a 403, or the 404 that hides a number). */
  accessDenied?: boolean;
  target?: { readonly type: string; readonly id: string };
  params?: Record<string, unknown>;
  /** Who acted when no token said so (a successful login). */
  actor?: AuditActor;
}

/** What the audit trail needs to know about the route a request reached. */
export interface RouteMark {
  readonly action: string;
  /** A read that is audited all the same (fetching a QR code). */
  readonly audited: boolean;
  readonly phoneNumber?: string;
}

/** The audit trail's hooks, set on every request by the trail (audit-trail.ts). */
export interface AuditTrailHooks {
  /** Write the request's row when its answer is sent (state-changing calls, audited reads). */
  watch(req: PlainRequest, res: ServerResponse): void;
  /** Write it now, the answer being sent already (a refused read). */
  write(req: PlainRequest, res: ServerResponse): void;
}

/** The gateway's own fields on a request, on the lean /proxy chain and on Express's requests alike. */
export interface GatewayRequestFields {
  /** Who is calling (a signed-in user or an API key); set for every route but the public ones. */
  principal?: CallerPrincipal;
  /** The number of the route's path, after the route's permission was checked on it. */
  device?: DeviceRow;
  requestId?: string;
  /** The client's address as TRUST_PROXY yields it (set by the audit trail, first on every chain). */
  clientIp?: string | null;
  routeMark?: RouteMark;
  /** The route wrote its audit row in the transaction of its change; the trail adds none unless it then failed. */
  auditWritten?: boolean;
  auditNotes?: AuditNotes;
  auditTrail?: AuditTrailHooks;
}

/** A request as the gateway's own middleware sees it: Node's, plus the gateway's fields. */
export type PlainRequest = IncomingMessage & GatewayRequestFields;

export type Next = (err?: unknown) => void;

/**
 * Middleware that needs nothing of Express (no `req.ip`, `res.status()`, prototypes): it runs on the lean /proxy
 * chain as it is, and Express mounts it like any other (its request and response extend Node's).
 */
export type PlainHandler = (req: PlainRequest, res: ServerResponse, next: Next) => void | Promise<void>;

export type PlainErrorHandler = (err: unknown, req: PlainRequest, res: ServerResponse, next: Next) => void;

/** The notes of a request, made on first use. */
export function auditNotes(req: PlainRequest): AuditNotes {
  return (req.auditNotes ??= {});
}
