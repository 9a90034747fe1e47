import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { ApiKeyChange, ApiKeyStore, KeyUseRecord, NewApiKey } from '../ports/api-keys.js';
import type { AuditLink } from '../ports/audit.js';
import { apiKeys, type ApiKeyRow } from '../schema-access.js';
import { withAudit } from './audit-append.js';

export type { ApiKeyPatch, NewApiKey } from '../ports/api-keys.js';

/** API key rows on SQLite. */
export class ApiKeyRepository implements ApiKeyStore {
  constructor(private readonly db: Db) {}

  async all(): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)).all();
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  async insert(row: NewApiKey, audit?: AuditLink): Promise<ApiKeyRow> {
    return withAudit(this.db, audit, () => this.db.insert(apiKeys).values(row).returning().get());
  }

  async update(id: string, change: ApiKeyChange, audit?: AuditLink): Promise<ApiKeyRow | undefined> {
    return withAudit(this.db, audit, () => {
      const current = this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
      return current && this.db.update(apiKeys).set(change(current)).where(eq(apiKeys.id, id)).returning().get();
    });
  }

  async touch(uses: readonly KeyUseRecord[]): Promise<void> {
    if (uses.length === 0) return;
    this.db.transaction(() => {
      for (const use of uses) {
        this.db
          .update(apiKeys)
          .set({ lastUsedAt: use.at, lastUsedIp: use.ip })
          .where(and(eq(apiKeys.id, use.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, use.at))))
          .run();
      }
    });
  }
}
