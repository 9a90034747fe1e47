import path from 'node:path';
import Database from 'better-sqlite3';

export interface SentRow {
  readonly id: string;
  readonly phoneNumber: string;
  readonly status: string;
  readonly waMessageId: string | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
}

/**
 * Read-only view of a running gateway's outbox (SQLite in WAL mode allows a reader beside the writer). Only
 * benchmarks read the gateway's database from outside; nothing here writes.
 */
export class OutboxRows {
  private readonly db: Database.Database;

  constructor(dataRoot: string) {
    this.db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'), { readonly: true, fileMustExist: true });
  }

  /** Messages not yet in a final state. */
  pending(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM messages WHERE status IN ('queued', 'sending')").get() as { n: number }).n;
  }

  /** Messages accepted at or after `from` (gateway clock, ms) that have not reached `read`, by status. */
  notReadSince(from: number): Record<string, number> {
    const rows = this.db.prepare("SELECT status, count(*) AS n FROM messages WHERE created_at >= ? AND status <> 'read' GROUP BY status").all(from) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  countByStatus(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Messages accepted in [from, to) (gateway clock, ms). */
  acceptedBetween(from: number, to: number): SentRow[] {
    return this.db
      .prepare(
        'SELECT id, phone_number AS phoneNumber, status, wa_message_id AS waMessageId, created_at AS createdAt, sent_at AS sentAt FROM messages WHERE created_at >= ? AND created_at < ?',
      )
      .all(from, to) as SentRow[];
  }

  close(): void {
    this.db.close();
  }
}
