import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { apiKeys, type ApiKeyRow } from '../schema-access.js';

export type NewApiKey = Omit<ApiKeyRow, 'lastUsedAt' | 'lastUsedIp' | 'rotatedAt' | 'revokedAt' | 'revokedBy' | 'previousSecretHash' | 'previousValidUntil'>;
export type ApiKeyPatch = Partial<Omit<ApiKeyRow, 'id' | 'env' | 'ownerId' | 'createdAt' | 'createdBy'>>;

/** API key rows; read whole at boot (the key service checks keys from memory), written one at a time. */
export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  all(): ApiKeyRow[] {
    return this.db.select().from(apiKeys).all();
  }

  insert(row: NewApiKey): ApiKeyRow {
    return this.db.insert(apiKeys).values(row).returning().get();
  }

  update(id: string, patch: ApiKeyPatch): ApiKeyRow | undefined {
    return this.db.update(apiKeys).set(patch).where(eq(apiKeys.id, id)).returning().get();
  }

  /** Many keys' last use in one transaction (flushed from memory every few seconds, not per request). */
  touch(uses: readonly { id: string; at: number; ip: string | null }[]): void {
    if (uses.length === 0) return;
    this.db.transaction(() => {
      for (const use of uses) this.db.update(apiKeys).set({ lastUsedAt: use.at, lastUsedIp: use.ip }).where(eq(apiKeys.id, use.id)).run();
    });
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }
}
