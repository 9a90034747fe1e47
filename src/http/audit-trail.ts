import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { actorOf } from '../audit/actor.js';
import type { AuditActor, AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { AuditResult } from '../db/schema-access.js';
import type { Logger } from '../lib/logger.js';
import { clientAddress } from '../lib/client-address.js';
import { auditNotes, type AuditTrailHooks, type PlainHandler, type PlainRequest } from './plain-handler.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A read: recorded only when refused (by the error handler) or when its route is audited (by the route guard). */
export function isRead(req: PlainRequest): boolean {
  return READS.has(req.method ?? 'GET');
}

/** The request's side of an audit row (who, from where, which request, which route). */
export function requestEntry(req: PlainRequest, entry: Omit<AuditEntry, 'actor'> & { actor?: AuditActor }): AuditEntry {
  const agent = req.headers['user-agent'];
  return {
    actor: actorOf(req.principal),
    ip: req.clientIp ?? null,
    userAgent: typeof agent === 'string' ? agent : null,
    requestId: req.requestId ?? null,
    phoneNumber: req.routeMark?.phoneNumber ?? null,
    ...entry,
  };
}

/** The actor of a row when the request was not authenticated by a token (a successful login). */
export function auditAs(req: PlainRequest, actor: AuditActor): void {
  auditNotes(req).actor = actor;
}

/** What a route learned about its target after the permission check (a delivery's number, a key's id). */
export function noteAuditTarget(req: PlainRequest, target: { type: string; id: string }, phoneNumber?: string): void {
  auditNotes(req).target = target;
  if (phoneNumber && req.routeMark) req.routeMark = { ...req.routeMark, phoneNumber };
}

type ChangeEntry = Omit<AuditEntry, 'actor' | 'result' | 'action'> & { action?: string };

/**
 * The audit row of a change, for a service whose store writes it in the change's own transaction (on either
 * dialect: db/ports/audit.ts). The trail then adds no second row for the request (unless it ends in an error).
 */
export function auditLink(audit: AuditLog, req: PlainRequest, entry: ChangeEntry): AuditLink {
  return audit.link(requestEntry(req, { action: req.routeMark?.action ?? 'http.change', result: 'ok', ...entry }), () => {
    req.auditWritten = true;
  });
}

/**
 * The same for the areas whose changes are still synchronous SQLite transactions (InlineAudit in db/ports/audit.ts):
 * pass the returned function to the service as its `inTransaction` hook.
 */
export function auditInTransaction(audit: AuditLog, req: PlainRequest, entry: ChangeEntry): () => void {
  return () => {
    audit.record(requestEntry(req, { action: req.routeMark?.action ?? 'http.change', result: 'ok', ...entry }));
    req.auditWritten = true;
  };
}

/**
 * A synchronous change (a settings row) and its audit row in one transaction: both are stored or neither. The row
 * goes first, so a row that cannot be written stops the change before it touches any cache. For changes made by a
 * service that owns its transaction, pass `auditInTransaction(…)` to it instead.
 */
export function auditedChange<T>(audit: AuditLog, req: PlainRequest, entry: Parameters<typeof auditInTransaction>[2], work: () => T): T {
  return audit.transaction(() => {
    auditInTransaction(audit, req, entry)();
    return work();
  });
}

/**
 * One audit row per state-changing request and per refused one (401, 403, and the 404 that hides a number), written
 * when the answer is sent: actor, address, request id, route action, number, status, error code, and the
 * parameters with secrets and message bodies removed. Every request gets an `X-Request-Id` (the caller's, if sane).
 * Runs first on /api and on the lean /proxy chain alike. Reads cost no listener: the error handler records a refused
 * one, the route guard an audited one (a QR code).
 */
export function auditTrail(audit: AuditLog, logger: Logger, trustProxy: number): PlainHandler {
  const hooks: AuditTrailHooks = {
    watch: (req, res) => {
      res.once('finish', () => hooks.write(req, res));
    },
    write: (req, res) => {
      try {
        const entry = entryFor(req, res);
        if (entry) audit.later(entry);
      } catch (err) {
        logger.error({ err, requestId: req.requestId }, 'audit row could not be written');
      }
    },
  };
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    req.clientIp = clientAddress(req, trustProxy) ?? null;
    req.auditTrail = hooks;
    res.setHeader('X-Request-Id', req.requestId);
    if (!isRead(req)) hooks.watch(req, res);
    next();
  };
}

function entryFor(req: PlainRequest, res: ServerResponse): AuditEntry | null {
  const status = res.statusCode;
  const notes = req.auditNotes ?? {};
  const denied = status === 401 || status === 403 || notes.accessDenied === true;
  const failed = status >= 400;
  if (req.auditWritten && !failed) return null;
  // The per-client rate limit answered before any route: a flood must not become a flood of rows.
  if (status === 429 && !req.routeMark) return null;
  const method = req.method ?? 'GET';
  if (isRead(req) && !denied && !req.routeMark?.audited) return null;
  const result: AuditResult = denied ? 'denied' : failed ? 'error' : 'ok';
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const proxied = /^\/proxy\//i.test(url);
  const action = req.routeMark?.action ?? (proxied ? `proxy.${method.toLowerCase()}` : status === 401 ? 'auth.rejected' : `http.${method.toLowerCase()}`);
  const route = req.routeMark ? null : { method, path: url.split('?')[0]?.slice(0, 200) };
  const body = proxied ? null : (req as { body?: unknown }).body;
  const params = { ...(route ?? {}), ...(isObject(body) ? body : {}), ...(notes.params ?? {}) };
  return requestEntry(req, {
    ...(notes.actor ? { actor: notes.actor } : {}),
    action,
    result,
    httpStatus: status,
    errorCode: notes.errorCode ?? null,
    params,
    ...(notes.target ? { target: notes.target } : req.routeMark?.phoneNumber ? { target: { type: 'number', id: req.routeMark.phoneNumber } } : {}),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
