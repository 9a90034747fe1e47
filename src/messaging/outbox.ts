import crypto from 'node:crypto';
import type { DeviceKeeper } from '../db/ports/devices.js';
import type { MessageFilter, MessageRepository, NewMessage } from '../db/repositories/messages.js';
import type { TurnWriter } from '../db/turn-writer.js';
import type { MessageRow } from '../db/schema.js';
import { GatewayError } from '../domain/errors.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { uuid7Source } from '../lib/uuid7.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { NumberLane } from './lane.js';
import type { MediaStore } from './media-store.js';
import type { MessageKind, MessagePayload, MessageStatus, OutboxEvents, OutboxSettings, QueuePolicy, QueueStatus, StoredUpload } from './types.js';

export interface OutboxDeps {
  readonly repo: MessageRepository;
  /** The turn's transaction: accepts, claims and sends of one turn share one commit with the events it stores. */
  readonly writer: TurnWriter;
  readonly devices: DeviceKeeper;
  readonly supervisor: Supervisor;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: OutboxSettings;
}

export interface NewOutgoing {
  readonly phoneNumber: string;
  /** A full JID (digits already turned into `<digits>@s.whatsapp.net`). */
  readonly recipient: string;
  readonly kind: MessageKind;
  readonly content: Omit<MessagePayload, 'upload' | 'fingerprint'>;
  readonly idempotencyKey: string | null;
  readonly ttlMs?: number;
  /** A file multer wrote to the media tmp folder. */
  readonly upload?: { readonly tempPath: string } & Omit<StoredUpload, 'path'>;
}

/**
 * The durable outbox and the per-number queues in front of the children. A message is a SQLite row before the
 * caller hears 202; from then on only the row's status matters, so a restarted child or gateway picks up where
 * it stopped (see NumberLane for order, pacing and retries).
 */
export class Outbox {
  private readonly emitter: TypedEmitter<OutboxEvents>;
  /** Status changes of accepted messages and queue pauses. */
  readonly events: Listenable<OutboxEvents>;
  private readonly lanes = new Map<string, NumberLane>();
  private readonly unsubscribe: (() => void)[] = [];
  private sweeper: NodeJS.Timeout | null = null;
  /** Time-ordered ids: a number's messages accepted in one millisecond still go out in the order accepted, on any dialect. */
  private readonly newId: () => string;

  constructor(private readonly deps: OutboxDeps) {
    this.newId = uuid7Source(() => deps.clock.now());
    this.emitter = new TypedEmitter((err, event) => deps.logger.error({ err, event }, 'an outbox listener failed'));
    this.events = this.emitter.view;
  }

  /** Rebuild the queues from the outbox and follow the children's lifecycle. */
  start(): void {
    const { repo, supervisor, media, settings, logger } = this.deps;
    media.prepare(repo.pendingIds());
    this.unsubscribe.push(
      // A new process: whatever the old one was doing has died with it, so unknown outcomes can be checked now.
      supervisor.events.on('ready', ({ phoneNumber }) => this.wake(phoneNumber, ['queued', 'sending'])),
      // Same process, just logged in: an attempt with an unknown outcome may still be running inside it.
      supervisor.events.on('session', ({ phoneNumber, to }) => {
        if (to === 'logged_in') this.wake(phoneNumber, ['queued']);
      }),
    );
    const pending = repo.pendingNumbers();
    for (const phoneNumber of pending) this.lane(phoneNumber).pump();
    if (pending.length > 0) logger.info({ numbers: pending.length }, 'outbox: queues rebuilt from the database');
    this.sweeper = setInterval(() => this.sweep(), settings.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** `inTransaction` runs with the new row in the transaction that stores it (a repeat of an idempotent send writes nothing). */
  async accept(input: NewOutgoing, inTransaction?: (row: MessageRow) => void): Promise<{ row: MessageRow; created: boolean }> {
    const { media, clock } = this.deps;
    const now = clock.now();
    const id = this.newId();
    const fingerprint = fingerprintOf(input);
    let upload: StoredUpload | undefined;
    if (input.upload) {
      const { tempPath, ...meta } = input.upload;
      upload = await media.adopt(tempPath, input.phoneNumber, id, meta);
    }
    const payload: MessagePayload = { ...input.content, ...(upload ? { upload } : {}), fingerprint };
    let result: { row: MessageRow; created: boolean };
    try {
      // In the turn's transaction (a commit is a handful of WAL writes: with many callers at once it was most of an
      // accept); the caller answers only once its row is committed. A repeated Idempotency-Key within the same
      // turn finds the earlier row. The `queued` announcement is made inside it, so what listeners store for it
      // (the journal's `message.status`, the conversation store) commits with the row, or nothing does.
      const row = this.newRow(id, input, payload, now);
      result = await this.deps.writer.write(() => {
        const inserted = this.deps.repo.insertOnce(row, inTransaction);
        if (inserted.created) {
          const { row: stored } = inserted;
          this.emitter.emit('status', { id, phoneNumber: stored.phoneNumber, status: 'queued', waMessageId: null, error: null, at: stored.createdAt, row: stored });
        }
        return inserted;
      });
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
    this.lane(input.phoneNumber).pump();
    return result;
  }

  private newRow(id: string, input: NewOutgoing, payload: MessagePayload, now: number): NewMessage {
    return {
      id,
      phoneNumber: input.phoneNumber,
      recipient: input.recipient,
      kind: input.kind,
      payload: payload as unknown as Record<string, unknown>,
      status: 'queued',
      idempotencyKey: input.idempotencyKey,
      expiresAt: now + (input.ttlMs ?? this.deps.settings.ttlMs),
      createdAt: now,
      updatedAt: now,
    };
  }

  get(id: string): MessageRow | undefined {
    return this.deps.repo.get(id);
  }

  list(filter: MessageFilter): { rows: MessageRow[]; total: number } {
    return this.deps.repo.list(filter);
  }

  lane(phoneNumber: string): NumberLane {
    let lane = this.lanes.get(phoneNumber);
    if (!lane) {
      const { supervisor } = this.deps;
      lane = new NumberLane({
        ...this.deps,
        phoneNumber,
        events: this.emitter,
        client: (): GowaClient | null => {
          const runner = supervisor.runner(phoneNumber);
          return runner?.state === 'running' ? runner.client : null;
        },
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

  queueStatus(phoneNumber: string): QueueStatus {
    return this.lane(phoneNumber).status();
  }

  /** A number's own pacing, or null for the global default (QUEUE_* settings). */
  setPolicy(phoneNumber: string, policy: QueuePolicy | null): QueueStatus {
    this.deps.devices.update(phoneNumber, { queuePolicy: policy });
    const lane = this.lane(phoneNumber);
    lane.applyPolicy();
    return lane.status();
  }

  /**
   * A delivery or read receipt for WhatsApp ids of this number: moves their messages forward (never backwards).
   * Returns the ids the outbox knows, moved or not, and `announce`, which announces each move: called by the
   * caller once the writes are committed (receipts are written in the transaction of the event that carried them).
   */
  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', when: number): { known: Set<string>; announce: () => void } {
    const known = new Set<string>();
    const moved = this.deps.repo.applyReceipt(phoneNumber, waIds, receipt, when);
    for (const row of moved) if (row.waMessageId) known.add(row.waMessageId);
    // Ids a receipt did not move (already read, say): usually none are left, so this query rarely runs.
    const rest = waIds.filter((id) => !known.has(id));
    if (rest.length > 0) for (const id of this.deps.repo.knownWaIds(phoneNumber, rest)) known.add(id);
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
    for (const row of this.deps.repo.deleteForNumber(phoneNumber)) {
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
    this.deps.repo.clearRetryTimes(phoneNumber, statuses);
    this.lane(phoneNumber).pump();
  }

  private sweep(): void {
    const now = this.deps.clock.now();
    for (const row of [...this.deps.repo.expireDue(now), ...this.deps.repo.failUnregistered(now)]) {
      this.emitter.emit('status', { id: row.id, phoneNumber: row.phoneNumber, status: row.status, waMessageId: null, error: row.error, at: now, row });
      void this.deps.media.remove((row.payload as unknown as MessagePayload).upload);
    }
  }
}

function fingerprintOf(input: NewOutgoing): string {
  const { recipient, kind, content, upload } = input;
  const file = upload ? { name: upload.fileName, size: upload.size, type: upload.mimeType } : null;
  return crypto.createHash('sha256').update(JSON.stringify({ recipient, kind, content, file })).digest('hex');
}
