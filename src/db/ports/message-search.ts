import type { StoredDirection, StoredMessageRow, StoredMessageType } from '../schema.js';

export interface SearchQuery {
  /**
   * What domain/fts-query.ts `parseFtsQuery` produced from the user's input (never raw input): every term quoted,
   * operators `AND`, `OR`, `NOT`, `NEAR(…, n)`, parentheses and `prefix*`, in FTS5's syntax. A dialect without
   * FTS5 reads this same grammar (it is closed: the parser writes nothing else) into its own index's query.
   */
  readonly match: string;
  readonly phoneNumbers: readonly string[];
  readonly chatKey?: string;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly belowKey?: number;
  readonly fromKey?: number;
  readonly toKey?: number;
  readonly limit: number;
}

export interface SearchHit {
  readonly row: StoredMessageRow;
  /** Matched words between \u0002 and \u0003, cut with … around them. */
  readonly snippet: string;
}

/**
 * Full-text search over the store's texts, captions and file names, newest first (by key). Built on SQLite only
 * (FTS5, db/repositories/message-search.ts); a Postgres class implements the same port over its own index.
 * A match refused by the index rejects with an error whose message names `fts5` or `syntax` (the service turns
 * that into a 400 on `q`).
 */
export interface MessageSearch {
  /** Index what the write side queued since the last call (the gateway calls it every half second and before each search); how many. */
  indexPending(): Promise<number>;
  search(query: SearchQuery): Promise<SearchHit[]>;
}
