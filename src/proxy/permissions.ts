import { scopeLevel, type GrantLevel, type Scope } from '../domain/access.js';

export interface ProxyPermission {
  readonly scope: Scope;
  readonly level: GrantLevel;
}

type Rule = readonly [methods: 'read' | 'write' | 'any', pattern: RegExp, scope: Scope, level?: GrantLevel];

/**
 * The scope each of the binary's routes needs through the proxy (docs/security.md has the table). First match
 * wins; a route not listed needs `numbers:control` (writes) or `numbers:read` at operator level (reads), so a
 * route added to a new binary is never open to less than an operator.
 */
export const PROXY_RULES: readonly Rule[] = [
  ['any', /^\/ws$/, 'events:subscribe'],
  ['any', /^\/app\/(login|login-with-code|passkey)(\/|$)/, 'numbers:pair'],
  ['any', /^\/statics\/qrcode\//, 'numbers:pair'],
  ['any', /^\/app\/(logout|reconnect)$/, 'numbers:control'],
  ['read', /^\/(app\/(status|devices|info)|devices(\/|$)|health$)/, 'numbers:read'],
  ['write', /^\/send\//, 'messages:send'],
  ['read', /^\/message\/[^/]+\/download$/, 'media:read'],
  ['any', /^\/statics\//, 'media:read'],
  ['write', /^\/(message|chat|newsletter|call)\//, 'messages:send'],
  ['read', /^\/(chats|chat\/|message\/|user\/|group(\/|$)|newsletter\/)/, 'messages:read'],
  ['write', /^\/(user|group)(\/|$)/, 'numbers:control'],
];

/** Answers by (read/write, route key): a client calls the same few routes over and over. Bounded by the rules' few outcomes per key. */
const known = new Map<string, ProxyPermission>();
const KNOWN_MAX = 5000;

export function proxyPermission(method: string, childPath: string): ProxyPermission {
  return permissionForKey(method, routeKey(childPath));
}

/** The same for a route key already computed (routeKey). */
export function permissionForKey(method: string, path: string): ProxyPermission {
  const read = method === 'GET' || method === 'HEAD';
  const cacheKey = `${read ? 'r' : 'w'}${path}`;
  const cached = known.get(cacheKey);
  if (cached) return cached;
  const found = firstRule(read, path);
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(cacheKey, found);
  return found;
}

function firstRule(read: boolean, path: string): ProxyPermission {
  for (const [methods, pattern, scope, level] of PROXY_RULES) {
    if (methods === 'read' && !read) continue;
    if (methods === 'write' && read) continue;
    if (pattern.test(path)) return Object.freeze({ scope, level: level ?? scopeLevel(scope) });
  }
  return Object.freeze(read ? { scope: 'numbers:read', level: 'operator' } : { scope: 'numbers:control', level: 'operator' });
}

/**
 * The route a child will match: its router ignores case and repeated or trailing slashes (Fiber's defaults),
 * so every guard on a child path (scopes here, pacing and managed routes in targets.ts) compares this form, or `/SEND/message` would slip past the pacing.
 */
export function routeKey(childPath: string): string {
  const path = (childPath.split('?')[0] ?? '').toLowerCase().replace(/\/{2,}/g, '/');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
