import { and, desc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { AuthSessionStore, NewAuthSession, PresentedToken, SessionSelector, TokenExchange } from '../../ports/auth-sessions.js';
import type { AuthSessionRow } from '../../schema.js';
import type { PgDb, PgTx } from '../client.js';
import { authRefreshTokens, authSessions } from '../schema.js';
import { pgText, unstorable } from '../text.js';

/** Sign-in sessions on Postgres. Ids and hashes are the gateway's own; the user agent is the client's (U+0000 stripped). */
export class PgAuthSessionRepository implements AuthSessionStore {
  constructor(private readonly db: PgDb) {}

  async insert(session: NewAuthSession, tokenHash: string, now: number): Promise<AuthSessionRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(authSessions)
        .values({ ...session, userAgent: pgText(session.userAgent), ip: pgText(session.ip), createdAt: now })
        .returning();
      await tx.insert(authRefreshTokens).values({ tokenHash, sessionId: session.id, createdAt: now });
      return row as AuthSessionRow;
    });
  }

  async get(id: string): Promise<AuthSessionRow | undefined> {
    if (unstorable(id)) return undefined;
    const [row] = await this.db.select().from(authSessions).where(eq(authSessions.id, id));
    return row;
  }

  async byToken(tokenHash: string): Promise<PresentedToken | undefined> {
    if (unstorable(tokenHash)) return undefined;
    return this.found(this.db, tokenHash, false);
  }

  /**
   * The session's row, then the token's, locked (the order a prune's cascade takes them in): a second exchange of
   * the same token waits for the first's commit and finds the token rotated; an ending waits too.
   */
  async exchange<T>(tokenHash: string, decide: TokenExchange<T>): Promise<T> {
    if (unstorable(tokenHash)) return decide(undefined).result;
    return this.db.transaction(async (tx) => {
      const found = await this.found(tx, tokenHash, true);
      const { result, rotate } = decide(found);
      if (rotate) {
        if (!found) throw new Error('a rotation needs the presented token');
        const sessionId = found.session.id;
        await tx.update(authRefreshTokens).set({ rotatedAt: rotate.now }).where(and(eq(authRefreshTokens.tokenHash, tokenHash), isNull(authRefreshTokens.rotatedAt)));
        await tx.insert(authRefreshTokens).values({ tokenHash: rotate.newHash, sessionId, createdAt: rotate.now });
        await tx.update(authSessions).set({ lastUsedAt: rotate.now, expiresAt: rotate.expiresAt }).where(eq(authSessions.id, sessionId));
      }
      return result;
    });
  }

  async revoke(where: SessionSelector, reason: string, now: number): Promise<string[]> {
    if ('id' in where && unstorable(where.id)) return [];
    const match = 'id' in where ? eq(authSessions.id, where.id) : eq(authSessions.userId, where.userId);
    const rows = await this.db
      .update(authSessions)
      .set({ revokedAt: now, revokedReason: pgText(reason) })
      .where(and(match, isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id });
    return rows.map((r) => r.id);
  }

  async active(now: number, userId?: number): Promise<AuthSessionRow[]> {
    return this.db
      .select()
      .from(authSessions)
      .where(and(userId === undefined ? undefined : eq(authSessions.userId, userId), isNull(authSessions.revokedAt), gt(authSessions.expiresAt, now)))
      .orderBy(desc(authSessions.createdAt), desc(authSessions.id));
  }

  async prune(before: number): Promise<number> {
    const rows = await this.db
      .delete(authSessions)
      .where(or(lt(authSessions.expiresAt, before), lt(authSessions.revokedAt, before)))
      .returning({ id: authSessions.id });
    return rows.length;
  }

  private async found(db: PgDb | PgTx, tokenHash: string, lock: boolean): Promise<PresentedToken | undefined> {
    const [owner] = await db.select({ sessionId: authRefreshTokens.sessionId }).from(authRefreshTokens).where(eq(authRefreshTokens.tokenHash, tokenHash));
    if (!owner) return undefined;
    const sessions = db.select().from(authSessions).where(eq(authSessions.id, owner.sessionId));
    const [session] = lock ? await sessions.for('update') : await sessions;
    const tokens = db.select().from(authRefreshTokens).where(eq(authRefreshTokens.tokenHash, tokenHash));
    const [token] = lock ? await tokens.for('update') : await tokens;
    return session && token ? { token, session } : undefined;
  }
}
