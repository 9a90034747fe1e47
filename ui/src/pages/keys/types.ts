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

/** Named scope sets (`preset` in POST /api/keys), from the gateway's own table. */
export { KEY_PRESETS as PRESETS, type KeyPreset as Preset } from '../../../../src/domain/access';
