import type { ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.js';
import { ClusterError, type ClusterErrorCode } from '../cluster/errors.js';
import { AccessDenied, GatewayError, ValidationError, type ErrorCode } from '../domain/errors.js';
import { auditNotes, type PlainErrorHandler, type PlainHandler, type PlainRequest } from './plain-handler.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The one table that turns error codes into HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  MALFORMED_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  URL_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  CHAT_NOT_FOUND: 404,
  MEDIA_NOT_FOUND: 404,
  MEDIA_GONE: 404,
  MEDIA_UNAVAILABLE: 409,
  DELIVERY_NOT_FOUND: 404,
  CHATWOOT_NOT_BOUND: 404,
  CHATWOOT_INBOX_TAKEN: 409,
  CHATWOOT_UNREACHABLE: 502,
  USER_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  GRANT_NOT_FOUND: 404,
  LAST_ADMIN: 409,
  DEVICE_EXISTS: 409,
  DEVICE_ON_OTHER_NODE: 409,
  UPLOAD_ON_OTHER_NODE: 409,
  USER_EXISTS: 409,
  MAX_PROCESSES_REACHED: 409,
  ALREADY_LOGGED_IN: 409,
  DEVICE_BUSY: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  QUEUE_PAUSED: 429,
  IDEMPOTENCY_KEY_REUSED: 409,
  CHILD_ERROR: 502,
  CHILD_UNREACHABLE: 502,
  NOT_LOGGED_IN: 409,
  DEVICE_NOT_RUNNING: 503,
  PORT_POOL_EXHAUSTED: 503,
  SHUTTING_DOWN: 503,
  UPDATE_FAILED: 502,
  UPDATE_IN_PROGRESS: 409,
  QR_TIMEOUT: 504,
  INTERNAL: 500,
};

/** Distributed mode's codes (src/cluster/errors.ts), in the same one place. */
const CLUSTER_STATUS: Record<ClusterErrorCode, number> = {
  CLUSTER_DB_UNREACHABLE: 503,
  CLUSTER_DB_REFUSED: 503,
  CLUSTER_BINARY_VERSION_UNKNOWN: 503,
  CLUSTER_NODE_ID_IN_USE: 409,
  CLUSTER_OWNERSHIP_LOST: 409,
  CLUSTER_NUMBER_UNKNOWN: 404,
  CLUSTER_NO_OWNER: 503,
  // Misdirected Request: the caller resolved an owner (a fence) that is not this node; it re-resolves and retries.
  CLUSTER_NOT_OWNER: 421,
  // Loop Detected: the hop budget is spent and the owner is still elsewhere (ownership moving); retry later.
  CLUSTER_HOP_LIMIT: 508,
  CLUSTER_OWNER_UNREACHABLE: 502,
  CLUSTER_OWNER_TIMEOUT: 504,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code];
}

export function clusterStatusFor(code: ClusterErrorCode): number {
  return CLUSTER_STATUS[code];
}

/** A distributed-mode error as an answer: its status, its body, and Retry-After when it says when to come back. */
export function clusterAnswer(err: ClusterError): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const retryAfter = err.details?.['retryAfterSeconds'];
  return {
    status: clusterStatusFor(err.code),
    body: { error: { code: err.code, message: err.message, ...(err.details ?? {}) } },
    headers: typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {},
  };
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly [key: string]: unknown };
}

export function errorBody(err: GatewayError): ErrorBody {
  const extra = err instanceof ValidationError ? { fields: err.issues } : (err.details ?? {});
  return { error: { code: err.code, message: err.message, ...extra } };
}

/** body-parser and friends signal with `type`/`status`; turn them into our codes without echoing the input. */
function fromFrameworkError(err: unknown): GatewayError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { type?: string; status?: number; limit?: number };
  if (e.type === 'entity.too.large') return new GatewayError('PAYLOAD_TOO_LARGE', `request body is larger than the ${e.limit} byte limit`);
  if (e.type === 'entity.parse.failed') return new GatewayError('MALFORMED_BODY', 'request body is not valid JSON');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new GatewayError('MALFORMED_BODY', 'unsupported body encoding');
  if (e.status === 400) return new GatewayError('VALIDATION_FAILED', 'malformed request');
  return null;
}

/** A JSON answer on a plain Node.js response (the envelope Express's `res.json` wrote, without needing Express). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The request's path without the query (Express's `req.path`, for plain requests too). */
function pathOf(req: PlainRequest): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

export function errorHandler(logger: Logger): PlainErrorHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof ClusterError) {
      const { status, body, headers } = clusterAnswer(err);
      auditNotes(req).errorCode = err.code;
      for (const [name, value] of Object.entries(headers)) if (!res.hasHeader(name)) res.setHeader(name, value);
      if (status >= 500) logger.warn({ code: err.code, path: pathOf(req), err: err.message }, 'request failed');
      sendJson(res, status, body);
      return;
    }
    const known = err instanceof GatewayError ? err : fromFrameworkError(err);
    if (known) {
      const status = statusFor(known.code);
      // For the audit trail: what went wrong, and whether it was a refusal for lack of rights.
      const notes = auditNotes(req);
      notes.errorCode = known.code;
      if (known instanceof AccessDenied) notes.accessDenied = true;
      const retryAfter = known.details?.['retryAfterSeconds'];
      if (typeof retryAfter === 'number' && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(retryAfter));
      if (status >= 500) logger.warn({ code: known.code, path: pathOf(req), err: known.message }, 'request failed');
      sendJson(res, status, errorBody(known));
      // A refused read has no audit listener (reads are not recorded otherwise): its row is written here.
      if (READS.has(req.method ?? 'GET') && (status === 401 || status === 403 || notes.accessDenied) && !req.routeMark?.audited) req.auditTrail?.write(req, res);
      return;
    }
    logger.error({ err, path: pathOf(req) }, 'unexpected error');
    auditNotes(req).errorCode = 'INTERNAL';
    sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
  };
}

export const notFound: PlainHandler = (req, res) => {
  sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${pathOf(req)}` } });
};
