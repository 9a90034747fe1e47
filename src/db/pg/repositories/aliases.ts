import { and, eq, sql } from 'drizzle-orm';
import type { AliasWrites } from '../../ports/aliases.js';
import type { PgExec } from '../client.js';
import { conversationAliases } from '../schema.js';
import { pgText, unstorable } from '../text.js';

/** `@lid` → phone JID per number on Postgres, over the pool or bound to one transaction. */
export class PgAliasRepository implements AliasWrites<'async'> {
  constructor(private readonly db: PgExec) {}

  async jidOf(phoneNumber: string, lid: string): Promise<string | undefined> {
    if (unstorable(phoneNumber) || unstorable(lid)) return undefined;
    const [row] = await this.db
      .select({ jid: conversationAliases.jid })
      .from(conversationAliases)
      .where(and(eq(conversationAliases.phoneNumber, phoneNumber), eq(conversationAliases.lid, lid)));
    return row?.jid;
  }

  async put(phoneNumber: string, lid: string, jid: string): Promise<boolean> {
    const result = await this.db
      .insert(conversationAliases)
      .values({ phoneNumber: pgText(phoneNumber), lid: pgText(lid), jid: pgText(jid) })
      .onConflictDoUpdate({
        target: [conversationAliases.phoneNumber, conversationAliases.lid],
        set: { jid: sql`excluded.jid` },
        setWhere: sql`conversation_aliases.jid <> excluded.jid`,
      });
    return (result.rowCount ?? 0) > 0;
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(conversationAliases).where(eq(conversationAliases.phoneNumber, phoneNumber))).rowCount ?? 0;
  }
}
