import type { BacklogCounts } from '../db/ports/chatwoot-jobs.js';
import type { ChatwootJobsSync } from '../db/repositories/chatwoot-jobs.js';
import type { ChatwootBindingRow, ChatwootJobRow } from '../db/schema.js';
import type { JobDirection } from '../domain/chatwoot.js';
import type { StepOutcome } from './queue/job-queue.js';

export interface BindingBacklog {
  readonly phoneNumber: string;
  readonly accountId: number;
  readonly inboxId: number;
  readonly toChatwoot: DirectionBacklog;
  readonly toWhatsapp: DirectionBacklog;
}

export interface DirectionBacklog {
  readonly pending: number;
  readonly retrying: number;
  readonly dead: number;
  readonly oldestPendingAt: string | null;
}

export interface StepCount {
  readonly phoneNumber: string;
  readonly direction: JobDirection;
  readonly outcome: StepOutcome['kind'];
  count: number;
  seconds: number;
}

const EMPTY: DirectionBacklog = { pending: 0, retrying: 0, dead: 0, oldestPendingAt: null };

/** What health and Prometheus show of the bridge: backlog per binding and direction, steps run since start. */
export class BridgeFigures {
  private readonly steps = new Map<string, StepCount>();

  constructor(
    private readonly jobs: ChatwootJobsSync,
    private readonly bindings: () => ChatwootBindingRow[],
  ) {}

  count(job: ChatwootJobRow, outcome: StepOutcome, ms: number): void {
    const key = `${job.phoneNumber}\u0000${job.direction}\u0000${outcome.kind}`;
    const entry = this.steps.get(key) ?? { phoneNumber: job.phoneNumber, direction: job.direction, outcome: outcome.kind, count: 0, seconds: 0 };
    entry.count++;
    entry.seconds += ms / 1000;
    this.steps.set(key, entry);
  }

  stepCounts(): readonly StepCount[] {
    return [...this.steps.values()];
  }

  /** Every binding with its backlog (bindings with nothing queued show zeros). */
  backlog(): BindingBacklog[] {
    const counts = new Map<string, BacklogCounts>();
    for (const c of this.jobs.backlog()) counts.set(`${c.phoneNumber}\u0000${c.direction}`, c);
    const view = (c: BacklogCounts | undefined): DirectionBacklog =>
      c ? { pending: c.pending, retrying: c.retrying, dead: c.dead, oldestPendingAt: c.oldestAt === null ? null : new Date(c.oldestAt).toISOString() } : EMPTY;
    return this.bindings().map((b) => ({
      phoneNumber: b.phoneNumber,
      accountId: b.accountId,
      inboxId: b.inboxId,
      toChatwoot: view(counts.get(`${b.phoneNumber}\u0000to_chatwoot`)),
      toWhatsapp: view(counts.get(`${b.phoneNumber}\u0000to_whatsapp`)),
    }));
  }
}
