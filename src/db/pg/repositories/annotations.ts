import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { AnnotationKind, AnnotationReads, AnnotationWrites } from '../../ports/annotations.js';
import type { AnnotationRow } from '../../schema.js';
import type { PgExec } from '../client.js';
import { conversationAnnotations as annotations } from '../schema.js';
import { pgTexts, unstorable } from '../text.js';

/** Reactions, votes, edits, deletions and early receipts on Postgres, over the pool or bound to one transaction. */
export class PgAnnotationRepository implements AnnotationReads, AnnotationWrites<'async'> {
  constructor(private readonly db: PgExec) {}

  async put(row: AnnotationRow): Promise<boolean> {
    const result = await this.db
      .insert(annotations)
      .values(pgTexts(row))
      .onConflictDoUpdate({
        target: [annotations.phoneNumber, annotations.targetWaId, annotations.kind, annotations.actor],
        set: { value: sql`excluded.value`, at: sql`excluded.at` },
        setWhere: sql`excluded.at >= conversation_annotations.at`,
      });
    return (result.rowCount ?? 0) > 0;
  }

  async remove(phoneNumber: string, targetWaId: string, kind: AnnotationKind, actor: string, at: number): Promise<boolean> {
    if ([phoneNumber, targetWaId, actor].some(unstorable)) return false;
    const result = await this.db
      .delete(annotations)
      .where(and(eq(annotations.phoneNumber, phoneNumber), eq(annotations.targetWaId, targetWaId), eq(annotations.kind, kind), eq(annotations.actor, actor), lte(annotations.at, at)));
    return (result.rowCount ?? 0) > 0;
  }

  async forTargets(phoneNumber: string, waIds: readonly string[]): Promise<AnnotationRow[]> {
    const ids = waIds.filter((id) => !unstorable(id));
    if (ids.length === 0 || unstorable(phoneNumber)) return [];
    return this.db
      .select()
      .from(annotations)
      .where(and(eq(annotations.phoneNumber, phoneNumber), inArray(annotations.targetWaId, ids)))
      .orderBy(asc(annotations.at));
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(annotations).where(eq(annotations.phoneNumber, phoneNumber))).rowCount ?? 0;
  }

  async deleteReceiptsBefore(at: number): Promise<number> {
    return (await this.db.delete(annotations).where(and(eq(annotations.kind, 'receipt'), lt(annotations.at, at)))).rowCount ?? 0;
  }

  async deleteBefore(at: number): Promise<number> {
    return (await this.db.delete(annotations).where(lt(annotations.at, at))).rowCount ?? 0;
  }
}
