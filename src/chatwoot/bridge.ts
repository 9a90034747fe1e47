import type { AuditLog } from '../audit/audit-log.js';
import type { MediaService } from '../conversations/media-service.js';
import type { DatabaseHandle } from '../db/client.js';
import { AnnotationRepository } from '../db/repositories/annotations.js';
import { ChatwootBindingRepository } from '../db/repositories/chatwoot-bindings.js';
import { ChatwootJobRepository } from '../db/repositories/chatwoot-jobs.js';
import { ChatwootStateRepository } from '../db/repositories/chatwoot-state.js';
import { ConversationRepository } from '../db/repositories/conversations.js';
import { MessageRepository } from '../db/repositories/messages.js';
import { StoredMessageRepository } from '../db/repositories/stored-messages.js';
import type { ChatwootJobRow } from '../db/schema.js';
import type { Backoff } from '../domain/backoff.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { SecretBox } from '../lib/secret-box.js';
import type { QrCode } from '../qr/qr-service.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { BindingService, type BindingDefaults } from './bindings/binding-service.js';
import { Bindings } from './bindings/bindings.js';
import { ChatwootTransport } from './client/transport.js';
import { CommandRunner } from './commands/command-runner.js';
import { CommandWebhook, type CommandSettings } from './commands/command-webhook.js';
import { Notes } from './commands/notes.js';
import { QrRelay } from './commands/qr-relay.js';
import { BridgeFigures } from './figures.js';
import { JobQueue, type StepOutcome } from './queue/job-queue.js';
import { ContactSync } from './to-chatwoot/contacts.js';
import { MergeStep } from './to-chatwoot/merge-step.js';
import { MessageSync } from './to-chatwoot/message-sync.js';
import { failStep, noteStep } from './to-chatwoot/note-step.js';
import { StoreReader } from './to-chatwoot/store-reader.js';
import { StoreSubscriber } from './to-chatwoot/store-subscriber.js';
import { ReplyStep, type ReplyOutbox, type ReplyPayload } from './to-whatsapp/reply-step.js';
import { WebhookReceiver } from './to-whatsapp/webhook-receiver.js';

export interface ChatwootSettings {
  readonly defaults: BindingDefaults;
  /** SECRETS_ENCRYPTION_KEY. */
  readonly secretsKey: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly retry: Backoff;
  readonly periodMs: number;
  readonly maxAttachmentBytes: number;
  readonly toleranceSec: number;
  /** Finished steps and taken deliveries are kept this long. */
  readonly historyRetentionMs: number;
  readonly commands: CommandSettings;
  /** CHATWOOT_MAX_QR_SEND_ATTEMPTS. */
  readonly maxQrSends: number;
}

export interface ChatwootBridgeDeps {
  readonly database: DatabaseHandle;
  readonly media: MediaService;
  readonly outbox: ReplyOutbox;
  /** The outbox's upload tmp folder (downloaded attachments wait there until adopted). */
  readonly uploadTmpDir: string;
  /** For the commands: numbers created, restarted, logged out. */
  readonly supervisor: Supervisor;
  readonly qr: (phoneNumber: string) => Promise<QrCode>;
  /** Agents' replies and commands are audited here (src/chatwoot/audit.ts). */
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: ChatwootSettings;
}

/**
 * The Chatwoot bridge (docs/chatwoot.md): each bound number is one API-channel inbox, both ways. WhatsApp →
 * Chatwoot starts in the event pipeline (`subscriber`, in the journal's transaction); Chatwoot → WhatsApp at the
 * inbox webhook (`webhooks`); every step between is a row of the durable queue, run in order per conversation.
 */
export class ChatwootBridge {
  readonly bindings: Bindings;
  readonly service: BindingService;
  readonly subscriber: StoreSubscriber;
  readonly webhooks: WebhookReceiver;
  readonly queue: JobQueue;
  readonly figures: BridgeFigures;
  readonly repo: ChatwootBindingRepository;
  readonly state: ChatwootStateRepository;
  readonly jobs: ChatwootJobRepository;
  /** `POST /webhook/comando`. */
  readonly commands: CommandWebhook;
  private readonly qrRelay: QrRelay;
  private readonly offBound: () => void;
  private readonly transport = new ChatwootTransport();
  private readonly logger: Logger;

  constructor(private readonly deps: ChatwootBridgeDeps) {
    const { database, clock, settings } = deps;
    const db = database.db;
    const logger = deps.logger.child({ component: 'chatwoot' });
    this.logger = logger;
    this.repo = new ChatwootBindingRepository(db);
    this.state = new ChatwootStateRepository(db);
    this.jobs = new ChatwootJobRepository(db);
    this.bindings = new Bindings(this.repo, new SecretBox(settings.secretsKey), this.transport, settings.timeoutMs);
    // Health reports are synchronous: the backlog is read through the SQLite calls until health awaits its contributors.
    this.figures = new BridgeFigures(this.jobs.sync, () => this.bindings.list());
    const store = new StoreReader({
      messages: new StoredMessageRepository(db),
      annotations: new AnnotationRepository(db),
      conversations: new ConversationRepository(db),
      outbox: new MessageRepository(db),
      media: deps.media,
    });
    const contacts = new ContactSync(this.state);
    // The reply step queues follow-ups on the queue that runs it.
    let replies: ReplyStep | null = null;
    this.queue = new JobQueue({
      repo: this.jobs,
      inTransaction: this.jobs.sync,
      clock,
      logger,
      settings: { retry: settings.retry, periodMs: settings.periodMs, concurrency: settings.concurrency },
      handlers: {
        message: new MessageSync({ bindings: this.bindings, state: this.state, store, contacts, maxAttachmentBytes: settings.maxAttachmentBytes }).handle,
        merge: new MergeStep(this.bindings, this.state).handle,
        note: noteStep(this.bindings, this.state),
        fail: failStep(this.bindings),
        reply: (job) => {
          if (!replies) throw new Error('the reply step is not built yet');
          return replies.handle(job);
        },
      },
      onSettled: (job, outcome, ms, status) => this.settled(job, outcome, ms, status),
    });
    replies = new ReplyStep({ bindings: this.bindings, state: this.state, outbox: deps.outbox, queue: this.queue, tmpDir: deps.uploadTmpDir, maxAttachmentBytes: settings.maxAttachmentBytes, logger });
    this.subscriber = new StoreSubscriber(this.bindings, this.repo, this.state, this.queue, clock);
    this.service = new BindingService({
      repo: this.repo,
      bindings: this.bindings,
      queue: this.queue,
      history: (phone, options) => this.subscriber.historyImport(phone, options),
      defaults: settings.defaults,
      logger,
    });
    this.webhooks = new WebhookReceiver({ bindings: this.bindings, state: this.state, queue: this.queue, audit: deps.audit, clock, logger, toleranceSec: settings.toleranceSec });
    // First listener of `bound`: the caches must know the new key before anything (the QR relay's note) uses it.
    this.offBound = deps.supervisor.events.on('bound', ({ phoneNumber, pendingId }) => this.rekeyed(pendingId, phoneNumber));
    const notes = new Notes(this.queue, logger);
    this.qrRelay = new QrRelay({ qr: deps.qr, supervisor: deps.supervisor.events, notes, clock, logger, maxSends: settings.maxQrSends });
    const runner = new CommandRunner({ supervisor: deps.supervisor, service: this.service, repo: this.repo, notes, qr: this.qrRelay, defaults: settings.defaults, logger });
    this.commands = new CommandWebhook({ settings: settings.commands, runner, repo: this.repo, bindings: this.bindings, defaults: settings.defaults, audit: deps.audit, clock, logger });
  }

  /** Every open lane resumes. */
  async start(): Promise<void> {
    await this.queue.start();
  }

  /** A number was renamed to its phone (rows moved with it): caches under the old key go, its lanes run under the new one. */
  private rekeyed(pendingId: string, phoneNumber: string): void {
    this.bindings.changed(pendingId, phoneNumber);
    this.queue.forget(pendingId);
    this.jobs
      .openLanes()
      .then((lanes) => this.queue.wake(lanes.filter((lane) => lane.phoneNumber === phoneNumber)))
      .catch((err: unknown) => this.logger.error({ err, phoneNumber }, 'chatwoot: the lanes of a renamed number could not be read'));
  }

  /** The number was unregistered. */
  forget(phoneNumber: string): void {
    this.service.forget(phoneNumber).catch((err: unknown) => this.logger.error({ err, phoneNumber }, 'chatwoot: the binding of an unregistered number could not be removed'));
  }

  /** Finished steps and old delivery receipts past their retention; returns how many went. */
  async prune(): Promise<number> {
    const before = this.deps.clock.now() - this.deps.settings.historyRetentionMs;
    return (await this.jobs.pruneDone(before)) + (await this.repo.pruneReceipts(before));
  }

  async close(): Promise<void> {
    this.offBound();
    this.qrRelay.close();
    await this.queue.close();
    await this.transport.close();
  }

  /** Metrics, and the follow-up of a reply that died: its Chatwoot message is marked failed with why. */
  private async settled(job: ChatwootJobRow, outcome: StepOutcome, ms: number, status: ChatwootJobRow['status']): Promise<void> {
    this.figures.count(job, outcome, ms);
    if (job.kind === 'reply' && status === 'dead') {
      const reply = job.payload as unknown as ReplyPayload;
      const error = outcome.kind === 'done' ? 'not sent' : `not sent to WhatsApp: ${outcome.error}`;
      this.queue.wake([await this.queue.enqueue({ phoneNumber: job.phoneNumber, lane: job.lane, kind: 'fail', ref: job.ref, payload: { conversationId: reply.conversationId, error } })]);
    }
  }
}
