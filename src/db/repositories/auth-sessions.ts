import { and, desc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { AuthSessionStore, NewAuthSession, PresentedToken, SessionSelector, TokenExchange } from '../ports/auth-sessions.js';
import { authRefreshTokens, authSessions, type AuthSessionRow } from '../schema.js';

export type { NewAuthSession } from '../ports/auth-sessions.js';

/** Sign-in sessions on SQLite: each method one synchronous transaction, so nothing lands inside an exchange. */
export class AuthSessionRepository implements AuthSessionStore {
  constructor(private readonly db: Db) {}

  async insert(session: NewAuthSession, tokenHash: string, now: number): Promise<AuthSessionRow> {
    return this.db.transaction(() => {
      const row = this.db.insert(authSessions).values({ ...session, createdAt: now }).returning().get();
      this.db.insert(authRefreshTokens).values({ tokenHash, sessionId: row.id, createdAt: now }).run();
      return row;
    });
  }

  async get(id: string): Promise<AuthSessionRow | undefined> {
    return this.db.select().from(authSessions).where(eq(authSessions.id, id)).get();
  }

  async byToken(tokenHash: string): Promise<PresentedToken | undefined> {
    return this.found(tokenHash);
  }

  async exchange<T>(tokenHash: string, decide: TokenExchange<T>): Promise<T> {
    return this.db.transaction(() => {
      const found = this.found(tokenHash);
      const { result, rotate } = decide(found);
      if (rotate) {
        if (!found) throw new Error('a rotation needs the presented token');
        const sessionId = found.session.id;
        this.db.update(authRefreshTokens).set({ rotatedAt: rotate.now }).where(and(eq(authRefreshTokens.tokenHash, tokenHash), isNull(authRefreshTokens.rotatedAt))).run();
        this.db.insert(authRefreshTokens).values({ tokenHash: rotate.newHash, sessionId, createdAt: rotate.now }).run();
        this.db.update(authSessions).set({ lastUsedAt: rotate.now, expiresAt: rotate.expiresAt }).where(eq(authSessions.id, sessionId)).run();
      }
      return result;
    });
  }

  async revoke(where: SessionSelector, reason: string, now: number): Promise<string[]> {
    const match = 'id' in where ? eq(authSessions.id, where.id) : eq(authSessions.userId, where.userId);
    return this.db
      .update(authSessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(match, isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id })
      .all()
      .map((r) => r.id);
  }

  async active(now: number, userId?: number): Promise<AuthSessionRow[]> {
    return this.db
      .select()
      .from(authSessions)
      .where(and(userId === undefined ? undefined : eq(authSessions.userId, userId), isNull(authSessions.revokedAt), gt(authSessions.expiresAt, now)))
      .orderBy(desc(authSessions.createdAt), desc(authSessions.id))
      .all();
  }

  async prune(before: number): Promise<number> {
    return this.db
      .delete(authSessions)
      .where(or(lt(authSessions.expiresAt, before), lt(authSessions.revokedAt, before)))
      .run().changes;
  }

  private found(tokenHash: string): PresentedToken | undefined {
    return this.db
      .select({ token: authRefreshTokens, session: authSessions })
      .from(authRefreshTokens)
      .innerJoin(authSessions, eq(authSessions.id, authRefreshTokens.sessionId))
      .where(eq(authRefreshTokens.tokenHash, tokenHash))
      .get();
  }
}
