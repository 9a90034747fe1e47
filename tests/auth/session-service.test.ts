import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SessionService } from '../../src/auth/sessions.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { AuthSessionRepository } from '../../src/db/repositories/auth-sessions.js';
import { UserRepository } from '../../src/db/repositories/users.js';
import { GatewayError } from '../../src/domain/errors.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';

/** Rotation, reuse detection and expiry, on a real database file with a clock the test moves. */
describe('sign-in sessions', () => {
  let database: DatabaseHandle;
  let sessions: SessionService;
  let now = 1_000_000;
  let userId: number;
  const clock: Clock = { now: () => now, random: () => 0.5, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) };
  const ended: { sessionIds: string[]; reason: string }[] = [];

  const refused = async (work: Promise<unknown>): Promise<string> => {
    try {
      await work;
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'UNAUTHORIZED') return String(err.details?.['reason']);
      throw err;
    }
    throw new Error('expected the refresh to be refused');
  };

  beforeAll(async () => {
    database = openDatabase(path.join(makeDataRoot(), 'whatsapp.db'), path.join(ROOT, 'drizzle'));
    userId = (await new UserRepository(database.db).insert({ username: 'desk', passwordHash: 'x', role: 'user' }, now)).id;
    sessions = await SessionService.load(new AuthSessionRepository(database.db), clock, { idleMs: 60_000, maxMs: 300_000, graceMs: 10_000 }, createLogger('silent'));
    sessions.events.on('ended', (e) => ended.push(e));
  });
  afterAll(() => database.close());

  it('stores only a hash of the refresh token, and swaps it for a new one on every refresh', async () => {
    const { session, refreshToken } = await sessions.start(userId, { userAgent: 'test', ip: '127.0.0.1' });
    const stored = database.sqlite.prepare('SELECT token_hash FROM auth_refresh_tokens WHERE session_id = ?').all(session.id) as { token_hash: string }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).not.toContain(refreshToken);
    now += 1000;
    const next = await sessions.refresh(refreshToken);
    expect(next.kind).toBe('rotated');
    if (next.kind !== 'rotated') return;
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(next.session.id).toBe(session.id);
    expect(sessions.isActive(session.id)).toBe(true);
  });

  it('lets a just-rotated token back once more within the grace period (two tabs reloading), without a new token', async () => {
    const { refreshToken } = await sessions.start(userId, { userAgent: null, ip: null });
    const first = await sessions.refresh(refreshToken);
    now += 2000;
    expect((await sessions.refresh(refreshToken)).kind).toBe('grace');
    expect(first.kind).toBe('rotated');
  });

  it('ends the whole session when a rotated token comes back after the grace period, and its current token with it', async () => {
    const { session, refreshToken } = await sessions.start(userId, { userAgent: null, ip: null });
    const rotated = await sessions.refresh(refreshToken);
    if (rotated.kind !== 'rotated') throw new Error('expected a rotation');
    now += 11_000;
    expect(await refused(sessions.refresh(refreshToken))).toBe('reused');
    expect(ended.at(-1)).toEqual({ userId, sessionIds: [session.id], reason: 'refresh token reused' });
    expect(sessions.isActive(session.id)).toBe(false);
    // The legitimate holder's newer token is refused too: both must sign in again.
    expect(await refused(sessions.refresh(rotated.refreshToken))).toBe('ended');
  });

  it('expires after the idle time, and at the absolute maximum however active', async () => {
    const idle = await sessions.start(userId, { userAgent: null, ip: null });
    now += 61_000;
    expect(await refused(sessions.refresh(idle.refreshToken))).toBe('expired');

    let { refreshToken } = await sessions.start(userId, { userAgent: null, ip: null });
    for (let i = 0; i < 5; i++) {
      now += 50_000;
      const next = await sessions.refresh(refreshToken);
      if (next.kind !== 'rotated') throw new Error('expected a rotation');
      refreshToken = next.refreshToken;
    }
    // 250 s in, refreshed a moment ago: the idle limit would allow 60 s more, the 300 s maximum does not.
    now += 50_001;
    expect(await refused(sessions.refresh(refreshToken))).toBe('expired');
    expect(await refused(sessions.refresh('not-a-token-at-all-but-long-enough'))).toBe('unknown');
  });

  it('signs a user out everywhere, and forgets long-ended sessions', async () => {
    const a = await sessions.start(userId, { userAgent: 'a', ip: null });
    const b = await sessions.start(userId, { userAgent: 'b', ip: null });
    expect((await sessions.list(userId)).map((s) => s.id)).toEqual(expect.arrayContaining([a.session.id, b.session.id]));
    expect(await sessions.endAll(userId, 'signed out everywhere')).toBeGreaterThanOrEqual(2);
    expect(await sessions.list(userId)).toEqual([]);
    expect(await refused(sessions.refresh(a.refreshToken))).toBe('ended');
    now += 400_000;
    expect(await sessions.prune(300_000)).toBeGreaterThan(0);
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM auth_refresh_tokens').get()).toEqual({ n: 0 });
  });
});
