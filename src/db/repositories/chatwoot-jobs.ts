import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { JobStatus } from '../../domain/chatwoot.js';
import type { Db } from '../client.js';
import type { AuditLink } from '../ports/audit.js';
import type { BacklogCounts, ChatwootJobStore, JobFilter, JobPatch, JobSettlement, LaneRef, NewJob } from '../ports/chatwoot-jobs.js';
import { chatwootJobs, type ChatwootJobRow } from '../schema.js';
import { TakenBefore } from '../taken-before.js';
import { withAudit } from './audit-append.js';

const OPEN: JobStatus[] = ['pending', 'running'];
/** A step may be claimed only as its lane's oldest open step (the same condition on Postgres). */
const NOT_OLDER = "NOT EXISTS (SELECT 1 FROM chatwoot_jobs o WHERE o.phone_number = chatwoot_jobs.phone_number AND o.lane = chatwoot_jobs.lane AND o.status IN ('pending', 'running') AND o.id < chatwoot_jobs.id)";

/**
 * The bridge's durable queue on SQLite, synchronous: for callers inside a synchronous SQLite transaction (the
 * journal's, `InlineAudit`'s) until those move. Every message runs enqueue, head, claim and one settle: those are
 * prepared once.
 */
export class ChatwootJobsSync {
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
      receive: s.prepare('INSERT INTO chatwoot_receipts (key, phone_number) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      byId: db.select().from(chatwootJobs).where(eq(chatwootJobs.id, param('id'))).prepare(),
      claim: s.prepare(`UPDATE chatwoot_jobs SET status = 'running' WHERE id = ? AND status = 'pending' AND ${NOT_OLDER}`),
      settle: s.prepare(
        'UPDATE chatwoot_jobs SET status = @status, attempts = @attempts, next_attempt_at = @nextAttemptAt, give_up_at = @giveUpAt, last_error = @lastError, done_at = @doneAt, updated_at = @now WHERE id = @id',
      ),
    };
  }

  enqueue(job: NewJob): void {
    this.hot.enqueue.run({ ...job, payload: JSON.stringify(job.payload), now: Date.now() });
  }

  get(id: number): ChatwootJobRow | undefined {
    return this.hot.byId.get({ id });
  }

  /** Whether the receipt is new (not taken before). */
  receive(key: string, phoneNumber: string): boolean {
    return this.hot.receive.run(key, phoneNumber).changes > 0;
  }

  head(lane: LaneRef): ChatwootJobRow | undefined {
    return this.hot.head.get({ phone: lane.phoneNumber, lane: lane.lane });
  }

  claim(id: number): boolean {
    return this.hot.claim.run(id).changes > 0;
  }

  settle(id: number, outcome: JobSettlement): void {
    this.hot.settle.run({ id, ...outcome, now: Date.now() });
  }

  openLanes(): LaneRef[] {
    return this.db.selectDistinct({ phoneNumber: chatwootJobs.phoneNumber, lane: chatwootJobs.lane }).from(chatwootJobs).where(inArray(chatwootJobs.status, OPEN)).all();
  }

  /** Boot: a step that was running when the gateway stopped runs again (every step settles a half-done attempt). */
  resetRunning(): number {
    return this.db.update(chatwootJobs).set({ status: 'pending', updatedAt: Date.now() }).where(eq(chatwootJobs.status, 'running')).run().changes;
  }

  update(id: number, patch: JobPatch): ChatwootJobRow | undefined {
    return this.db
      .update(chatwootJobs)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(chatwootJobs.id, id))
      .returning()
      .get();
  }

  list(filter: JobFilter): { rows: ChatwootJobRow[]; total: number } {
    const where = and(...conditions(filter));
    const rows = this.db.select().from(chatwootJobs).where(where).orderBy(desc(chatwootJobs.id)).limit(filter.limit).offset(filter.offset).all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(chatwootJobs).where(where).get()?.n ?? 0;
    return { rows, total };
  }

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

  pruneDone(before: number): number {
    return this.db.delete(chatwootJobs).where(and(eq(chatwootJobs.status, 'done'), lt(chatwootJobs.updatedAt, before))).run().changes;
  }
}

/** The queue on SQLite behind the dialect-neutral port (one connection, one writer: each call is one statement). */
export class ChatwootJobRepository implements ChatwootJobStore {
  readonly sync: ChatwootJobsSync;

  constructor(private readonly db: Db) {
    this.sync = new ChatwootJobsSync(db);
  }

  async enqueue(job: NewJob): Promise<void> {
    this.sync.enqueue(job);
  }

  async get(id: number): Promise<ChatwootJobRow | undefined> {
    return this.sync.get(id);
  }

  async head(lane: LaneRef): Promise<ChatwootJobRow | undefined> {
    return this.sync.head(lane);
  }

  async claim(id: number): Promise<boolean> {
    return this.sync.claim(id);
  }

  async settle(id: number, outcome: JobSettlement): Promise<void> {
    this.sync.settle(id, outcome);
  }

  async openLanes(): Promise<LaneRef[]> {
    return this.sync.openLanes();
  }

  async resetRunning(): Promise<number> {
    return this.sync.resetRunning();
  }

  async takeDelivery(phoneNumber: string, receipts: readonly string[], job: NewJob | null, audit?: AuditLink): Promise<string | null> {
    try {
      return withAudit(this.db, audit, () => {
        for (const key of receipts) if (!this.sync.receive(key, phoneNumber)) throw new TakenBefore(key);
        if (job) this.sync.enqueue(job);
        return null;
      });
    } catch (err) {
      if (err instanceof TakenBefore) return err.key;
      throw err;
    }
  }

  async update(id: number, patch: JobPatch, audit?: AuditLink): Promise<ChatwootJobRow | undefined> {
    return withAudit(this.db, audit, () => this.sync.update(id, patch));
  }

  async list(filter: JobFilter): Promise<{ rows: ChatwootJobRow[]; total: number }> {
    return this.sync.list(filter);
  }

  async backlog(): Promise<BacklogCounts[]> {
    return this.sync.backlog();
  }

  async pruneDone(before: number): Promise<number> {
    return this.sync.pruneDone(before);
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
