/** Sign-in sessions on both dialects: a session with its token, one rotation per token however many exchange it, endings, expiry, pruning. */
import { describe, expect, it } from '@jest/globals';
import type { AuthSessionStore, NewAuthSession, TokenExchange } from '../../src/db/ports/auth-sessions.js';
import { PgAuthSessionRepository } from '../../src/db/pg/repositories/auth-sessions.js';
import { AuthSessionRepository } from '../../src/db/repositories/auth-sessions.js';
import { userRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('sessions');
const store = (d: TestDatabase): AuthSessionStore => (d.dialect === 'sqlite' ? new AuthSessionRepository(d.db) : new PgAuthSessionRepository(d.db));
const session = (id: string, userId: number, expiresAt: number): NewAuthSession => ({ id, userId, userAgent: 'Firefox', ip: '127.0.0.1', lastUsedAt: 10, expiresAt, maxExpiresAt: expiresAt + 1000 });

/** Rotates when the token is current, and says what it found. */
const rotateTo =
  (newHash: string, now: number): TokenExchange<string> =>
  (found) => {
    if (!found) return { result: 'unknown' };
    if (found.token.rotatedAt !== null) return { result: `already rotated at ${found.token.rotatedAt}` };
    return { result: 'rotated', rotate: { newHash, now, expiresAt: now + 100 } };
  };

describe.each(DIALECTS)('sign-in sessions on %s', (dialect) => {
  it('read back with their token; a taken token hash is refused; they go with their user', async () => {
    const d = await open(dialect);
    const sessions = store(d);
    const ana = await userRow(d, 'ana');
    const row = await sessions.insert(session('s1', ana, 500), 'h1', 10);
    expect(row).toMatchObject({ id: 's1', userId: ana, createdAt: 10, expiresAt: 500, revokedAt: null, revokedReason: null });
    expect(await sessions.byToken('h1')).toEqual({ token: { tokenHash: 'h1', sessionId: 's1', createdAt: 10, rotatedAt: null }, session: row });
    expect(await sessions.byToken('nope')).toBeUndefined();
    expect(await sessions.byToken('h\u0000')).toBeUndefined();
    expect(await refusal(sessions.insert(session('s2', ana, 500), 'h1', 10))).toMatch(/unique|duplicate/i);
    // Nothing of the refused one stays.
    expect(await sessions.get('s2')).toBeUndefined();
    expect(await refusal(sessions.insert(session('s3', 9999, 500), 'h3', 10))).toMatch(/foreign key/i);
    await d.fixture('DELETE FROM users WHERE id = ?', [ana]);
    expect(await sessions.get('s1')).toBeUndefined();
    expect(await sessions.byToken('h1')).toBeUndefined();
  });

  it('rotate a token once when two exchange it at once; the second finds it rotated; a refusal writes nothing', async () => {
    const d = await open(dialect);
    const sessions = store(d);
    const ana = await userRow(d, 'ana');
    await sessions.insert(session('s1', ana, 500), 'h1', 10);
    const answers = await Promise.all([sessions.exchange('h1', rotateTo('h2', 20)), sessions.exchange('h1', rotateTo('h3', 30))]);
    expect(answers.filter((a) => a === 'rotated')).toHaveLength(1);
    expect(answers.filter((a) => a.startsWith('already rotated'))).toHaveLength(1);
    const winner = answers[0] === 'rotated' ? 'h2' : 'h3';
    const current = await sessions.byToken(winner);
    expect(current?.token.rotatedAt).toBeNull();
    expect(current?.session).toMatchObject({ lastUsedAt: winner === 'h2' ? 20 : 30, expiresAt: winner === 'h2' ? 120 : 130 });
    expect((await sessions.byToken('h1'))?.token.rotatedAt).toBe(winner === 'h2' ? 20 : 30);
    expect(await sessions.byToken(winner === 'h2' ? 'h3' : 'h2')).toBeUndefined();

    const thrown = await refusal(sessions.exchange(winner, () => { throw new Error('session ended'); }));
    expect(thrown).toBe('session ended');
    expect((await sessions.byToken(winner))?.token.rotatedAt).toBeNull();
    expect(await sessions.exchange('nope', rotateTo('h9', 40))).toBe('unknown');
    expect(await sessions.byToken('h9')).toBeUndefined();
  });

  it('end once however often ended, list live sessions newest first, and prune what ended or expired long ago', async () => {
    const d = await open(dialect);
    const sessions = store(d);
    const [ana, bia] = [await userRow(d, 'ana'), await userRow(d, 'bia')];
    await sessions.insert(session('a1', ana, 500), 'ha1', 10);
    await sessions.insert(session('a2', ana, 500), 'ha2', 20);
    await sessions.insert(session('a3', ana, 50), 'ha3', 30);
    await sessions.insert(session('b1', bia, 500), 'hb1', 40);
    expect((await sessions.active(100, ana)).map((s) => s.id)).toEqual(['a2', 'a1']);
    expect((await sessions.active(100)).map((s) => s.id)).toEqual(['b1', 'a2', 'a1']);

    const [first, second] = await Promise.all([sessions.revoke({ id: 'a1' }, 'signed out', 110), sessions.revoke({ id: 'a1' }, 'signed out', 111)]);
    expect([...(first ?? []), ...(second ?? [])]).toEqual(['a1']);
    expect(await sessions.get('a1')).toMatchObject({ revokedReason: 'signed out' });
    expect((await sessions.revoke({ userId: ana }, 'signed out everywhere', 120)).sort()).toEqual(['a2', 'a3']);
    expect(await sessions.active(130, ana)).toEqual([]);
    expect(await sessions.revoke({ id: 'missing\u0000' }, 'x', 130)).toEqual([]);

    // Ended at 110 and 120; b1 expires at 500.
    expect(await sessions.prune(115)).toBe(2); // a1 (ended 110), a3 (expired 50)
    expect(await sessions.prune(115)).toBe(0);
    expect((await sessions.active(130)).map((s) => s.id)).toEqual(['b1']);
    expect(await sessions.byToken('ha1')).toBeUndefined();
    expect(await sessions.byToken('ha2')).toBeDefined();
  });
});
