import type { Answer, Mode } from '../db/ports/answer.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { MessageFilter } from '../db/ports/messages.js';
import type { OutboxStore } from '../db/ports/outbox.js';
import type { MessageRow } from '../db/schema.js';
import { errors, GatewayError } from '../domain/errors.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { uuid7Source } from '../lib/uuid7.js';
import { acceptedRow, fingerprintOf, type NewOutgoing } from './accepted-row.js';
import { NumberLane } from './lane.js';
import type { MediaStore } from './media-store.js';
import { ask, run, type Steps } from './steps.js';
import type { DispatchGate, MessagePayload, MessageStatus, OutboxChildren, OutboxEvents, OutboxSettings, QueuePolicy, QueueSettingsStore, QueueStatus, StoredUpload } from './types.js';

export interface OutboxDeps<M extends Mode> {
  /** The rows (db/ports/outbox.ts): on SQLite accepts, claims and sends of one turn share one commit with the events it stores. */
  readonly store: OutboxStore<M>;
  readonly devices: QueueSettingsStore;
  readonly supervisor: OutboxChildren;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: OutboxSettings;
  /** Distributed mode (DM-21): the numbers this node sends for. Without one, every number (one host). */
  readonly gate?: DispatchGate;
}

/** The audit row of an accepted send, made once its id is known (stored only with a new row, in its transaction). */
export type AcceptAudit = (message: { readonly id: string; readonly phoneNumber: string }) => AuditLink;

export type { NewOutgoing } from './accepted-row.js';

/** An outbox on either dialect, for consumers outside src/db's reach (its answers may be promises). */
export type AnyOutbox = Outbox<Mode>;

/**
 * The durable outbox and the per-number queues in front of the children. A message is a stored row before the
 * caller hears 202; from then on only the row's status matters, so a restarted child or gateway picks up where
 * it stopped (see NumberLane for order, pacing and retries).
 *
 * `M` is the store's mode (db/ports/answer.ts): on SQLite the reads of the routes and the receipts answer at once, as
 * they always have; on Postgres with promises. In distributed mode any node accepts a send, and only the number's
 * owner sends it (the gate; `acquired` / `lost` as ownership moves); its status changes are the store's fenced writes.
 */
export class Outbox<M extends Mode = 'sync'> {
  private readonly emitter: TypedEmitter<OutboxEvents>;
  /** Status changes of accepted messages and queue pauses. */
  readonly events: Listenable<OutboxEvents>;
  private readonly lanes = new Map<string, NumberLane<M>>();
  private readonly unsubscribe: (() => void)[] = [];
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping = false;
  /** Time-ordered ids: a number's messages accepted in one millisecond still go out in the order accepted, on any dialect. */
  private readonly newId: () => string;

  constructor(private readonly deps: OutboxDeps<M>) {
    this.newId = uuid7Source(() => deps.clock.now());
    this.emitter = new TypedEmitter((err, event) => deps.logger.error({ err, event }, 'an outbox listener failed'));
    this.events = this.emitter.view;
  }

  /** The store with its answers as either mode's (the steps below await or take them as they come). */
  private get store(): OutboxStore<Mode> {
    return this.deps.store;
  }

  /** Rebuild the queues from the outbox and follow the children's lifecycle. */
  async start(): Promise<void> {
    const { store, supervisor, media, settings, logger } = this.deps;
    this.unsubscribe.push(
      // A new process: whatever the old one was doing has died with it, so unknown outcomes can be checked now.
      supervisor.events.on('ready', ({ phoneNumber }) => this.wake(phoneNumber, ['queued', 'sending'])),
      // Same process, just logged in: an attempt with an unknown outcome may still be running inside it.
      supervisor.events.on('session', ({ phoneNumber, to }) => {
        if (to === 'logged_in') this.wake(phoneNumber, ['queued']);
      }),
    );
    media.prepare(await store.messages.pendingIds());
    const pending = (await store.messages.pendingNumbers()).filter((phoneNumber) => this.owns(phoneNumber));
    for (const phoneNumber of pending) this.lane(phoneNumber).pump();
    if (pending.length > 0) logger.info({ numbers: pending.length }, 'outbox: queues rebuilt from the database');
    this.sweeper = setInterval(() => void this.sweep(), settings.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Whether this node sends the number's messages (DM-21: its owner only; every number on one host). */
  owns(phoneNumber: string): boolean {
    return this.deps.gate?.owns(phoneNumber) ?? true;
  }

  /** This node now owns the number: its queue starts from the rows stored for it (accepted here or anywhere). */
  acquired(phoneNumber: string): void {
    this.lane(phoneNumber).pump();
  }

  /**
   * This node lost the number: nothing more is started for it, at once, and its rows stay pending for the next
   * owner. An attempt under way finds its writes refused by the fence (its row stays `sending`, and the next owner
   * checks the child's history before any new try).
   */
  lost(phoneNumber: string): void {
    const lane = this.lanes.get(phoneNumber);
    this.lanes.delete(phoneNumber);
    lane?.stop();
  }

  /** Messages for the number were accepted on another node: its owner starts them now rather than at the next sweep. */
  acceptedElsewhere(phoneNumber: string): void {
    if (this.owns(phoneNumber)) this.lane(phoneNumber).pump();
  }

  /** `audit` makes the send's audit row, stored with the new row in its transaction (a repeat of an idempotent send writes nothing). */
  async accept(input: NewOutgoing, audit?: AcceptAudit): Promise<{ row: MessageRow; created: boolean }> {
    const { media, clock } = this.deps;
    const now = clock.now();
    const id = this.newId();
    const fingerprint = fingerprintOf(input);
    let upload: StoredUpload | undefined;
    // An upload is a file on this node's disk: only a node that sends the number's messages can take it.
    if (input.upload && !this.owns(input.phoneNumber)) throw errors.uploadOnOtherNode(input.phoneNumber);
    if (input.upload) {
      const { tempPath, ...meta } = input.upload;
      upload = await media.adopt(tempPath, input.phoneNumber, id, meta);
    }
    const payload: MessagePayload = { ...input.content, ...(upload ? { upload } : {}), fingerprint };
    let result: { row: MessageRow; created: boolean };
    try {
      // On SQLite in the turn's transaction (a commit is a handful of WAL writes: with many callers at once it was
      // most of an accept); the caller answers only once its row is committed. A repeated Idempotency-Key within the
      // same turn finds the earlier row. The `queued` announcement is made inside it, so what listeners store for it
      // (the journal's `message.status`, the conversation store) commits with the row, or nothing does.
      const row = acceptedRow(id, input, payload, now, this.deps.settings.ttlMs);
      result = await this.deps.store.insertOnce(row, audit?.({ id, phoneNumber: input.phoneNumber }), (stored) =>
        this.emitter.emit('status', { id, phoneNumber: stored.phoneNumber, status: 'queued', waMessageId: null, error: null, at: stored.createdAt, row: stored }),
      );
    } catch (err) {
      await media.remove(upload);
      throw err;
    }
    if (!result.created) {
      await media.remove(upload);
      if ((result.row.payload as unknown as MessagePayload).fingerprint !== fingerprint) {
        throw new GatewayError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different message from this number', {
          messageId: result.row.id,
        });
      }
      return result;
    }
    // At once, before the 202 is written: deferring it made a burst of accepts delay every send of the burst.
    if (this.owns(input.phoneNumber)) this.lane(input.phoneNumber).pump();
    return result;
  }

  get(id: string): Answer<M, MessageRow | undefined> {
    return this.deps.store.get(id);
  }

  list(filter: MessageFilter): Answer<M, { rows: MessageRow[]; total: number }> {
    return this.deps.store.list(filter);
  }

  lane(phoneNumber: string): NumberLane<M> {
    let lane = this.lanes.get(phoneNumber);
    if (!lane) {
      const { supervisor } = this.deps;
      lane = new NumberLane<M>({
        ...this.deps,
        phoneNumber,
        events: this.emitter,
        client: (): GowaClient | null => {
          const runner = supervisor.runner(phoneNumber);
          return runner?.state === 'running' ? runner.client : null;
        },
        owns: () => this.owns(phoneNumber),
        policy: () => this.policyOf(phoneNumber),
        pauses: {
          load: () => {
            const row = this.deps.devices.get(phoneNumber);
            return row?.pausedUntil ? { until: row.pausedUntil, reason: row.pauseReason ?? '' } : null;
          },
          save: (pause) => void this.deps.devices.update(phoneNumber, { pausedUntil: pause?.until ?? null, pauseReason: pause?.reason ?? null }),
        },
      });
      this.lanes.set(phoneNumber, lane);
    }
    return lane;
  }

  queueStatus(phoneNumber: string): Answer<M, QueueStatus> {
    return this.lane(phoneNumber).status();
  }

  /** A number's own pacing, or null for the global default (QUEUE_* settings). */
  setPolicy(phoneNumber: string, policy: QueuePolicy | null): void {
    this.deps.devices.update(phoneNumber, { queuePolicy: policy });
    this.lane(phoneNumber).applyPolicy();
  }

  /** The pacing the number's queue follows: its own, or the default. */
  policy(phoneNumber: string): QueuePolicy {
    return this.policyOf(phoneNumber).policy;
  }

  /**
   * A delivery or read receipt for WhatsApp ids of this number: moves their messages forward (never backwards).
   * Returns the ids the outbox knows, moved or not, and `announce`, which announces each move: called by the
   * caller once the writes are committed (receipts are written in the transaction of the event that carried them).
   */
  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', when: number): Answer<M, AppliedReceipt> {
    return run(this.deps.store.mode, this.receiptSteps(phoneNumber, waIds, receipt, when));
  }

  private *receiptSteps(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', when: number): Steps<AppliedReceipt> {
    const known = new Set<string>();
    const moved = yield* ask(this.store.applyReceipt(phoneNumber, waIds, receipt, when));
    for (const row of moved) if (row.waMessageId) known.add(row.waMessageId);
    // Ids a receipt did not move (already read, say): usually none are left, so this query rarely runs.
    const rest = waIds.filter((id) => !known.has(id));
    if (rest.length > 0) for (const id of yield* ask(this.store.knownWaIds(phoneNumber, rest))) known.add(id);
    const announce = (): void => {
      const now = this.deps.clock.now();
      for (const row of moved) this.emitter.emit('status', { id: row.id, phoneNumber, status: row.status, waMessageId: row.waMessageId, error: row.error, at: now, row });
    };
    return { known, announce };
  }

  /** WhatsApp's reach-out timelock seen outside the outbox (a proxied send): pause the number all the same. */
  timelock(phoneNumber: string, reason: string): void {
    this.lane(phoneNumber).pause(this.deps.settings.timelockPauseMs, reason);
  }

  /**
   * A pending number was renamed to its phone (its rows moved with it): the queue held under the old key goes; the
   * messages are picked up under the new key when its child is ready.
   */
  async release(oldKey: string): Promise<void> {
    const lane = this.lanes.get(oldKey);
    this.lanes.delete(oldKey);
    await lane?.close();
  }

  /** The number was unregistered: drop its queue and its messages (and their uploads). */
  async forget(phoneNumber: string): Promise<void> {
    const lane = this.lanes.get(phoneNumber);
    this.lanes.delete(phoneNumber);
    await lane?.close();
    for (const row of await this.deps.store.messages.deleteForNumber(phoneNumber)) {
      await this.deps.media.remove((row.payload as unknown as MessagePayload).upload);
    }
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.allSettled([...this.lanes.values()].map((lane) => lane.close()));
  }

  private policyOf(phoneNumber: string): { policy: QueuePolicy; custom: boolean } {
    const own = this.deps.devices.get(phoneNumber)?.queuePolicy;
    return own ? { policy: own, custom: true } : { policy: this.deps.settings.defaultPolicy, custom: false };
  }

  /** The child is (back) up or just logged in: waits set for it are over. */
  private wake(phoneNumber: string, statuses: MessageStatus[]): void {
    if (!this.owns(phoneNumber)) return;
    this.deps.store.messages.clearRetryTimes(phoneNumber, statuses).then(
      () => this.lane(phoneNumber).pump(),
      (err: unknown) => this.deps.logger.error({ err, phoneNumber }, 'outbox: could not clear retry times'),
    );
  }

  /**
   * Queued messages past their time to live expire and those of unregistered numbers fail, from any node (both are
   * conditional updates that never touch a claimed row, so they cannot race a send). With a gate, the numbers this
   * node owns that have rows accepted elsewhere start too (a missed `acceptedElsewhere` costs a sweep's delay).
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const { store, clock, logger, gate } = this.deps;
    try {
      const now = clock.now();
      for (const row of [...(await store.messages.expireDue(now)), ...(await store.messages.failUnregistered(now))]) {
        this.emitter.emit('status', { id: row.id, phoneNumber: row.phoneNumber, status: row.status, waMessageId: null, error: row.error, at: now, row });
        void this.deps.media.remove((row.payload as unknown as MessagePayload).upload);
      }
      if (gate) for (const phoneNumber of await store.messages.pendingNumbers()) this.acceptedElsewhere(phoneNumber);
    } catch (err) {
      logger.error({ err }, 'outbox: sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}

/** The ids a receipt concerns that the outbox knows, and its announcements, made once the receipt is committed. */
export interface AppliedReceipt {
  readonly known: Set<string>;
  readonly announce: () => void;
}
