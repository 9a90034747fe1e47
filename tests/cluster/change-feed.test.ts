/**
 * The change feed between two gateways on one Postgres: what one changes in accounts, API keys and grants (or what a
 * cascade changes for it) reaches the other's memory and its `changed` events, and a feed re-opened after a gap
 * reads everything again.
 */
import { describe, expect, it } from '@jest/globals';
import { AccountService } from '../../src/auth/accounts.js';
import { ApiKeyService } from '../../src/auth/api-keys.js';
import { followAccessChanges } from '../../src/auth/follow-changes.js';
import { GrantService } from '../../src/auth/grants.js';
import { SecretHasher } from '../../src/auth/key-format.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { SessionService } from '../../src/auth/sessions.js';
import { connectClient } from '../../src/cluster/pool.js';
import { PgApiKeyRepository } from '../../src/db/pg/repositories/api-keys.js';
import { PgAuthSessionRepository } from '../../src/db/pg/repositories/auth-sessions.js';
import { PgGrantRepository } from '../../src/db/pg/repositories/grants.js';
import { PgUserRepository } from '../../src/db/pg/repositories/users.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent as next, sharedDatabases, type SharedDatabase } from '../helpers/shared-database.js';

const A_NUMBER = '5511900000001';
const B_NUMBER = '5511900000002';
const shared = sharedDatabases('changes');

/** A gateway's access area on the shared database: its own pool, services and (started) change feed. */
async function gatewayOn(database: SharedDatabase, name: string) {
  const { pool, db } = database.pool(name);
  const accounts = await AccountService.load(new PgUserRepository(db), new LoginThrottle(systemClock, { maxPerUser: 100, maxPerAddress: 100, windowMs: 60_000 }), systemClock, false);
  const keys = await ApiKeyService.load(new PgApiKeyRepository(db), new SecretHasher('test-pepper'), systemClock, 'test');
  const grants = await GrantService.load(new PgGrantRepository(db), systemClock);
  const signIns = await SessionService.load(new PgAuthSessionRepository(db), systemClock, { idleMs: 60_000, maxMs: 300_000, graceMs: 10_000 }, createLogger('silent'));
  const feed = database.feed(name);
  const errors: unknown[] = [];
  const stop = followAccessChanges(feed, { accounts, keys, grants, signIns }, systemClock, 100, (err) => errors.push(err));
  await feed.start();
  database.onClose(async () => {
    stop();
    await keys.close();
  });
  return { pool, accounts, keys, grants, signIns, feed, errors };
}

async function cluster() {
  const database = await shared();
  const a = await gatewayOn(database, 'a');
  const b = await gatewayOn(database, 'b');
  for (const phone of [A_NUMBER, B_NUMBER]) await a.pool.query('INSERT INTO devices (phone_number, name) VALUES ($1, $1)', [phone]);
  const admin = await a.accounts.createUser('boss', 'a long enough password', 'admin');
  const ana = await a.accounts.createUser('ana', 'another long password', 'user');
  // B has read both accounts: no refresh of the set-up is still on its way when a test starts.
  await waitFor(() => (b.accounts.account(admin.id) && b.accounts.account(ana.id)) ?? null, { what: 'the accounts on B' });
  return { database, url: database.url, a, b, admin, ana };
}

describe('the change feed between two gateways', () => {
  it('brings a grant given, changed and taken away on one gateway to the other, with its changed events', async () => {
    const { a, b, ana } = await cluster();
    const given = next(b.grants.events, 'changed', (c) => c.userId === ana.id && c.phoneNumber === A_NUMBER);
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'read', grantedBy: null });
    expect(await given).toEqual({ userId: ana.id, phoneNumber: A_NUMBER, level: 'read' });
    expect(b.grants.level(ana.id, A_NUMBER)).toBe('read');

    const raised = next(b.grants.events, 'changed', (c) => c.level === 'manager');
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'manager', grantedBy: null });
    await raised;
    expect(b.grants.ofUser(ana.id).map((g) => [g.phoneNumber, g.level])).toEqual([[A_NUMBER, 'manager']]);

    const removed = next(b.grants.events, 'changed', (c) => c.level === null);
    await a.grants.remove(ana.id, A_NUMBER);
    expect(await removed).toEqual({ userId: ana.id, phoneNumber: A_NUMBER, level: null });
    expect(b.grants.level(ana.id, A_NUMBER)).toBeNull();
    expect([a.errors, b.errors]).toEqual([[], []]);
  });

  it('ends a key on the other gateway when it is revoked, also a token that gateway had already checked', async () => {
    const { a, b, ana } = await cluster();
    const created = await a.keys.create({ name: 'crm', ownerId: ana.id, createdBy: null, scopes: ['messages:send'], numbers: '*', expiresAt: null, allowedCidrs: null });
    // A key new to B is no change for anything B holds: the rename after it is the first event there.
    const renamed = next(b.keys.events, 'changed', (c) => c.keyId === created.key.id);
    await a.keys.update(created.key.id, { name: 'crm (renamed)' });
    expect(await renamed).toEqual({ keyId: created.key.id, reason: 'key changed' });
    expect(b.keys.authenticate(created.secret, '127.0.0.1').key.name).toBe('crm (renamed)');

    const revoked = next(b.keys.events, 'changed', (c) => c.reason === 'key revoked');
    await a.keys.revoke(created.key.id, null);
    await revoked;
    expect(() => b.keys.authenticate(created.secret, '127.0.0.1')).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('follows a cascade nobody wrote: deleting a user takes its keys and grants on the other gateway too', async () => {
    const { a, b, ana } = await cluster();
    const { key, secret } = await a.keys.create({ name: 'bot', ownerId: ana.id, createdBy: null, scopes: ['messages:send'], numbers: '*', expiresAt: null, allowedCidrs: null });
    const granted = next(b.grants.events, 'changed', (c) => c.userId === ana.id);
    await a.grants.set({ userId: ana.id, phoneNumber: B_NUMBER, level: 'agent', grantedBy: null });
    await granted;
    const gone = next(b.accounts.events, 'changed', (c) => c.userId === ana.id);
    const grantGone = next(b.grants.events, 'changed', (c) => c.userId === ana.id && c.level === null);
    const keyGone = next(b.keys.events, 'changed', (c) => c.keyId === key.id);
    await a.pool.query('DELETE FROM users WHERE id = $1', [ana.id]);
    expect(await gone).toMatchObject({ userId: ana.id, tokensRevoked: true });
    expect(await keyGone).toEqual({ keyId: key.id, reason: 'key removed' });
    await grantGone;
    expect(b.accounts.account(ana.id)).toBeNull();
    expect(b.grants.ofUser(ana.id)).toEqual([]);
    expect(() => b.keys.authenticate(secret, null)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('moves a grant whose number took a new key: the old key is gone, the new one has it', async () => {
    const { a, b, ana } = await cluster();
    const granted = next(b.grants.events, 'changed', (c) => c.phoneNumber === A_NUMBER);
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'read', grantedBy: null });
    await granted;
    const moved = next(b.grants.events, 'changed', (c) => c.phoneNumber === B_NUMBER);
    const left = next(b.grants.events, 'changed', (c) => c.phoneNumber === A_NUMBER && c.level === null);
    await a.pool.query('UPDATE number_grants SET phone_number = $1 WHERE user_id = $2', [B_NUMBER, ana.id]);
    await Promise.all([moved, left]);
    expect(b.grants.ofUser(ana.id).map((g) => g.phoneNumber)).toEqual([B_NUMBER]);
  });

  it('announces nothing for a flush of last uses, which changes no decision', async () => {
    const { database, url, a, ana } = await cluster();
    const { secret } = await a.keys.create({ name: 'bot', ownerId: ana.id, createdBy: null, scopes: ['messages:send'], numbers: '*', expiresAt: null, allowedCidrs: null });
    const listener = await connectClient(url, 5000, 'test:raw-listener');
    database.onClose(() => listener.end());
    const heard: string[] = [];
    let marker: () => void = () => undefined;
    const markerHeard = new Promise<void>((resolve) => (marker = resolve));
    listener.on('notification', (message) => {
      heard.push(message.payload ?? '');
      if (message.payload?.includes('number_grants')) marker();
    });
    await listener.query('LISTEN changes');
    a.keys.authenticate(secret, '10.0.0.7');
    await a.keys.flush();
    expect((await a.pool.query('SELECT last_used_ip FROM api_keys')).rows).toEqual([{ last_used_ip: '10.0.0.7' }]);
    // Notifications arrive in commit order: once the grant's is here, a flush's would have been before it.
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'read', grantedBy: null });
    await markerHeard;
    expect(heard.map((p) => JSON.parse(p) as unknown)).toEqual([{ table: 'number_grants', key: `${ana.id}:${A_NUMBER}` }]);
  });

  it('reads everything again when its feed is re-opened after a gap, and announces what changed meanwhile', async () => {
    const { a, b, ana } = await cluster();
    await b.feed.stop();
    await a.accounts.update(ana.id, { disabled: true });
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'agent', grantedBy: null });
    expect(b.accounts.account(ana.id)?.disabled).toBe(false);
    const disabled = next(b.accounts.events, 'changed', (c) => c.userId === ana.id);
    const granted = next(b.grants.events, 'changed', (c) => c.userId === ana.id);
    await b.feed.start();
    expect(await disabled).toMatchObject({ userId: ana.id, tokensRevoked: true, roleLowered: true });
    await granted;
    expect(b.accounts.account(ana.id)?.disabled).toBe(true);
    expect(b.grants.level(ana.id, A_NUMBER)).toBe('agent');
  });

  it('announces nothing on the writer when its own change comes back', async () => {
    const { a, ana } = await cluster();
    const seen: unknown[] = [];
    a.grants.events.on('changed', (c) => seen.push(c));
    await a.grants.set({ userId: ana.id, phoneNumber: A_NUMBER, level: 'read', grantedBy: null });
    await a.grants.refresh(`${ana.id}:${A_NUMBER}`);
    await a.grants.refresh(null);
    expect(seen).toEqual([{ userId: ana.id, phoneNumber: A_NUMBER, level: 'read' }]);
  });
});
