/** Writing responses: the `{code, message, results}` envelope, errors and plain-text statuses. */
import type { ServerResponse } from 'node:http';
import { goJson } from '../lib/go-json.js';
import { SimError } from './errors.js';

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = goJson(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Success envelope; `results: undefined` is left out (Go nil), `null` is written as `null` (Go nil slice). */
export function sendOk(res: ServerResponse, message: string, results?: unknown): void {
  sendJson(res, 200, { code: 'SUCCESS', message, results });
}

export function sendError(res: ServerResponse, err: unknown): void {
  const simError = err instanceof SimError ? err : new SimError(500, 'INTERNAL_SERVER_ERROR', (err as Error).message);
  sendJson(res, simError.status, { code: simError.code, message: simError.message, results: simError.results });
}

/** fasthttp/Fiber plain statuses: body is the status text, `text/plain; charset=utf-8`. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
