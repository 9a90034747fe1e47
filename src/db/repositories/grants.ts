import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { AuditLink } from '../ports/audit.js';
import type { GrantStore, GrantWrite } from '../ports/grants.js';
import { numberGrants, type GrantRow } from '../schema-access.js';
import { withAudit } from './audit-append.js';

/** Per-number grants on SQLite; read whole at boot (the policy keeps them in memory), written one at a time. */
export class GrantRepository implements GrantStore {
  constructor(private readonly db: Db) {}

  async all(): Promise<GrantRow[]> {
    return this.db.select().from(numberGrants).orderBy(asc(numberGrants.userId), asc(numberGrants.phoneNumber)).all();
  }

  async get(userId: number, phoneNumber: string): Promise<GrantRow | undefined> {
    return this.db.select().from(numberGrants).where(and(eq(numberGrants.userId, userId), eq(numberGrants.phoneNumber, phoneNumber))).get();
  }

  async upsert(grant: GrantWrite, now: number, audit?: AuditLink): Promise<GrantRow> {
    return withAudit(this.db, audit, () =>
      this.db
        .insert(numberGrants)
        .values({ ...grant, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: [numberGrants.userId, numberGrants.phoneNumber], set: { level: grant.level, grantedBy: grant.grantedBy, updatedAt: now } })
        .returning()
        .get(),
    );
  }

  async delete(userId: number, phoneNumber: string, audit?: AuditLink): Promise<boolean> {
    return withAudit(this.db, audit, () => this.db.delete(numberGrants).where(and(eq(numberGrants.userId, userId), eq(numberGrants.phoneNumber, phoneNumber))).run().changes > 0);
  }
}
