import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { users, type UserRow } from '../schema.js';

export class UserRepository {
  constructor(private readonly db: Db) {}

  findByUsername(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  findById(id: number): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.id, id)).get();
  }

  list(): UserRow[] {
    return this.db.select().from(users).all();
  }

  insert(user: { username: string; passwordHash: string; role: 'admin' | 'user' }): UserRow {
    return this.db.insert(users).values(user).returning().get();
  }
}
