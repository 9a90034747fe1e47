import type { ApiKeyRow } from '../schema-access.js';
import type { AuditLink } from './audit.js';

export type NewApiKey = Omit<ApiKeyRow, 'lastUsedAt' | 'lastUsedIp' | 'rotatedAt' | 'revokedAt' | 'revokedBy' | 'previousSecretHash' | 'previousValidUntil'>;
export type ApiKeyPatch = Partial<Omit<ApiKeyRow, 'id' | 'env' | 'ownerId' | 'createdAt' | 'createdBy'>>;

/**
 * Decides a change from the key as it is inside the write's transaction (a rotation keeps the secret that is
 * current then, not one a stale copy remembers). Synchronous and pure; may throw (nothing is written).
 */
export type ApiKeyChange = (current: ApiKeyRow) => ApiKeyPatch;

/** One key's last use, as the key service flushes it. */
export interface KeyUseRecord {
  readonly id: string;
  readonly at: number;
  readonly ip: string | null;
}

/** API key rows on either dialect; read whole at boot (the key service checks keys from memory), written one at a time. */
export interface ApiKeyStore {
  /** Oldest first (then by id). */
  all(): Promise<ApiKeyRow[]>;
  get(id: string): Promise<ApiKeyRow | undefined>;
  /** A unique violation when the id is taken (the service draws another); a foreign key error without its owner. */
  insert(row: NewApiKey, audit?: AuditLink): Promise<ApiKeyRow>;
  /** undefined (nothing written) when there is no such key. */
  update(id: string, change: ApiKeyChange, audit?: AuditLink): Promise<ApiKeyRow | undefined>;
  /** Many keys' last use in one transaction; a use older than the stored one (another gateway's) is ignored. */
  touch(uses: readonly KeyUseRecord[]): Promise<void>;
}
