/** The access area's stores on either dialect, and the rows their contract tests start from. */
import { AuditLog, SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import type { AuditLink } from '../../src/db/ports/audit.js';
import { PgAuditRepository } from '../../src/db/pg/repositories/audit.js';
import { AuditRepository } from '../../src/db/repositories/audit.js';
import type { AuditRow } from '../../src/db/schema-access.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import type { TestDatabase } from './dialects.js';

export const clockAt = (t: { now: number }): Clock => ({ now: () => t.now, random: () => 0.5, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) });

export const auditStoreOf = (d: TestDatabase) => (d.dialect === 'sqlite' ? new AuditRepository(d.db) : new PgAuditRepository(d.db));

/** An audit log on the test database, and what it has stored so far (oldest first). */
export function auditOn(d: TestDatabase, t = { now: 1000 }): { log: AuditLog; rows: () => Promise<AuditRow[]>; link: (action: string) => AuditLink & { ids: number[] } } {
  const store = auditStoreOf(d);
  const log = new AuditLog(store, clockAt(t), createLogger('silent'));
  return {
    log,
    rows: () => store.ascending({}, { all: true }, 0, 10_000),
    link: (action) => {
      const ids: number[] = [];
      return Object.assign(log.link({ actor: SYSTEM_ACTOR, action, result: 'ok' }, (id) => ids.push(id)), { ids });
    },
  };
}

export async function userRow(d: TestDatabase, username: string, role = 'user'): Promise<number> {
  const id = await d.fixture('INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [username, 'scrypt$x', role, 1, 1]);
  if (id === undefined) throw new Error('no user id');
  return id;
}

export async function deviceRow(d: TestDatabase, phoneNumber: string): Promise<void> {
  await d.fixture('INSERT INTO devices (phone_number, name) VALUES (?, ?)', [phoneNumber, `number ${phoneNumber}`]);
}
