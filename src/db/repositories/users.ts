import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { users, type UserRow } from '../schema.js';

export class UserRepository {
  /** Every authenticated request checks its user still exists: built once, not per call. */
  private readonly byId;
  private readonly known = new Set<number>();

  constructor(private readonly db: Db) {
    this.byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  }

  findByUsername(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  findById(id: number): UserRow | undefined {
    return this.byId.get({ id });
  }

  /** Users are never deleted while the gateway runs, so a user once found stays found (checked on every request). */
  exists(id: number): boolean {
    if (this.known.has(id)) return true;
    const found = this.findById(id) !== undefined;
    if (found) this.known.add(id);
    return found;
  }

  list(): UserRow[] {
    return this.db.select().from(users).all();
  }

  insert(user: { username: string; passwordHash: string; role: 'admin' | 'user' }): UserRow {
    return this.db.insert(users).values(user).returning().get();
  }
}
