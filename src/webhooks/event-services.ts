import type http from 'node:http';
import type { Router } from 'express';
import type { AccountService } from '../auth/accounts.js';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config/load.js';
import type { DatabaseHandle } from '../db/client.js';
import { DeliveryRepository } from '../db/repositories/deliveries.js';
import type { DeviceRepository } from '../db/repositories/devices.js';
import { EventRepository } from '../db/repositories/events.js';
import type { ApiRegistry } from '../http/api-registry.js';
import type { DeviceAccess } from '../auth/device-access.js';
import { eventRoutes } from '../http/routes/events.js';
import { internalWebhookRoutes } from '../http/routes/internal-webhooks.js';
import { webhookRoutes } from '../http/routes/webhooks.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ChildFeeds } from '../realtime/child-feeds.js';
import { EventJournal } from '../realtime/event-journal.js';
import { FeedRecorder } from '../realtime/feed-recorder.js';
import { bridgeToSockets } from '../realtime/socket-bridge.js';
import { RealtimeServer } from '../realtime/socket-server.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { WebhookDispatcher } from './dispatcher.js';
import { parseEventList } from './event-filter.js';
import { webhookHealth, type WebhookHealth } from './health.js';
import { InboundWebhooks } from './inbound.js';
import { WebhookOutbox } from './outbox.js';
import { WebhookTargets } from './targets.js';

export interface EventServicesDeps {
  readonly config: Readonly<Config>;
  readonly database: DatabaseHandle;
  readonly supervisor: Supervisor;
  readonly feeds: ChildFeeds;
  readonly devices: DeviceRepository;
  readonly access: DeviceAccess;
  readonly tokens: TokenService;
  readonly accounts: AccountService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly version: string;
}

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Builds the event pipeline with explicit dependencies: children's `/ws` frames, their webhooks (inbound
 * receiver) and supervisor changes → the journal (numbered, stored) → Socket.IO and the durable webhook outbox.
 * Start order: construct → `attach(server)` → `start()`; `close()` undoes it in reverse.
 */
export class EventServices {
  readonly journal: EventJournal;
  readonly inbound: InboundWebhooks;
  readonly deliveries: DeliveryRepository;
  readonly dispatcher: WebhookDispatcher;
  private realtimeServer: RealtimeServer | null = null;
  private readonly recorder: FeedRecorder;
  private unbridge: (() => void) | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: EventServicesDeps) {
    const { config, database, clock, logger } = deps;
    const transaction = <T>(work: () => T): T => database.sqlite.transaction(work)();
    this.journal = new EventJournal(new EventRepository(database.db), transaction, clock);
    this.deliveries = new DeliveryRepository(database.db);
    const targets = new WebhookTargets(deps.devices, { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, events: parseEventList(config.WEBHOOK_EVENTS) }, (id) => deps.accounts.isAdmin(id));
    this.dispatcher = new WebhookDispatcher(
      this.deliveries,
      targets,
      {
        timeoutMs: config.WEBHOOK_TIMEOUT,
        concurrency: config.WEBHOOK_CONCURRENCY,
        policy: { baseDelayMs: config.WEBHOOK_RETRY_BASE_DELAY, maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY, periodMs: config.WEBHOOK_RETRY_PERIOD, jitter: 0.2 },
        userAgent: `WhatsApp-Multi-Platform-Webhooks/${deps.version}`,
      },
      clock,
      logger.child({ component: 'webhooks' }),
    );
    this.journal.addDurableSubscriber(new WebhookOutbox(targets, this.deliveries, (lanes) => this.dispatcher.wake(lanes), config.WEBHOOK_RETRY_PERIOD, clock));
    this.recorder = new FeedRecorder(deps.supervisor, deps.feeds.events, this.journal, logger);
    this.inbound = new InboundWebhooks({
      secretFor: (phone) => deps.supervisor.runner(phone)?.webhookSecret ?? null,
      portFor: (phone) => deps.supervisor.runner(phone)?.port ?? null,
      journal: this.journal,
      feeds: deps.feeds.events,
      clock,
      logger,
    });
  }

  get realtime(): RealtimeServer {
    if (!this.realtimeServer) throw new Error('EventServices.attach(server) was not called');
    return this.realtimeServer;
  }

  /** For `internalRoutes`: the children's webhook receiver. */
  internalRoutes(): Router[] {
    return [internalWebhookRoutes(this.inbound)];
  }

  /** For `apiRoutes`: webhook settings and deliveries, event history. */
  apiRoutes(api: ApiRegistry): Router[] {
    const { supervisor, devices, access } = this.deps;
    return [webhookRoutes(api, { supervisor, devices, access, deliveries: this.deliveries, dispatcher: this.dispatcher }), eventRoutes(api, this.journal, access)];
  }

  /** Socket.IO on the gateway's HTTP server, fed by the journal, the child feeds and the supervisor. */
  attach(server: http.Server): RealtimeServer {
    const { config, devices, access, tokens, accounts, clock, logger } = this.deps;
    this.realtimeServer = new RealtimeServer(server, { tokens, accounts, devices, access, journal: this.journal, resumeLimit: config.REALTIME_RESUME_LIMIT, corsOrigins: config.CORS_ORIGINS, clock, logger });
    this.unbridge = bridgeToSockets(this.realtimeServer, { journal: this.journal.events, feeds: this.deps.feeds.events, supervisor: this.deps.supervisor.events }, logger);
    return this.realtimeServer;
  }

  /** Resume the deliveries a previous run left, and prune old history now and every hour. */
  start(): void {
    this.dispatcher.start();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** The number was unregistered: its events and deliveries must not reach whoever registers it next. */
  forget(phoneNumber: string): void {
    this.journal.forget(phoneNumber);
    this.deliveries.deleteForNumber(phoneNumber);
  }

  /** Per-endpoint webhook backlog (for /api/health/detailed); `phones` limits it to a tenant's numbers. */
  webhookHealth(phones?: readonly string[]): WebhookHealth {
    return webhookHealth(this.deliveries, this.dispatcher, phones);
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    this.recorder.close();
    this.unbridge?.();
    await this.realtimeServer?.close();
    await this.dispatcher.close();
  }

  private prune(): void {
    try {
      const events = this.journal.prune(this.deps.config.EVENT_RETENTION);
      const deliveries = this.deliveries.prune(this.deps.clock.now() - this.deps.config.WEBHOOK_HISTORY_RETENTION);
      if (events + deliveries > 0) this.deps.logger.info({ events, deliveries }, 'pruned old events and webhook deliveries');
    } catch (err) {
      this.deps.logger.error({ err }, 'pruning events failed');
    }
  }
}
