import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { users, type UserRow } from '../schema.js';

export type UserPatch = Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabledAt' | 'tokenGeneration'>>;

/** Accounts; the rules (passwords, roles, revocation) live in src/auth/accounts.ts. */
export class UserRepository {
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  }

  findByUsername(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  findById(id: number): UserRow | undefined {
    return this.byId.get({ id });
  }

  list(): UserRow[] {
    return this.db.select().from(users).orderBy(asc(users.id)).all();
  }

  insert(user: { username: string; passwordHash: string; role: UserRow['role'] }): UserRow {
    return this.db.insert(users).values(user).returning().get();
  }

  update(id: number, patch: UserPatch): UserRow | undefined {
    return this.db
      .update(users)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(users.id, id))
      .returning()
      .get();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }
}
