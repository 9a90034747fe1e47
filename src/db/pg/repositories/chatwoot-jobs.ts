import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { JobStatus } from '../../../domain/chatwoot.js';
import type { AuditLink } from '../../ports/audit.js';
import type { BacklogCounts, ChatwootJobStore, JobFilter, JobPatch, JobSettlement, LaneRef, NewJob } from '../../ports/chatwoot-jobs.js';
import type { ChatwootJobRow } from '../../schema-chatwoot.js';
import type { PgDb, PgExec } from '../client.js';
import { TakenBefore } from '../../taken-before.js';
import { chatwootJobs, chatwootReceipts } from '../schema-chatwoot.js';
import { pgText, pgTexts } from '../text.js';
import { withAuditPg } from './audit-append.js';

const OPEN: JobStatus[] = ['pending', 'running'];

/** Queue a step on the pool or inside a caller's transaction; a step of the same (number, kind, ref) still `pending` absorbs it. */
export async function enqueueJob(db: PgExec, job: NewJob): Promise<void> {
  const now = Date.now();
  await db
    .insert(chatwootJobs)
    .values({ ...pgTexts(job), status: 'pending', attempts: 0, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [chatwootJobs.phoneNumber, chatwootJobs.kind, chatwootJobs.ref],
      targetWhere: sql`status = 'pending'`,
      set: { payload: sql`excluded.payload`, updatedAt: sql`excluded.updated_at` },
    });
}

/**
 * The bridge's queue on Postgres, shared by every gateway. Claiming is a conditional update of the lane's head
 * (`… WHERE id = $1 AND status = 'pending'`): a second claimer waits for the first one's row lock, then sees the row
 * `running` and updates nothing, so a step runs once. Only the lane's oldest open step can be claimed, so a lane runs
 * one step at a time, in order, whichever gateways look at it. Not `FOR UPDATE SKIP LOCKED`: skipping a locked head
 * would hand the lane's next step to another gateway and break the order per conversation.
 */
export class PgChatwootJobRepository implements ChatwootJobStore {
  constructor(private readonly db: PgDb) {}

  async enqueue(job: NewJob): Promise<void> {
    await enqueueJob(this.db, job);
  }

  async get(id: number): Promise<ChatwootJobRow | undefined> {
    const [row] = await this.db.select().from(chatwootJobs).where(eq(chatwootJobs.id, id));
    return row;
  }

  async head(lane: LaneRef): Promise<ChatwootJobRow | undefined> {
    const [row] = await this.db
      .select()
      .from(chatwootJobs)
      .where(and(eq(chatwootJobs.phoneNumber, pgText(lane.phoneNumber)), eq(chatwootJobs.lane, pgText(lane.lane)), inArray(chatwootJobs.status, OPEN)))
      .orderBy(asc(chatwootJobs.id))
      .limit(1);
    return row;
  }

  async claim(id: number): Promise<boolean> {
    const result = await this.db
      .update(chatwootJobs)
      .set({ status: 'running' })
      .where(
        and(
          eq(chatwootJobs.id, id),
          eq(chatwootJobs.status, 'pending'),
          sql`not exists (select 1 from chatwoot_jobs o where o.phone_number = ${chatwootJobs.phoneNumber} and o.lane = ${chatwootJobs.lane} and o.status in ('pending', 'running') and o.id < ${chatwootJobs.id})`,
        ),
      );
    return (result.rowCount ?? 0) > 0;
  }

  async settle(id: number, outcome: JobSettlement): Promise<void> {
    await this.db
      .update(chatwootJobs)
      .set({ ...outcome, lastError: pgText(outcome.lastError), updatedAt: Date.now() })
      .where(eq(chatwootJobs.id, id));
  }

  async openLanes(): Promise<LaneRef[]> {
    return this.db.selectDistinct({ phoneNumber: chatwootJobs.phoneNumber, lane: chatwootJobs.lane }).from(chatwootJobs).where(inArray(chatwootJobs.status, OPEN));
  }

  async resetRunning(): Promise<number> {
    const result = await this.db.update(chatwootJobs).set({ status: 'pending', updatedAt: Date.now() }).where(eq(chatwootJobs.status, 'running'));
    return result.rowCount ?? 0;
  }

  /** Two gateways taking the same delivery: the second waits on the receipt's unique key, then finds it taken. */
  async takeDelivery(phoneNumber: string, receipts: readonly string[], job: NewJob | null, audit?: AuditLink): Promise<string | null> {
    try {
      return await withAuditPg(this.db, audit, async (tx) => {
        for (const key of receipts) {
          const inserted = await tx.insert(chatwootReceipts).values(pgTexts({ key, phoneNumber })).onConflictDoNothing();
          if ((inserted.rowCount ?? 0) === 0) throw new TakenBefore(key);
        }
        if (job) await enqueueJob(tx, job);
        return null;
      });
    } catch (err) {
      if (err instanceof TakenBefore) return err.key;
      throw err;
    }
  }

  async update(id: number, patch: JobPatch, audit?: AuditLink): Promise<ChatwootJobRow | undefined> {
    return withAuditPg(this.db, audit, async (tx) => {
      const [row] = await tx
        .update(chatwootJobs)
        .set({ ...pgTexts(patch), updatedAt: Date.now() })
        .where(eq(chatwootJobs.id, id))
        .returning();
      return row;
    });
  }

  async list(filter: JobFilter): Promise<{ rows: ChatwootJobRow[]; total: number }> {
    const where = and(...conditions(filter));
    const rows = await this.db.select().from(chatwootJobs).where(where).orderBy(desc(chatwootJobs.id)).limit(filter.limit).offset(filter.offset);
    const [count] = await this.db.select({ n: sql<number>`count(*)::int` }).from(chatwootJobs).where(where);
    return { rows, total: count?.n ?? 0 };
  }

  async backlog(): Promise<BacklogCounts[]> {
    return this.db
      .select({
        phoneNumber: chatwootJobs.phoneNumber,
        direction: chatwootJobs.direction,
        pending: sql<number>`(count(*) filter (where status in ('pending','running') and attempts = 0))::int`,
        retrying: sql<number>`(count(*) filter (where status in ('pending','running') and attempts > 0))::int`,
        dead: sql<number>`(count(*) filter (where status = 'dead'))::int`,
        oldestAt: sql<number | null>`(min(created_at) filter (where status in ('pending','running')))::float8`,
      })
      .from(chatwootJobs)
      .where(inArray(chatwootJobs.status, ['pending', 'running', 'dead']))
      .groupBy(chatwootJobs.phoneNumber, chatwootJobs.direction);
  }

  async pruneDone(before: number): Promise<number> {
    const result = await this.db.delete(chatwootJobs).where(and(eq(chatwootJobs.status, 'done'), lt(chatwootJobs.updatedAt, before)));
    return result.rowCount ?? 0;
  }
}

function conditions(filter: JobFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(chatwootJobs.status, filter.status));
  if (filter.direction) where.push(eq(chatwootJobs.direction, filter.direction));
  if (filter.phoneNumber) where.push(eq(chatwootJobs.phoneNumber, pgText(filter.phoneNumber)));
  if (filter.phones) where.push(filter.phones.length > 0 ? inArray(chatwootJobs.phoneNumber, filter.phones.map(pgText)) : sql`false`);
  return where;
}
