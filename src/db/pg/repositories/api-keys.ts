import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { ApiKeyChange, ApiKeyPatch, ApiKeyStore, KeyUseRecord, NewApiKey } from '../../ports/api-keys.js';
import type { AuditLink } from '../../ports/audit.js';
import type { ApiKeyRow } from '../../schema-access.js';
import type { PgDb } from '../client.js';
import { apiKeys } from '../schema-access.js';
import { pgText, unstorable } from '../text.js';
import { withAuditPg } from './audit-append.js';

/** A key's name is free text (U+0000 stripped); ids, hashes and addresses are the gateway's own, so never hold it. */
const named = <T extends { name?: string }>(row: T): T => (row.name === undefined ? row : { ...row, name: pgText(row.name) });

export class PgApiKeyRepository implements ApiKeyStore {
  constructor(private readonly db: PgDb) {}

  async all(): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    if (unstorable(id)) return undefined;
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return row;
  }

  async insert(row: NewApiKey, audit?: AuditLink): Promise<ApiKeyRow> {
    return withAuditPg(this.db, audit, async (tx) => {
      const [inserted] = await tx.insert(apiKeys).values(named(row)).returning();
      return inserted as ApiKeyRow;
    });
  }

  /** The key's row is locked while the change is decided: two rotations at once take turns. */
  async update(id: string, change: ApiKeyChange, audit?: AuditLink): Promise<ApiKeyRow | undefined> {
    if (unstorable(id)) return undefined;
    return withAuditPg(this.db, audit, async (tx) => {
      const [current] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for('update');
      if (!current) return undefined;
      const [row] = await tx
        .update(apiKeys)
        .set(named<ApiKeyPatch>(change(current)))
        .where(eq(apiKeys.id, id))
        .returning();
      return row;
    });
  }

  async touch(uses: readonly KeyUseRecord[]): Promise<void> {
    if (uses.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const use of uses) {
        await tx
          .update(apiKeys)
          .set({ lastUsedAt: use.at, lastUsedIp: use.ip })
          .where(and(eq(apiKeys.id, use.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, use.at))));
      }
    });
  }
}
