import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { JobDirection, JobKind, JobStatus } from '../../domain/chatwoot.js';
import type { Db } from '../client.js';
import { chatwootJobs, type ChatwootJobRow } from '../schema.js';

export interface NewJob {
  readonly phoneNumber: string;
  readonly direction: JobDirection;
  readonly lane: string;
  readonly kind: JobKind;
  readonly ref: string;
  readonly payload: Record<string, unknown>;
  readonly nextAttemptAt: number;
  readonly giveUpAt: number;
}

export interface LaneRef {
  readonly phoneNumber: string;
  readonly lane: string;
}

export interface JobFilter {
  readonly status?: JobStatus;
  readonly direction?: JobDirection;
  readonly phoneNumber?: string;
  /** Only these numbers (what a tenant may see); undefined = all. */
  readonly phones?: readonly string[];
  readonly limit: number;
  readonly offset: number;
}

export interface BacklogCounts {
  readonly phoneNumber: string;
  readonly direction: JobDirection;
  readonly pending: number;
  readonly retrying: number;
  readonly dead: number;
  readonly oldestAt: number | null;
}

const OPEN: JobStatus[] = ['pending', 'running'];

/**
 * The bridge's durable queue (both directions): a row per step, written before the step is attempted. Every
 * message runs enqueue, head and one settle: those are prepared once.
 */
export class ChatwootJobRepository {
  private readonly hot;

  constructor(private readonly db: Db) {
    const s = db.$client;
    const param = sql.placeholder;
    this.hot = {
      enqueue: s.prepare(
        `INSERT INTO chatwoot_jobs (phone_number, direction, lane, kind, ref, payload, status, attempts, next_attempt_at, give_up_at, created_at, updated_at)
         VALUES (@phoneNumber, @direction, @lane, @kind, @ref, @payload, 'pending', 0, @nextAttemptAt, @giveUpAt, @now, @now)
         ON CONFLICT (phone_number, kind, ref) WHERE status = 'pending' DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at`,
      ),
      head: db
        .select()
        .from(chatwootJobs)
        .where(and(eq(chatwootJobs.phoneNumber, param('phone')), eq(chatwootJobs.lane, param('lane')), inArray(chatwootJobs.status, OPEN)))
        .orderBy(asc(chatwootJobs.id))
        .limit(1)
        .prepare(),
      byId: db.select().from(chatwootJobs).where(eq(chatwootJobs.id, param('id'))).prepare(),
      running: s.prepare("UPDATE chatwoot_jobs SET status = 'running' WHERE id = ?"),
      settle: s.prepare(
        'UPDATE chatwoot_jobs SET status = @status, attempts = @attempts, next_attempt_at = @nextAttemptAt, give_up_at = @giveUpAt, last_error = @lastError, done_at = @doneAt, updated_at = @now WHERE id = @id',
      ),
    };
  }

  /**
   * Queue a step; a step of the same (number, kind, ref) still waiting absorbs it (its payload is replaced, its place
   * in the lane kept), so a burst of changes to one message is one call to Chatwoot.
   */
  enqueue(job: NewJob): void {
    this.hot.enqueue.run({ ...job, payload: JSON.stringify(job.payload), now: Date.now() });
  }

  get(id: number): ChatwootJobRow | undefined {
    return this.hot.byId.get({ id });
  }

  /** The oldest step of a lane not yet done or dead: the only one that may run (order per conversation). */
  head(lane: LaneRef): ChatwootJobRow | undefined {
    return this.hot.head.get({ phone: lane.phoneNumber, lane: lane.lane });
  }

  markRunning(id: number): void {
    this.hot.running.run(id);
  }

  /** An attempt's outcome: done, waiting to retry, or dead. */
  settle(id: number, outcome: { status: JobStatus; attempts: number; nextAttemptAt: number; giveUpAt: number; lastError: string | null; doneAt: number | null }): void {
    this.hot.settle.run({ id, ...outcome, now: Date.now() });
  }

  openLanes(): LaneRef[] {
    return this.db.selectDistinct({ phoneNumber: chatwootJobs.phoneNumber, lane: chatwootJobs.lane }).from(chatwootJobs).where(inArray(chatwootJobs.status, OPEN)).all();
  }

  /** Boot: a step that was running when the gateway stopped runs again (every step settles a half-done attempt). */
  resetRunning(): number {
    return this.db.update(chatwootJobs).set({ status: 'pending', updatedAt: Date.now() }).where(eq(chatwootJobs.status, 'running')).run().changes;
  }

  update(id: number, patch: Partial<Omit<ChatwootJobRow, 'id' | 'phoneNumber' | 'direction' | 'lane' | 'kind' | 'ref' | 'createdAt'>>): ChatwootJobRow | undefined {
    return this.db
      .update(chatwootJobs)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(chatwootJobs.id, id))
      .returning()
      .get();
  }

  /** Newest first, with the total that matched. */
  list(filter: JobFilter): { rows: ChatwootJobRow[]; total: number } {
    const where = and(...conditions(filter));
    const rows = this.db.select().from(chatwootJobs).where(where).orderBy(desc(chatwootJobs.id)).limit(filter.limit).offset(filter.offset).all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(chatwootJobs).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  /** Per number and direction: waiting (never tried), retrying (failed at least once), dead, oldest waiting. */
  backlog(): BacklogCounts[] {
    return this.db
      .select({
        phoneNumber: chatwootJobs.phoneNumber,
        direction: chatwootJobs.direction,
        pending: sql<number>`sum(case when status in ('pending','running') and attempts = 0 then 1 else 0 end)`,
        retrying: sql<number>`sum(case when status in ('pending','running') and attempts > 0 then 1 else 0 end)`,
        dead: sql<number>`sum(case when status = 'dead' then 1 else 0 end)`,
        oldestAt: sql<number | null>`min(case when status in ('pending','running') then created_at end)`,
      })
      .from(chatwootJobs)
      .where(inArray(chatwootJobs.status, ['pending', 'running', 'dead']))
      .groupBy(chatwootJobs.phoneNumber, chatwootJobs.direction)
      .all();
  }

  /** Forget finished steps older than `before`; dead ones are kept until replayed or their binding goes. */
  pruneDone(before: number): number {
    return this.db.delete(chatwootJobs).where(and(eq(chatwootJobs.status, 'done'), lt(chatwootJobs.updatedAt, before))).run().changes;
  }
}

function conditions(filter: JobFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(chatwootJobs.status, filter.status));
  if (filter.direction) where.push(eq(chatwootJobs.direction, filter.direction));
  if (filter.phoneNumber) where.push(eq(chatwootJobs.phoneNumber, filter.phoneNumber));
  if (filter.phones) where.push(filter.phones.length > 0 ? inArray(chatwootJobs.phoneNumber, [...filter.phones]) : sql`0`);
  return where;
}
