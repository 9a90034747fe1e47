import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { numberGrants, type GrantRow } from '../schema-access.js';

/** Per-number grants; read whole at boot (the policy keeps them in memory), written one at a time. */
export class GrantRepository {
  constructor(private readonly db: Db) {}

  all(): GrantRow[] {
    return this.db.select().from(numberGrants).all();
  }

  upsert(grant: Pick<GrantRow, 'userId' | 'phoneNumber' | 'level' | 'grantedBy'>, now: number): GrantRow {
    return this.db
      .insert(numberGrants)
      .values({ ...grant, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [numberGrants.userId, numberGrants.phoneNumber], set: { level: grant.level, grantedBy: grant.grantedBy, updatedAt: now } })
      .returning()
      .get();
  }

  delete(userId: number, phoneNumber: string): boolean {
    return this.db.delete(numberGrants).where(and(eq(numberGrants.userId, userId), eq(numberGrants.phoneNumber, phoneNumber))).run().changes > 0;
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }
}
