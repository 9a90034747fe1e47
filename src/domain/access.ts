/**
 * The access model as data: roles, scopes, grant levels and key presets. One table each, read by the policy
 * (src/auth/policy.ts), the route permissions, the OpenAPI document and docs/security.md.
 */

/** Highest first. */
export const ROLES = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Per-number grant levels, each including the ones before it. */
export const GRANT_LEVELS = ['read', 'agent', 'operator', 'manager'] as const;
export type GrantLevel = (typeof GRANT_LEVELS)[number];

export function levelRank(level: GrantLevel): number {
  return GRANT_LEVELS.indexOf(level);
}

export function atLeast(have: GrantLevel | null, need: GrantLevel): boolean {
  return have !== null && levelRank(have) >= levelRank(need);
}

export function lowerLevel(a: GrantLevel, b: GrantLevel): GrantLevel {
  return levelRank(a) <= levelRank(b) ? a : b;
}

/**
 * What a principal may do, and the grant level an action on one number needs (`null`: not about one number).
 * `account` (your own password and sessions) is held by signed-in people only, never by an API key.
 */
export const SCOPE_LEVEL = {
  'numbers:read': 'read',
  'numbers:create': null,
  'numbers:control': 'operator',
  'numbers:pair': 'operator',
  'numbers:delete': 'manager',
  'messages:send': 'agent',
  'messages:read': 'read',
  'media:read': 'read',
  'webhooks:manage': 'operator',
  'queue:manage': 'operator',
  'events:subscribe': 'read',
  'grants:manage': 'manager',
  'users:manage': null,
  'keys:manage': null,
  'audit:read': 'manager',
  'system:admin': null,
  compat: 'operator',
  account: null,
} as const satisfies Record<string, GrantLevel | null>;

export type Scope = keyof typeof SCOPE_LEVEL;
export const SCOPES = Object.keys(SCOPE_LEVEL) as Scope[];
/** Scopes an API key may carry. */
export type KeyScope = Exclude<Scope, 'account'>;
export const KEY_SCOPES = SCOPES.filter((s): s is KeyScope => s !== 'account');

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'numbers:read': 'list and read numbers, their status, queue and health',
  'numbers:create': 'register new numbers (the caller becomes their owner)',
  'numbers:control': 'start, stop, restart, log out; rename; process logs',
  'numbers:pair': 'QR codes and pairing codes',
  'numbers:delete': 'unregister numbers',
  'messages:send': 'send messages (REST, and /send/* through the proxy)',
  'messages:read': 'read messages, chats and history',
  'media:read': 'download media',
  'webhooks:manage': "set a number's webhook; list and replay deliveries",
  'queue:manage': 'change send pacing; lift a timelock pause',
  'events:subscribe': 'Socket.IO feed, event replay, the proxied /ws',
  'grants:manage': 'share a number with other users',
  'users:manage': 'accounts of other people (admins only)',
  'keys:manage': 'API keys: your own; every key for admins',
  'audit:read': 'the audit log: everything for admins, your numbers otherwise',
  'system:admin': 'host health, binary updates (admins only)',
  compat: 'the compatibility APIs (tenant and legacy routes)',
  account: 'your own password and sign-in sessions (people only, never a key)',
};

const ALL: readonly Scope[] = SCOPES;
const ADMIN_ONLY: readonly Scope[] = ['users:manage', 'system:admin'];

/** The scopes each role holds; a key never holds more than its owner's role. */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  admin: new Set(ALL),
  user: new Set(ALL.filter((s) => !ADMIN_ONLY.includes(s))),
  viewer: new Set<Scope>(['numbers:read', 'messages:read', 'media:read', 'events:subscribe', 'keys:manage', 'account']),
};

/** The highest grant level a role can use on a number, whatever it was granted: viewers only read. */
export const ROLE_LEVEL_CAP: Record<Role, GrantLevel> = { admin: 'manager', user: 'manager', viewer: 'read' };

/** Named scope sets for keys (`preset` in POST /api/keys). */
export const KEY_PRESETS = {
  'integration-send': ['numbers:read', 'messages:send', 'messages:read'],
  'read-only': ['numbers:read', 'messages:read', 'media:read', 'events:subscribe'],
  'inbox-agent': ['numbers:read', 'messages:read', 'messages:send', 'media:read', 'events:subscribe'],
  'full-number': ['numbers:read', 'numbers:control', 'numbers:pair', 'messages:send', 'messages:read', 'media:read', 'webhooks:manage', 'queue:manage', 'events:subscribe'],
  compat: ['compat', 'numbers:read'],
} as const satisfies Record<string, readonly Scope[]>;
export type KeyPreset = keyof typeof KEY_PRESETS;
export const KEY_PRESET_NAMES = Object.keys(KEY_PRESETS) as KeyPreset[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPE_LEVEL, value);
}

/** The grant level an action of this scope needs on a number (route permissions may ask for more). */
export function scopeLevel(scope: Scope): GrantLevel {
  return SCOPE_LEVEL[scope] ?? 'read';
}
