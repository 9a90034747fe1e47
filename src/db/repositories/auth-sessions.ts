import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../client.js';
import { authRefreshTokens, authSessions, type AuthRefreshTokenRow, type AuthSessionRow } from '../schema.js';

export type NewAuthSession = Omit<typeof authSessions.$inferInsert, 'createdAt' | 'revokedAt' | 'revokedReason'>;

/** Sessions and their refresh tokens; the rules (rotation, reuse, expiry) live in src/auth/sessions.ts. */
export class AuthSessionRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  insert(session: NewAuthSession, tokenHash: string, now: number): AuthSessionRow {
    return this.db.transaction(() => {
      const row = this.db.insert(authSessions).values({ ...session, createdAt: now }).returning().get();
      this.db.insert(authRefreshTokens).values({ tokenHash, sessionId: row.id, createdAt: now }).run();
      return row;
    });
  }

  get(id: string): AuthSessionRow | undefined {
    return this.db.select().from(authSessions).where(eq(authSessions.id, id)).get();
  }

  token(tokenHash: string): AuthRefreshTokenRow | undefined {
    return this.db.select().from(authRefreshTokens).where(eq(authRefreshTokens.tokenHash, tokenHash)).get();
  }

  /** Retire `oldHash` and give the session `newHash` (call inside `transaction`). */
  rotate(sessionId: string, oldHash: string, newHash: string, now: number, expiresAt: number): void {
    this.db.update(authRefreshTokens).set({ rotatedAt: now }).where(and(eq(authRefreshTokens.tokenHash, oldHash), isNull(authRefreshTokens.rotatedAt))).run();
    this.db.insert(authRefreshTokens).values({ tokenHash: newHash, sessionId, createdAt: now }).run();
    this.db.update(authSessions).set({ lastUsedAt: now, expiresAt }).where(eq(authSessions.id, sessionId)).run();
  }

  /** End sessions (not already ended); returns the ids that were ended now. */
  revoke(where: { id: string } | { userId: number }, reason: string, now: number): string[] {
    const match = 'id' in where ? eq(authSessions.id, where.id) : eq(authSessions.userId, where.userId);
    return this.db
      .update(authSessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(match, isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id })
      .all()
      .map((r) => r.id);
  }

  /** The user's sessions that are neither ended nor expired, newest first. */
  active(userId: number, now: number): AuthSessionRow[] {
    return this.db
      .select()
      .from(authSessions)
      .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt)))
      .all()
      .filter((s) => s.expiresAt > now)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Forget sessions that ended or expired more than `keepMs` ago (their tokens go with them). */
  prune(before: number): number {
    return this.db
      .delete(authSessions)
      .where(or(lt(authSessions.expiresAt, before), lt(authSessions.revokedAt, before)))
      .run().changes;
  }
}
