import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { errors } from '../../domain/errors.js';
import type { Db } from '../client.js';
import type { AuditLink } from '../ports/audit.js';
import type { NewUser, UserChange, UserStore } from '../ports/users.js';
import { users, type UserRow } from '../schema.js';
import { isUniqueViolation } from '../unique.js';
import { withAudit } from './audit-append.js';

export type { UserPatch } from '../ports/users.js';

/** Accounts on SQLite. */
export class UserRepository implements UserStore {
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  async findById(id: number): Promise<UserRow | undefined> {
    return this.byId.get({ id });
  }

  async list(): Promise<UserRow[]> {
    return this.db.select().from(users).orderBy(asc(users.id)).all();
  }

  async insert(user: NewUser, now: number, audit?: AuditLink): Promise<UserRow> {
    try {
      return withAudit(this.db, audit, () => this.db.insert(users).values({ ...user, createdAt: now, updatedAt: now }).returning().get());
    } catch (err) {
      throw isUniqueViolation(err) ? errors.userExists(user.username) : err;
    }
  }

  async update(id: number, change: UserChange, now: number, audit?: AuditLink): Promise<UserRow | undefined> {
    return withAudit(this.db, audit, () => {
      const current = this.byId.get({ id });
      if (!current) return undefined;
      const admins = this.db.select({ n: count() }).from(users).where(and(eq(users.role, 'admin'), isNull(users.disabledAt))).get()?.n ?? 0;
      return this.db
        .update(users)
        .set({ ...change(current, admins), updatedAt: now })
        .where(eq(users.id, id))
        .returning()
        .get();
    });
  }
}
