import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { AnnotationKind, AnnotationReads, AnnotationWrites } from '../ports/annotations.js';
import type { AnnotationRow } from '../schema.js';

export type { AnnotationKind };
type RawAnnotation = Omit<AnnotationRow, 'value'> & { value: string };

/**
 * What later WhatsApp messages did to a message, keyed by the target's WhatsApp id: reactions and poll votes
 * (one per actor), edits and deletions (the latest wins). Kept whether or not the target is stored yet, so a
 * webhook that overtakes its original (the binary sends them in parallel) still applies once it arrives.
 * Answers at once (the turn's synchronous transaction); `reads` is the same for callers.
 */
export class AnnotationRepository implements AnnotationWrites<'sync'> {
  readonly reads: AnnotationReads;
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    this.reads = { forTargets: async (phoneNumber, waIds) => this.forTargets(phoneNumber, waIds) };
    const s = this.sqlite;
    this.hot = {
      put: s.prepare(
        `INSERT INTO conversation_annotations (phone_number, target_wa_id, kind, actor, value, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (phone_number, target_wa_id, kind, actor) DO UPDATE SET value = excluded.value, at = excluded.at WHERE excluded.at >= at`,
      ),
      remove: s.prepare('DELETE FROM conversation_annotations WHERE phone_number = ? AND target_wa_id = ? AND kind = ? AND actor = ? AND at <= ?'),
      forTarget: s.prepare(
        `SELECT phone_number AS phoneNumber, target_wa_id AS targetWaId, kind, actor, value, at FROM conversation_annotations
         WHERE phone_number = ? AND target_wa_id = ? ORDER BY at`,
      ),
      forTargets: s.prepare(
        `SELECT phone_number AS phoneNumber, target_wa_id AS targetWaId, kind, actor, value, at FROM conversation_annotations
         WHERE phone_number = ? AND target_wa_id IN (SELECT value FROM json_each(?)) ORDER BY at`,
      ),
    };
  }

  /** Record (or replace with a newer) annotation; returns whether it changed anything. */
  put(row: AnnotationRow): boolean {
    return this.hot.put.run(row.phoneNumber, row.targetWaId, row.kind, row.actor, JSON.stringify(row.value), row.at).changes > 0;
  }

  /** An actor took theirs back (a reaction with an empty emoji); older than `at` only. */
  remove(phoneNumber: string, targetWaId: string, kind: AnnotationKind, actor: string, at: number): boolean {
    return this.hot.remove.run(phoneNumber, targetWaId, kind, actor, at).changes > 0;
  }

  forTargets(phoneNumber: string, waIds: readonly string[]): AnnotationRow[] {
    if (waIds.length === 0) return [];
    const rows = (waIds.length === 1 ? this.hot.forTarget.all(phoneNumber, waIds[0]) : this.hot.forTargets.all(phoneNumber, JSON.stringify(waIds))) as RawAnnotation[];
    return rows.map((row) => ({ ...row, value: JSON.parse(row.value) as Record<string, unknown> }));
  }

  deleteForNumber(phoneNumber: string): number {
    return this.sqlite.prepare('DELETE FROM conversation_annotations WHERE phone_number = ?').run(phoneNumber).changes;
  }

  /** Receipts kept for ids no message took within the window (sent from elsewhere, or never matched). */
  deleteReceiptsBefore(at: number): number {
    return this.sqlite.prepare("DELETE FROM conversation_annotations WHERE kind = 'receipt' AND at < ?").run(at).changes;
  }

  deleteBefore(at: number): number {
    return this.sqlite.prepare('DELETE FROM conversation_annotations WHERE at < ?').run(at).changes;
  }
}
