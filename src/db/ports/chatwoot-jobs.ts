import type { JobDirection, JobKind, JobStatus } from '../../domain/chatwoot.js';
import type { ChatwootJobRow } from '../schema-chatwoot.js';
import type { AuditLink } from './audit.js';

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

/** An attempt's outcome: done, waiting to retry, or dead. */
export interface JobSettlement {
  readonly status: JobStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly giveUpAt: number;
  readonly lastError: string | null;
  readonly doneAt: number | null;
}

export type JobPatch = Partial<Omit<ChatwootJobRow, 'id' | 'phoneNumber' | 'direction' | 'lane' | 'kind' | 'ref' | 'createdAt'>>;

/**
 * The Chatwoot bridge's durable queue (both directions), kept by either dialect: a row per step, written before the
 * step is attempted. A lane (one conversation of one number) runs its oldest open step only, so order holds per
 * conversation; `claim` is what makes a step run once when several gateways look at the same lane.
 */
export interface ChatwootJobStore {
  /**
   * Queue a step; a step of the same (number, kind, ref) still `pending` absorbs it (its payload is replaced, its
   * place in the lane kept), so a burst of changes to one message is one call to Chatwoot.
   */
  enqueue(job: NewJob): Promise<void>;
  get(id: number): Promise<ChatwootJobRow | undefined>;
  /** The oldest step of a lane not yet done or dead (`pending` or `running`): the only one that may run. */
  head(lane: LaneRef): Promise<ChatwootJobRow | undefined>;
  /**
   * Take a `pending` step to run it (it becomes `running`): true for exactly one of any number of claimers at once,
   * false when it was claimed already, settled, is gone, or is not its lane's oldest open step (order per
   * conversation). A change that comes while it runs queues a step of its own.
   */
  claim(id: number): Promise<boolean>;
  settle(id: number, outcome: JobSettlement): Promise<void>;
  /** Every lane with a `pending` or `running` step. */
  openLanes(): Promise<LaneRef[]>;
  /** Boot of the only gateway: steps left `running` by its last stop run again; how many. */
  resetRunning(): Promise<number>;
  /**
   * What one webhook delivery of an agent's message brings, in one commit: its receipts (the delivery id, the message
   * id), the step it queues (if any) and its audit row. When one of the receipts was taken before (a copy; also one
   * another gateway is taking at once) nothing is written and the answer is that receipt's key; null when taken.
   */
  takeDelivery(phoneNumber: string, receipts: readonly string[], job: NewJob | null, audit?: AuditLink): Promise<string | null>;
  /** Commits with the audit row passed (a replay's); undefined, and no audit row, when there is no such step. */
  update(id: number, patch: JobPatch, audit?: AuditLink): Promise<ChatwootJobRow | undefined>;
  /** Newest first, with the total that matched. */
  list(filter: JobFilter): Promise<{ rows: ChatwootJobRow[]; total: number }>;
  /** Per number and direction: waiting (never tried), retrying (failed at least once), dead, oldest open. */
  backlog(): Promise<BacklogCounts[]>;
  /** Forget finished steps older than `before`; dead ones are kept until replayed or their binding goes. */
  pruneDone(before: number): Promise<number>;
}
