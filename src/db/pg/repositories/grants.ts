import { and, asc, eq } from 'drizzle-orm';
import type { AuditLink } from '../../ports/audit.js';
import type { GrantStore, GrantWrite } from '../../ports/grants.js';
import type { GrantRow } from '../../schema-access.js';
import type { PgDb } from '../client.js';
import { numberGrants } from '../schema-access.js';
import { unstorable } from '../text.js';
import { withAuditPg } from './audit-append.js';

export class PgGrantRepository implements GrantStore {
  constructor(private readonly db: PgDb) {}

  async all(): Promise<GrantRow[]> {
    return this.db.select().from(numberGrants).orderBy(asc(numberGrants.userId), asc(numberGrants.phoneNumber));
  }

  async get(userId: number, phoneNumber: string): Promise<GrantRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.select().from(numberGrants).where(and(eq(numberGrants.userId, userId), eq(numberGrants.phoneNumber, phoneNumber)));
    return row;
  }

  async upsert(grant: GrantWrite, now: number, audit?: AuditLink): Promise<GrantRow> {
    return withAuditPg(this.db, audit, async (tx) => {
      const [row] = await tx
        .insert(numberGrants)
        .values({ ...grant, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: [numberGrants.userId, numberGrants.phoneNumber], set: { level: grant.level, grantedBy: grant.grantedBy, updatedAt: now } })
        .returning();
      return row as GrantRow;
    });
  }

  async delete(userId: number, phoneNumber: string, audit?: AuditLink): Promise<boolean> {
    if (unstorable(phoneNumber)) return false;
    return withAuditPg(this.db, audit, async (tx) => ((await tx.delete(numberGrants).where(and(eq(numberGrants.userId, userId), eq(numberGrants.phoneNumber, phoneNumber)))).rowCount ?? 0) > 0);
  }
}
