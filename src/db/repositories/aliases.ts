import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { AliasWrites } from '../ports/aliases.js';

/** `@lid` → phone JID, per number, as the children's webhooks revealed them (`from_lid`, `chat_lid`). */
export class AliasRepository implements AliasWrites<'sync'> {
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    this.hot = {
      get: this.sqlite.prepare('SELECT jid FROM conversation_aliases WHERE phone_number = ? AND lid = ?').pluck(),
      put: this.sqlite.prepare(
        `INSERT INTO conversation_aliases (phone_number, lid, jid) VALUES (?, ?, ?)
         ON CONFLICT (phone_number, lid) DO UPDATE SET jid = excluded.jid WHERE jid <> excluded.jid`,
      ),
    };
  }

  jidOf(phoneNumber: string, lid: string): string | undefined {
    return this.hot.get.get(phoneNumber, lid) as string | undefined;
  }

  /** Returns true when the alias is new (or now names another JID). */
  put(phoneNumber: string, lid: string, jid: string): boolean {
    return this.hot.put.run(phoneNumber, lid, jid).changes > 0;
  }

  deleteForNumber(phoneNumber: string): number {
    return this.sqlite.prepare('DELETE FROM conversation_aliases WHERE phone_number = ?').run(phoneNumber).changes;
  }
}
