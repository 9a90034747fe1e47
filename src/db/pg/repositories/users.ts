import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { errors } from '../../../domain/errors.js';
import type { AuditLink } from '../../ports/audit.js';
import type { NewUser, UserChange, UserStore } from '../../ports/users.js';
import type { UserRow } from '../../schema.js';
import { isUniqueViolation } from '../../unique.js';
import type { PgDb } from '../client.js';
import { users } from '../schema.js';
import { unstorable } from '../text.js';
import { withAuditPg } from './audit-append.js';

export class PgUserRepository implements UserStore {
  constructor(private readonly db: PgDb) {}

  async findByUsername(username: string): Promise<UserRow | undefined> {
    if (unstorable(username)) return undefined;
    const [row] = await this.db.select().from(users).where(eq(users.username, username));
    return row;
  }

  async findById(id: number): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  async list(): Promise<UserRow[]> {
    return this.db.select().from(users).orderBy(asc(users.id));
  }

  /** Names are checked by the routes (letters, digits, `_.@-`), so none holds U+0000. */
  async insert(user: NewUser, now: number, audit?: AuditLink): Promise<UserRow> {
    try {
      return await withAuditPg(this.db, audit, async (tx) => {
        const [row] = await tx.insert(users).values({ ...user, createdAt: now, updatedAt: now }).returning();
        return row as UserRow;
      });
    } catch (err) {
      throw isUniqueViolation(err) ? errors.userExists(user.username) : err;
    }
  }

  /**
   * Locks the account and every enabled admin (in id order, so two changes cannot deadlock): two admins demoting
   * each other at once on two gateways take turns, and the second sees one admin left.
   */
  async update(id: number, change: UserChange, now: number, audit?: AuditLink): Promise<UserRow | undefined> {
    return withAuditPg(this.db, audit, async (tx) => {
      const locked = await tx
        .select()
        .from(users)
        .where(or(eq(users.id, id), and(eq(users.role, 'admin'), isNull(users.disabledAt))))
        .orderBy(asc(users.id))
        .for('update');
      const current = locked.find((u) => u.id === id);
      if (!current) return undefined;
      const admins = locked.filter((u) => u.role === 'admin' && u.disabledAt === null).length;
      const [row] = await tx
        .update(users)
        .set({ ...change(current, admins), updatedAt: now })
        .where(eq(users.id, id))
        .returning();
      return row;
    });
  }
}
