import type { Scope } from '../../lib/access';

/** An API key as GET /api/keys answers it: never its secret, only the prefix and the last four characters. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly lastFour: string;
  readonly hint: string;
  readonly ownerId: number;
  readonly owner: string;
  readonly scopes: readonly Scope[];
  readonly numbers: '*' | readonly string[];
  readonly allowedCidrs: readonly string[] | null;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedIp: string | null;
  readonly createdAt: string;
  readonly rotatedAt: string | null;
  readonly previousSecretValidUntil: string | null;
  readonly revokedAt: string | null;
  readonly status: 'active' | 'expired' | 'revoked';
}

/** The answer of a create or a rotation: the one time the full key is seen. */
export type IssuedKey = ApiKey & { readonly key: string };

/** Named scope sets (src/domain/access.ts, `preset` in POST /api/keys). */
export const PRESETS = {
  'integration-send': ['numbers:read', 'messages:send', 'messages:read'],
  'read-only': ['numbers:read', 'messages:read', 'media:read', 'events:subscribe'],
  'inbox-agent': ['numbers:read', 'messages:read', 'messages:send', 'media:read', 'events:subscribe'],
  'full-number': ['numbers:read', 'numbers:control', 'numbers:pair', 'messages:send', 'messages:read', 'media:read', 'webhooks:manage', 'queue:manage', 'events:subscribe'],
  compat: ['compat', 'numbers:read'],
} as const satisfies Record<string, readonly Scope[]>;
export type Preset = keyof typeof PRESETS;
