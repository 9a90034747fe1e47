import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { MessageSearch, SearchHit, SearchQuery } from '../ports/message-search.js';
import { COLUMNS, Conditions, toRow, type RawRow } from './stored-message-rows.js';

export type { SearchHit, SearchQuery };

/**
 * Full-text search over the store (FTS5, drizzle/0004_conversation_search.sql): rows are queued by triggers and
 * indexed in batches by `indexPending` (the gateway calls it every half second and before each search). SQLite
 * only; `…Now` answer at once (the bench's fill, which indexes between its write batches).
 */
export class MessageSearchRepository implements MessageSearch {
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    const s = this.sqlite;
    this.hot = {
      pendingCount: s.prepare('SELECT count(*) FROM conversation_search_pending').pluck(),
      // CROSS JOIN keeps the queue as the outer loop: without statistics SQLite would scan every message instead.
      indexPending: s.prepare(
        `INSERT INTO conversation_search(rowid, text, file_name) SELECT m.key, m.text, m.file_name
         FROM conversation_search_pending p CROSS JOIN conversation_messages m ON m.key = p.key WHERE m.text IS NOT NULL OR m.file_name IS NOT NULL`,
      ),
      clearPending: s.prepare('DELETE FROM conversation_search_pending'),
    };
  }

  async indexPending(): Promise<number> {
    return this.indexPendingNow();
  }

  async search(q: SearchQuery): Promise<SearchHit[]> {
    return this.searchNow(q);
  }

  /** Move the queued rows into the search index (one FTS5 segment for all of them); returns how many. */
  indexPendingNow(): number {
    const pending = this.hot.pendingCount.get() as number;
    if (pending === 0) return 0;
    this.sqlite.transaction(() => {
      this.hot.indexPending.run();
      this.hot.clearPending.run();
    })();
    return pending;
  }

  /**
   * Full-text search, newest first: FTS5 hands out matches in rowid (= key = time) order, so a page stops after
   * `limit` hits however common the word; the numbers filter is applied to each hit.
   */
  searchNow(q: SearchQuery): SearchHit[] {
    const c = new Conditions(['conversation_search MATCH @match', 'm.phone_number IN (SELECT value FROM json_each(@phones))'], {
      match: q.match,
      phones: JSON.stringify(q.phoneNumbers),
      limit: q.limit,
    })
      .add('conversation_search.rowid < @belowKey', 'belowKey', q.belowKey)
      .add('conversation_search.rowid >= @fromKey', 'fromKey', q.fromKey)
      .add('conversation_search.rowid <= @toKey', 'toKey', q.toKey)
      .add('m.chat_key = @chatKey', 'chatKey', q.chatKey)
      .add('m.direction = @direction', 'direction', q.direction)
      .addList('m.type', 'types', q.types);
    const columns = COLUMNS.map(([prop, column]) => `m.${column} AS "${prop}"`).join(', ');
    const sql = `SELECT ${columns}, snippet(conversation_search, -1, char(2), char(3), '…', 16) AS "snippet"
      FROM conversation_search JOIN conversation_messages m ON m.key = conversation_search.rowid
      WHERE ${c.sql} ORDER BY conversation_search.rowid DESC LIMIT @limit`;
    return (this.sqlite.prepare(sql).all(c.params) as RawRow[]).map((raw) => {
      const snippet = String(raw['snippet'] ?? '');
      delete raw['snippet'];
      return { row: toRow(raw), snippet };
    });
  }
}
