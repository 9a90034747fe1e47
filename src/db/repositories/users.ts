import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { users, type UserRow } from '../schema.js';

export class UserRepository {
  /** Every authenticated request checks its user still exists: built once, not per call. */
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
    return this.db.select().from(users).all();
  }

  insert(user: { username: string; passwordHash: string; role: 'admin' | 'user' }): UserRow {
    return this.db.insert(users).values(user).returning().get();
  }
}
