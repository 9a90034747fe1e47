import type { AuditResult, AuditRow } from '../schema-access.js';

export type NewAuditRow = Omit<AuditRow, 'id'>;

/**
 * An audit row to be written in the same transaction as the change it records. The store that writes the change
 * places it at the head of the chain inside that transaction: it reads the newest row's hash (null: the log is
 * empty), asks for the row linked to it, and appends it; once the transaction has committed it hands back the id.
 * Building the row (redaction, hashing) is src/audit's; placing it is the store's, so it cannot race another writer.
 */
export interface AuditLink {
  row(prevHash: string | null): NewAuditRow;
  committed(id: number): void;
}

export interface AuditFilter {
  readonly actorId?: number;
  readonly keyId?: string;
  readonly phoneNumber?: string;
  /** Exact action, or a prefix ending in `.*` (`number.*`). */
  readonly action?: string;
  readonly result?: AuditResult;
  readonly from?: number;
  readonly to?: number;
}

/** Which rows a reader may see: all, or those of its numbers plus its own actions on numbers it can see. */
export type AuditVisibility = { readonly all: true } | { readonly all: false; readonly managed: readonly string[]; readonly visible: readonly string[]; readonly actorId: number };

/** The last row a pruning removed, and how many it removed: what its own audit row records. */
export interface PruneFacts {
  readonly throughId: number;
  readonly throughHash: string;
  readonly deleted: number;
}

/**
 * The audit table, on either dialect: appended to at the head of a hash chain (one writer at a time, however many
 * gateways), read in pages, pruned from the oldest end only. Rows are never changed (a trigger refuses it).
 */
export interface AuditStore {
  /** Appends the rows in order in one transaction; the ids in the same order. */
  append(links: readonly AuditLink[]): Promise<number[]>;
  /** Newest first, below `before` (a row id: the cursor). */
  page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): Promise<AuditRow[]>;
  /** Oldest first, above `after`: for the export and the chain walk. */
  ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): Promise<AuditRow[]>;
  /**
   * In one transaction: removes every row older than `before` except the newest row of all, and appends the row
   * `record` makes of what was removed. 0 (and no row) when nothing is old enough.
   */
  prune(before: number, record: (facts: PruneFacts) => AuditLink): Promise<number>;
  /** The highest id ever handed out: above the newest row only if rows were removed from the end. */
  sequence(): Promise<number | null>;
  /** The latest prune record (its params name the last pruned row and its hash). */
  lastPrune(): Promise<AuditRow | undefined>;
}

/**
 * SQLite's synchronous side, for the areas whose changes are still synchronous SQLite transactions (devices, the
 * outbox, webhooks, Chatwoot, messages): they record inside them. It goes as those areas move to their ports and
 * pass an `AuditLink` to their store, as the access services do. Postgres has none.
 */
export interface InlineAudit {
  /** Appends in the caller's open transaction (or one of its own); the caller announces after its commit. */
  appendNow(links: readonly AuditLink[]): number[];
  transaction<T>(work: () => T): T;
}
