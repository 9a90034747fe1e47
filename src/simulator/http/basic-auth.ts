/**
 * Fiber v3 basic auth as the binary configures it (docs/binary-contract.md §5): no or non-Basic header → 401 with
 * `WWW-Authenticate` and `Cache-Control: no-store`; a Basic header that does not decode to `user:pass` → 400.
 */
import { timingSafeEqual } from 'node:crypto';
import type { BasicAuthUser } from '../config/config.js';

export type AuthOutcome = 'ok' | 'unauthorized' | 'bad-request';

export const UNAUTHORIZED_HEADERS = {
  'WWW-Authenticate': 'Basic realm="Restricted", charset="UTF-8"',
  'Cache-Control': 'no-store',
};

export function checkBasicAuth(users: readonly BasicAuthUser[], header: string): AuthOutcome {
  if (header.length <= 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return 'unauthorized';
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'bad-request';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || hasControlChar(decoded)) return 'bad-request';
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  return users.some((entry) => entry.user === user && safeEqual(entry.pass, pass)) ? 'ok' : 'unauthorized';
}

function hasControlChar(text: string): boolean {
  return [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * `/ws` upgrades may carry the credentials as `?authorization=<base64(user:pass)>` (browsers cannot set
 * headers on a WebSocket); the value is used as if it were the header.
 */
export function wsQueryAuthorization(query: URLSearchParams): string {
  const value = query.get('authorization') ?? '';
  if (value === '') return '';
  return /^basic /i.test(value) ? value : `Basic ${value}`;
}
