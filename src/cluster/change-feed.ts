import type pg from 'pg';
import { CHANGED_TABLES, type ChangedTable, type ChangeListener, type ChangeSource } from '../db/ports/changes.js';
import type { Logger } from '../lib/logger.js';
import { Wakeups } from './wakeups.js';

/**
 * The change feed on Postgres: LISTEN `changes` on a connection of its own and pass each announced row to the
 * listeners of its table. Right after the connection is (re)opened every listener hears null, "anything may have
 * changed": NOTIFY is lost while nobody listens, so a cache must be read again whole then. One throwing listener
 * is logged and the others still hear the change.
 */
export class ChangeFeed implements ChangeSource {
  private readonly listeners = new Map<ChangedTable, Set<ChangeListener>>();
  private readonly wakeups: Wakeups;

  constructor(
    listen: () => Promise<pg.Client>,
    retryMs: number,
    private readonly logger?: Logger,
  ) {
    this.wakeups = new Wakeups(listen, 'changes', (payload) => this.heard(payload), retryMs, logger);
  }

  onChange(table: ChangedTable, listener: ChangeListener): () => void {
    let set = this.listeners.get(table);
    if (!set) this.listeners.set(table, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  start(): Promise<void> {
    return this.wakeups.start();
  }

  stop(): Promise<void> {
    return this.wakeups.stop();
  }

  private heard(payload: string | null): void {
    if (payload === null) {
      for (const table of CHANGED_TABLES) this.tell(table, null);
      return;
    }
    const change = parseChange(payload);
    if (change) this.tell(change.table, change.key);
  }

  private tell(table: ChangedTable, key: string | null): void {
    for (const listener of this.listeners.get(table) ?? []) {
      try {
        listener(key);
      } catch (err) {
        this.logger?.error({ err, table }, 'cluster: a change listener failed');
      }
    }
  }
}

/** A notification on `changes` (drizzle-postgres/0003_change_feed.sql), or null for a payload that is not one of ours. */
export function parseChange(payload: string): { table: ChangedTable; key: string | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { table, key } = value as { table?: unknown; key?: unknown };
  const known = CHANGED_TABLES.find((t) => t === table);
  return known ? { table: known, key: typeof key === 'string' ? key : null } : null;
}
