/** What a handler answers, and writing it. JSON bodies are ActiveSupport-encoded (lib/rails-json.ts). */
import type { ServerResponse } from 'node:http';
import { railsJson } from '../lib/rails-json.js';
import { uuid } from '../lib/tokens.js';

export interface Reply {
  readonly status: number;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function json(status: number, value: unknown): Reply {
  return { status, body: railsJson(value), contentType: 'application/json; charset=utf-8' };
}

/** Every success is 200 in Chatwoot's API, creations included. */
export function ok(value: unknown): Reply {
  return json(200, value);
}

/** `head :ok`. */
export const EMPTY_OK: Reply = { status: 200 };

export function writeReply(res: ServerResponse, reply: Reply, rails = true): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  if (rails) {
    headers['X-Request-Id'] ??= uuid();
    headers['Cache-Control'] ??= 'max-age=0, private, must-revalidate';
  }
  const body = reply.body ?? '';
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}
