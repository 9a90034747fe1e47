import http from 'node:http';
import path from 'node:path';
import { AccountService } from './auth/accounts.js';
import { ApiKeyService } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticate.js';
import { GrantService } from './auth/grants.js';
import { SecretHasher } from './auth/key-format.js';
import { KeyRules } from './auth/key-rules.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { AccessPolicy } from './auth/policy.js';
import { SessionService } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import { AuditLog } from './audit/audit-log.js';
import { auditRestore, auditSystemEvents } from './audit/system-events.js';
import type { Config } from './config/load.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { pgAccessStores, sqliteAccessStores } from './db/access-stores.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { pgDatabase } from './db/pg/client.js';
import { PgDeviceEventRepository } from './db/pg/repositories/device-events.js';
import { followTable } from './db/follow-changes.js';
import { AuditRepository } from './db/repositories/audit.js';
import { followAccessChanges } from './auth/follow-changes.js';
import { ChangeFeed } from './cluster/change-feed.js';
import { TurnWriter } from './db/turn-writer.js';
import { DeviceDirectory } from './db/device-directory.js';
import { CompatTenantRepository } from './db/repositories/compat-tenants.js';
import { PgCompatTenantRepository } from './db/pg/repositories/compat-tenants.js';
import { DeviceEventRepository } from './db/repositories/device-events.js';
import { DeviceRepository } from './db/repositories/devices.js';
import { sqliteDeviceEventStore, sqliteDeviceStore, sqliteNumberKeys } from './db/repositories/sqlite-ports.js';
import { MessageRepository } from './db/repositories/messages.js';
import { sqliteOutboxStore } from './db/repositories/sqlite-outbox.js';
import { BinaryVersionProbe } from './health/binary-version.js';
import { HealthService } from './health/health-service.js';
import { ResourceHistory } from './health/resource-history.js';
import { ResourceSampler } from './health/resource-sampler.js';
import { SystemStats } from './health/system-stats.js';
import { ApiRegistry } from './http/api-registry.js';
import { answerClientErrors } from './http/client-errors.js';
import { statusFor } from './http/error-handler.js';
import { auditRoutes } from './http/routes/audit.js';
import { logoutAllRoutes, sessionRoutes } from './http/routes/auth-sessions.js';
import { authRoutes } from './http/routes/auth.js';
import { deviceStatsRoutes } from './http/routes/device-stats.js';
import { grantRoutes } from './http/routes/grants.js';
import { keyRoutes } from './http/routes/keys.js';
import { routeGuard } from './http/route-guard.js';
import { deviceRoutes } from './http/routes/devices.js';
import { healthDetailRoutes } from './http/routes/health-details.js';
import { healthRoutes } from './http/routes/health.js';
import { meRoutes } from './http/routes/me.js';
import { messageRoutes } from './http/routes/messages.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { qrRoutes } from './http/routes/qr.js';
import { queueRoutes } from './http/routes/queue.js';
import { restoreRoutes } from './http/routes/restore.js';
import { timelineRoutes } from './http/routes/timeline.js';
import { updateRoutes } from './http/routes/update.js';
import { userRoutes } from './http/routes/users.js';
import { createHttpApp } from './http/server.js';
import { UpgradeRouter, rejectClusterUpgrade } from './http/upgrade-router.js';
import { deviceProcessRoutes } from './http/routes/device-process.js';
import { ChatwootBridge } from './chatwoot/bridge.js';
import { installedBinaryVersion } from './cluster/binary-version.js';
import { startClusterNode, type ClusterNode } from './cluster/cluster-node.js';
import { JournalAppender, LocalJournalForwarder } from './cluster/journal/index.js';
import { FencedDeviceStore } from './cluster/fenced-devices.js';
import { NodeAgent } from './cluster/node-agent.js';
import { addNumbers } from './cluster/numbers.js';
import { FencedNumberKeys, storeKeyOf } from './cluster/number-rename.js';
import { SessionStores } from './cluster/session-store.js';
import { clusterSettings } from './cluster/settings.js';
import { readClusterView } from './cluster/view.js';
import { startRouting } from './cluster/routing/index.js';
import { routedNumber } from './http/routed-number.js';
import { CompatLayer } from './compat/compat-layer.js';
import { followCompatChanges } from './compat/follow-changes.js';
import { compatSettings } from './compat/settings.js';
import { DeviceService } from './devices/device-service.js';
import { PendingBinder } from './devices/pending-binder.js';
import { BinaryInstaller } from './jobs/binary-installer.js';
import { UpdateScheduler } from './jobs/update-scheduler.js';
import { scopedRollout, scopedStatus, UpdateService } from './jobs/update-service.js';
import { clientAddress } from './lib/client-address.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { MediaStore } from './messaging/media-store.js';
import { Outbox } from './messaging/outbox.js';
import { followOwnership, ownerGate } from './messaging/owner-dispatch.js';
import { PgOutboxStore } from './db/pg/repositories/outbox.js';
import { PolledOutboxCounts } from './metrics/outbox-counts.js';
import type { Mode } from './db/ports/answer.js';
import { ReceiptTracker } from './messaging/receipts.js';
import { auditMetrics } from './metrics/audit.js';
import { messageMetrics, webhookMetrics } from './metrics/backlog.js';
import { chatwootMetrics } from './metrics/chatwoot.js';
import { clusterMetrics } from './metrics/cluster.js';
import { clusterJournalMetrics } from './metrics/cluster-journal.js';
import { chatwootRoutes } from './http/routes/chatwoot.js';
import { chatwootWebhookRoutes } from './http/routes/chatwoot-webhooks.js';
import { httpTiming } from './http/timing.js';
import { createMetrics } from './metrics/registry.js';
import { proxyHandler } from './proxy/http-proxy.js';
import { PROXY_PREFIX, ProxyTargets } from './proxy/targets.js';
import { WsProxy } from './proxy/ws-proxy.js';
import { QrService } from './qr/qr-service.js';
import { LogStream } from './realtime/log-stream.js';
import { PortPool } from './supervisor/port-pool.js';
import type { RestoreSummary } from './supervisor/reconcile.js';
import { restartPolicyFrom, supervisorSettingsFrom } from './supervisor/settings-from-config.js';
import { Supervisor } from './supervisor/supervisor.js';
import { EventPipeline } from './events/pipeline.js';
import { recordedDraft } from './events/journal.js';
import { SessionWatch } from './events/session-watch.js';
import { eventRoutes } from './http/routes/events.js';
import { internalWebhookHandler } from './http/routes/internal-webhooks.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { chatRoutes } from './http/routes/chats.js';
import { clusterRoutes, type ClusterSource } from './http/routes/cluster.js';
import { inboxRoutes } from './http/routes/inbox.js';
import { messageMediaRoutes } from './http/routes/message-media.js';
import { Conversations } from './conversations/conversations.js';
import { journalOutboxStatuses, proxiedSendDraft } from './messaging/status-journal.js';
import { RetentionJob } from './jobs/retention.js';
import { bridgeToSockets } from './realtime/socket-bridge.js';
import { ClusterSocketFeed } from './realtime/cluster-journal.js';
import { localJournal } from './realtime/realtime-journal.js';
import { RealtimeServer } from './realtime/socket-server.js';
import { parseEventList } from './webhooks/event-filter.js';
import { WebhookService } from './webhooks/webhook-service.js';
import { pgWebhookStorage, sqliteWebhookStorage } from './webhooks/storage.js';
import { followOwnership as followWebhookOwnership, ownershipGate } from './webhooks/dispatch-gate.js';
import { deliveriesInJournalBatch } from './webhooks/journal-batch.js';
import { FencedDeliveryLedger } from './db/pg/repositories/fenced-deliveries.js';
import { Polled } from './metrics/polled.js';
import { NO_WEBHOOK_BACKLOG } from './webhooks/health.js';

export interface GatewayOptions {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  /** The environment children inherit PATH (and the stand-in's SIM_* knobs) from. */
  readonly env: NodeJS.ProcessEnv;
  readonly version: string;
  readonly clock?: Clock;
}

export interface Gateway {
  readonly server: http.Server;
  readonly supervisor: Supervisor;
  readonly database: DatabaseHandle;
  /** Child feeds and webhooks → the journal (numbered, stored) → its consumers. */
  readonly pipeline: EventPipeline;
  /** QR and pairing-code logins, with the QR kept fresh by the gateway. */
  readonly qr: QrService;
  /** The durable outbox and per-number send queues. */
  readonly outbox: Outbox<Mode>;
  /** The conversation store (chats, messages, backfill, media). */
  readonly conversations: Conversations;
  /** The server's one `upgrade` listener: register WebSocket endpoints here (Socket.IO's path is left alone). */
  readonly upgrades: UpgradeRouter;
  /** The access rule (roles, grants, keys) and its change bus. */
  readonly policy: AccessPolicy;
  /** The audit log (append-only, hash-chained). */
  readonly audit: AuditLog;
  /** The Socket.IO server. */
  readonly realtime: RealtimeServer;
  /** Distributed mode's membership and ownership (null with CLUSTER_MODE=off). */
  readonly cluster: ClusterNode | null;
  /** Listen on API_PORT (0 = any free port); resolves with the bound port. */
  listen(): Promise<number>;
  /** Boot restore of the numbers that should run. */
  restore(): Promise<RestoreSummary>;
  /** Stop accepting requests, stop every child, close the database. */
  close(): Promise<void>;
}

/** Idle keep-alive connections are closed after this long (longer than a proxy's own idle timeout). */
const KEEP_ALIVE_TIMEOUT_MS = 75_000;
/** How old the outbox figures of metrics and health may be in distributed mode (one grouped query per period). */
const OUTBOX_FIGURES_PERIOD_MS = 5000;
/** Distributed mode: how often the webhook lanes are read again for rows written or replayed on other nodes. */
const WEBHOOK_POLL_MS = 1000;

/** The composition root: every component is built here with its dependencies passed in explicitly. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // Distributed mode joins first: a bad DATABASE_URL or a NODE_ID held by a live twin stops the boot before
  // anything else is opened.
  const clusterSetup = clusterSettings(config);
  // The node agent needs the supervisor, built below; the claims it serves wait for it (none starts a child before).
  let agentBuilt: (agent: NodeAgent) => void = () => undefined;
  const agentReady = new Promise<NodeAgent>((resolve) => (agentBuilt = resolve));
  // Distributed mode: the local journal's events go on to the Postgres journal (built with the pipeline, below).
  let forwarder: LocalJournalForwarder | null = null;
  const cluster = clusterSetup
    ? await startClusterNode({
        settings: clusterSetup,
        gowaVersion: installedBinaryVersion(config.paths.binary),
        migrationsFolder: path.join(config.paths.root, 'drizzle-postgres'),
        logger: logger.child({ component: 'cluster' }),
        hooks: {
          prepare: async (phoneNumber, fence) => (await agentReady).hooks.prepare?.(phoneNumber, fence),
          beforeRelease: async (phoneNumber) => {
            await (await agentReady).hooks.beforeRelease?.(phoneNumber);
            // What the stopped child's last moments recorded reaches Postgres before the fence is handed on.
            writer.flush();
            await forwarder?.settled();
          },
        },
      })
    : null;
  /** Distributed mode: each owned number's fenced session store (its child's DB_URI), kept by the node agent. */
  const storeUris = new Map<string, string>();
  let agent: NodeAgent | null = null;
  const clusterSource: ClusterSource = cluster && clusterSetup ? { mode: 'postgres', nodeId: clusterSetup.nodeId, read: () => readClusterView(cluster.pool) } : { mode: 'off' };
  const database = openDatabase(config.paths.database, path.join(config.paths.root, 'drizzle'));
  // One transaction per event-loop turn for what the hot paths store (events, receipts, sends, deliveries).
  const writer = new TurnWriter(database.sqlite, (err) => logger.error({ err }, 'an after-commit step failed'));
  // Shared by every node in distributed mode: who may do what, and the numbers' rows.
  const pgDb = cluster ? pgDatabase(cluster.pool) : null;
  const deviceRows = new DeviceRepository(database.db);
  // Every number's row in memory, read synchronously on every request, event and send; written through the store.
  const devices = await DeviceDirectory.load(
    cluster ? { devices: new FencedDeviceStore(cluster.pool, cluster.ownership), numberKeys: new FencedNumberKeys(cluster.ownership) } : { devices: sqliteDeviceStore(deviceRows, database.db), numberKeys: sqliteNumberKeys(deviceRows) },
    clock,
    (err, phoneNumber) => logger.error({ err, phoneNumber }, 'could not store the recorded state of a number'),
  );
  const history = pgDb ? new PgDeviceEventRepository(pgDb) : sqliteDeviceEventStore(new DeviceEventRepository(database.db));
  // Distributed mode: what other nodes change in the rows kept in memory reaches this node (started once all follow).
  const changes = cluster ? new ChangeFeed(() => cluster.connect('changes'), 1000, logger) : null;
  const onFollowError = (err: unknown, table: string): void => logger.warn({ err, table }, 'cluster: could not read a change of another node');
  const unfollowDevices = changes ? followTable(changes, 'devices', devices, clock, 1000, onFollowError) : () => undefined;
  const production = config.NODE_ENV === 'production';
  const throttle = new LoginThrottle(clock, { maxPerUser: config.LOGIN_MAX_FAILURES_PER_USER, maxPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS, windowMs: config.LOGIN_FAILURE_WINDOW });
  const stores = pgDb ? pgAccessStores(pgDb) : sqliteAccessStores(database.db);
  const accounts = await AccountService.load(stores.users, throttle, clock, production);
  if (await accounts.ensureAdmin(config.DEFAULT_ADMIN_USER, config.DEFAULT_ADMIN_PASS)) {
    logger.info({ username: config.DEFAULT_ADMIN_USER }, 'created the admin user from DEFAULT_ADMIN_USER / DEFAULT_ADMIN_PASS');
  }
  const auditStore = new AuditRepository(database.db);
  const audit = new AuditLog(auditStore, clock, logger.child({ component: 'audit' }), auditStore);
  // Dashboard sign-ins; their access tokens name their session, so ending it ends them too.
  const signIns = await SessionService.load(stores.signIns, clock, { idleMs: config.AUTH_SESSION_IDLE, maxMs: config.AUTH_SESSION_MAX, graceMs: 10_000 }, logger.child({ component: 'sessions' }));
  signIns.startPruning(config.AUTH_SESSION_MAX, 3_600_000);
  const tokens = new TokenService(config.JWT_SECRET, config.JWT_EXPIRES_IN, (sid) => signIns.isActive(sid));
  const keys = await ApiKeyService.load(stores.apiKeys, new SecretHasher(config.API_KEY_PEPPER), clock, production ? 'live' : 'test', (err) => logger.error({ err }, 'the last uses of API keys could not be written'));
  keys.start();
  const authn = new Authenticator(tokens, accounts, keys);

  let boundPort = config.API_PORT;
  const supervisor = new Supervisor({
    settings: supervisorSettingsFrom(config, (phone) => `http://127.0.0.1:${boundPort}/internal/webhooks/${phone}`),
    policy: restartPolicyFrom(config),
    devices,
    history,
    beforeRename: () => writer.flush(),
    ports: new PortPool(config.PROCESS_BASE_PORT, config.PROCESS_MAX_PORT),
    clock,
    logger,
    env: options.env,
    ...(cluster
      ? {
          storeUriFor: (phoneNumber: string) => storeUris.get(phoneNumber),
          mayRestart: (phoneNumber: string) => agent?.mayRun(phoneNumber) ?? false,
          // A new number joins the cluster's numbers; whichever node claims it starts it (if the user asked).
          place: async (phoneNumber: string, autoStart: boolean) => void (await addNumbers(cluster.pool, [phoneNumber], { desiredState: autoStart ? 'running' : 'stopped' })),
          bindKeepsChild: true,
        }
      : {}),
  });
  if (cluster && clusterSetup) {
    // Ownership drives the children: only the number's owner runs it, on its fenced session store.
    const sessionStores = new SessionStores({ admin: cluster.pool, secret: clusterSetup.storeSecret, target: SessionStores.targetFromUrl(clusterSetup.databaseUrl) });
    agent = new NodeAgent({
      children: {
        runner: (phoneNumber) => supervisor.runner(phoneNumber),
        register: (device) => supervisor.adopt(device.phoneNumber),
        // A number its users stopped stays stopped on whichever node owns it.
        start: async (phoneNumber, origin) => (devices.get(phoneNumber)?.desiredState === 'running' ? supervisor.start(phoneNumber, origin) : undefined),
        stop: (phoneNumber) => supervisor.handOver(phoneNumber),
        killNow: (phoneNumber) => supervisor.killNow(phoneNumber),
        list: () => supervisor.list(),
        events: supervisor.events,
      },
      stores: sessionStores,
      storeUris,
      storeKeyOf: (phoneNumber) => storeKeyOf(cluster.pool, phoneNumber),
      startConcurrency: config.RESTORE_CONCURRENCY,
      startJitterMs: config.RESTORE_JITTER,
      handoffConcurrency: config.HANDOFF_CONCURRENCY,
      logger: logger.child({ component: 'cluster-agent' }),
    });
    agent.attach(cluster);
  }

  const grants = await GrantService.load(stores.grants, clock);
  const policy = new AccessPolicy(devices, grants);
  // One bus for every change of who may see what: live sockets and proxied WebSockets re-check on it.
  accounts.events.on('changed', ({ userId, reason, tokensRevoked, roleLowered }) => {
    // On SQLite the sessions are ended before this returns (the store's write runs at the call); the live
    // sockets go on the 'ended' event that follows.
    if (tokensRevoked) signIns.endAll(userId, reason).catch((err: unknown) => logger.error({ err, userId }, 'could not end the sign-in sessions of a user'));
    policy.announce({ kind: 'user', userId, reason, reconnect: roleLowered });
  });
  signIns.events.on('ended', ({ userId, reason }) => policy.announce({ kind: 'user', userId, reason }));
  grants.events.on('changed', ({ userId }) => policy.announce({ kind: 'user', userId, reason: 'grant changed' }));
  keys.events.on('changed', ({ keyId, reason }) => policy.announce({ kind: 'key', keyId, reason }));
  const unfollowAccess = changes ? followAccessChanges(changes, { accounts, keys, grants, signIns }, clock, 1000, onFollowError) : () => undefined;
  const qr = new QrService({ supervisor, clock, logger, timeoutMs: config.QR_CODE_TIMEOUT, refreshLimit: config.QR_REFRESH_LIMIT });
  const pipeline = new EventPipeline({
    database,
    writer,
    supervisor,
    qr: qr.events,
    clock,
    logger,
    settings: { retentionMs: config.EVENT_RETENTION, feedPingIntervalMs: config.CHILD_FEED_PING_INTERVAL },
  });
  // Distributed mode, for now (DM-22): every event the local journal records is appended to Postgres too, under the
  // number's fence, so sockets on every node get it (they read the Postgres journal only).
  const appender = cluster ? new JournalAppender({ pool: cluster.pool, nodeId: cluster.membership.nodeId, fences: cluster.ownership, logger: logger.child({ component: 'cluster-journal' }) }) : null;
  forwarder = cluster && appender ? new LocalJournalForwarder({ appender, ownership: cluster.ownership, logger: logger.child({ component: 'cluster-journal' }) }, () => clock.now()) : null;
  const toPostgres = forwarder;
  const unforward = toPostgres ? pipeline.events.on('recorded', (event) => toPostgres.forward(event.phoneNumber, recordedDraft(event))) : () => undefined;
  const forwardFigures = toPostgres ? [clusterJournalMetrics(() => toPostgres.figures())] : [];
  const sessions = new SessionWatch(supervisor, pipeline.feeds.events, logger, config.SESSION_STATUS_DELAY);
  const webhookDeps = {
    devices,
    isAdmin: (id: number) => accounts.isAdmin(id),
    clock,
    logger,
    settings: {
      global: { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, events: parseEventList(config.WEBHOOK_EVENTS) },
      timeoutMs: config.WEBHOOK_TIMEOUT,
      concurrency: config.WEBHOOK_CONCURRENCY,
      policy: { baseDelayMs: config.WEBHOOK_RETRY_BASE_DELAY, maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY, periodMs: config.WEBHOOK_RETRY_PERIOD, jitter: 0.2 },
      userAgent: `WhatsApp-Multi-Platform-Webhooks/${options.version}`,
      historyRetentionMs: config.WEBHOOK_HISTORY_RETENTION,
    },
  };
  // Distributed mode (DM-23): the deliveries are in Postgres, written in the transaction of the journal batch that
  // stores their event (so one exists iff its event is in the Postgres journal), and posted by the number's owner
  // only, every claim and ack under its fence. One host: in SQLite, in the local journal's transaction, as before.
  const sharedWebhooks =
    cluster && pgDb
      ? new WebhookService({
          ...webhookDeps,
          storage: pgWebhookStorage(pgDb, new FencedDeliveryLedger(cluster.ownership)),
          gate: ownershipGate(cluster.ownership, WEBHOOK_POLL_MS, () => cluster.membership.isLive()),
        })
      : null;
  const localWebhooks = sharedWebhooks ? null : new WebhookService({ ...webhookDeps, storage: sqliteWebhookStorage(database, writer) });
  const webhooks: WebhookService<Mode> = sharedWebhooks ?? (localWebhooks as WebhookService<'sync'>);
  if (localWebhooks) pipeline.addDurableSubscriber(localWebhooks.subscriber);
  if (sharedWebhooks) appender?.addSubscriber(deliveriesInJournalBatch([sharedWebhooks.outbox], (rows) => sharedWebhooks.dispatcher.added(rows), clock));
  const unfollowWebhooks = sharedWebhooks && cluster ? followWebhookOwnership(cluster.ownership, sharedWebhooks) : () => undefined;
  const portOf = (phoneNumber: string): number | null => supervisor.runner(phoneNumber)?.port ?? null;
  const conversations = new Conversations({
    database,
    journal: pipeline.journal,
    supervisor: supervisor.events,
    visibility: policy,
    child: (phoneNumber, loggedIn) => {
      const runner = supervisor.runner(phoneNumber);
      if (runner?.state !== 'running' || (loggedIn && runner.session !== 'logged_in')) return null;
      return runner.client;
    },
    stateOf: (phoneNumber) => supervisor.runner(phoneNumber)?.state ?? 'stopped',
    portOf,
    clock,
    logger,
    settings: {
      historySync: { days: config.HISTORY_SYNC_DAYS, delayMs: config.HISTORY_SYNC_DELAY, concurrency: config.HISTORY_SYNC_CONCURRENCY, pageSize: 100 },
      mediaCache: { maxBytes: config.MEDIA_CACHE_MAX_MB * 1024 * 1024, maxAgeMs: config.MEDIA_CACHE_MAX_AGE },
      retentionDays: config.MESSAGE_RETENTION_DAYS,
      dataDir: config.paths.data,
    },
  });
  pipeline.addDurableSubscriber(conversations.subscriber);

  const messages = new MessageRepository(database.db);
  const media = new MediaStore(path.join(config.paths.data, 'outbox'), logger);
  // Distributed mode (DM-21): one outbox in Postgres that any node accepts into; only a number's owner sends, and
  // every status change it writes is checked against its fence.
  const outboxStore = cluster && pgDb ? new PgOutboxStore(pgDb, cluster.ownership) : null;
  const outbox: Outbox<Mode> = new Outbox<Mode>({
    store: outboxStore ?? sqliteOutboxStore(messages, writer, database.db),
    ...(cluster ? { gate: ownerGate(cluster.ownership) } : {}),
    // A queue's pause and pacing are seen by the next send at once and stored behind, as the supervisor's states.
    devices: { get: (phoneNumber) => devices.get(phoneNumber), update: (phoneNumber, patch) => devices.record(phoneNumber, patch) },
    supervisor,
    media,
    clock,
    logger,
    settings: {
      defaultPolicy: { concurrency: config.QUEUE_CONCURRENCY, interval: config.QUEUE_INTERVAL, intervalCap: config.QUEUE_INTERVAL_CAP },
      ttlMs: config.MESSAGE_TTL,
      sendTimeoutMs: config.MESSAGE_SEND_TIMEOUT,
      maxAttempts: config.MESSAGE_MAX_ATTEMPTS,
      retry: { baseDelayMs: config.MESSAGE_RETRY_BASE_DELAY, maxDelayMs: config.MESSAGE_RETRY_MAX_DELAY, jitter: 0.2 },
      timelockPauseMs: config.QUEUE_TIMELOCK_PAUSE,
      verifyDelayMs: config.MESSAGE_VERIFY_DELAY,
      sweepIntervalMs: 1000,
    },
  });
  const unjournal = journalOutboxStatuses(outbox.events, pipeline.journal, {
    lookup: (id) => outbox.get(id),
    portOf,
    logger,
    missed: () => conversations.outboxBehind(clock.now() - config.EVENT_RETENTION),
  });
  // The Chatwoot bridge reads what the store derived from each event, so it subscribes after the store.
  const chatwoot = new ChatwootBridge({
    database,
    media: conversations.media,
    outbox,
    uploadTmpDir: media.tmpDir,
    supervisor,
    qr: (phoneNumber) => qr.qr(phoneNumber),
    audit,
    clock,
    logger,
    settings: {
      defaults: { baseUrl: config.CHATWOOT_BASE_URL ?? null, token: config.CHATWOOT_API_ACCESS_TOKEN ?? null, accountId: config.DEFAULT_CHATWOOT_ACCOUNT_ID },
      secretsKey: config.SECRETS_ENCRYPTION_KEY,
      timeoutMs: config.CHATWOOT_API_TIMEOUT,
      concurrency: config.CHATWOOT_QUEUE_CONCURRENCY,
      retry: { baseDelayMs: config.CHATWOOT_RETRY_BASE_DELAY, maxDelayMs: config.CHATWOOT_RETRY_MAX_DELAY, jitter: 0.2 },
      periodMs: config.CHATWOOT_RETRY_PERIOD,
      maxAttachmentBytes: config.CHATWOOT_ATTACHMENT_MAX_MB * 1_000_000,
      toleranceSec: config.CHATWOOT_WEBHOOK_TOLERANCE,
      historyRetentionMs: config.WEBHOOK_HISTORY_RETENTION,
      maxQrSends: config.CHATWOOT_MAX_QR_SEND_ATTEMPTS,
      commands: {
        secret: config.CHATWOOT_COMMAND_SECRET ?? null,
        keyword: config.WEBHOOK_COMMAND_KEYWORD,
        authorized: config.WEBHOOK_AUTHORIZED_PHONE_NUMBERS.split(',').map((p) => p.replace(/[^0-9]/g, '')).filter(Boolean).map((d) => `+${d}`),
        relayInboxId: config.DEFAULT_RELAY_CHATWOOT_INBOX_ID ?? null,
        toleranceSec: config.CHATWOOT_WEBHOOK_TOLERANCE,
      },
    },
  });
  pipeline.addDurableSubscriber(chatwoot.subscriber);
  const unfollowOutbox = cluster ? followOwnership(outbox, cluster.ownership) : () => undefined;
  await outbox.start();
  conversations.start();
  await chatwoot.start();
  const receipts = new ReceiptTracker(outbox, logger);
  pipeline.addDurableSubscriber(receipts);
  const proxyTargets = new ProxyTargets(supervisor, policy);
  const deviceService = new DeviceService(supervisor, policy, outbox);

  const outboxCounts = outboxStore ? new PolledOutboxCounts(() => outboxStore.messages.countsByStatus(), OUTBOX_FIGURES_PERIOD_MS, logger) : null;
  await outboxCounts?.start();
  const outboxFigures = messageMetrics(outboxCounts ?? messages);
  // Distributed mode: health contributors answer at once, so the shared backlog is read every few seconds.
  const polledWebhooks = sharedWebhooks ? new Polled(() => sharedWebhooks.health(), NO_WEBHOOK_BACKLOG, OUTBOX_FIGURES_PERIOD_MS, logger, 'webhook figures') : null;
  await polledWebhooks?.start();
  const webhookFigures = webhookMetrics(localWebhooks ? () => localWebhooks.health() : () => polledWebhooks?.get() ?? NO_WEBHOOK_BACKLOG);
  const chatwootFigures = chatwootMetrics(chatwoot.figures, (phone) => chatwoot.queue.pausedFor(phone));
  const publicBase = (req: { protocol: string; get(name: string): string | undefined }) => config.PUBLIC_URL ?? `${req.protocol}://${req.get('host') ?? `127.0.0.1:${boundPort}`}`;
  const sampler = new ResourceSampler(supervisor, clock, config.RESOURCE_SAMPLE_INTERVAL);
  sampler.start();
  const resourceHistory = new ResourceHistory(supervisor, sampler, clock, config.RESOURCE_SAMPLE_INTERVAL);
  resourceHistory.start();
  const queueDepth = (phone: string): number => (outboxCounts ?? messages).depth(phone);
  const binaryVersion = new BinaryVersionProbe(supervisor);
  const updates = new UpdateService({
    mode: config.AUTO_UPDATE,
    feedUrl: config.UPDATE_FEED_URL,
    soakMs: config.UPDATE_SOAK_MS,
    installer: new BinaryInstaller(path.join(config.paths.root, 'scripts', 'install-binary.sh'), config.paths.binary, config.GOWA_RELEASE_BASE_URL ?? null, options.env['PATH'] ?? '/usr/bin:/bin'),
    supervisor,
    clock,
    logger,
    reportedVersion: () => binaryVersion.get(),
  });
  const health = new HealthService({
    supervisor,
    feeds: pipeline.feeds,
    journal: pipeline.events,
    sampler,
    database,
    clock,
    version: options.version,
    sessionsDir: config.paths.sessions,
    dataDir: config.paths.data,
    minFreeDiskBytes: config.HEALTH_MIN_FREE_DISK_MB * 1024 * 1024,
    queueDepth,
    contributors: [outboxFigures, webhookFigures, chatwootFigures, ...forwardFigures, { name: 'update', report: (visible) => ({ figures: { ...scopedStatus(updates.status(), visible) }, problems: [] }) }],
    binaryVersion: () => binaryVersion.get(),
  });
  const updateScheduler = new UpdateScheduler(updates, config.UPDATE_CHECK_CRON, logger);
  updateScheduler.start();
  const system = new SystemStats();
  const auditFigures = auditMetrics(audit.events);
  const metrics = createMetrics({
    supervisor,
    sampler,
    queueDepth,
    contributors: [outboxFigures, webhookFigures, chatwootFigures, auditFigures, ...forwardFigures, ...(clusterSource.mode === 'postgres' ? [clusterMetrics(clusterSource.read)] : [])],
  });
  const unaudit = auditSystemEvents(audit, { supervisor: supervisor.events, outbox: outbox.events, updates: updates.events });

  const api = new ApiRegistry(routeGuard(policy));
  // The compatibility layer's Flask webhook reads the store's `message.new`, so it subscribes after the store (no
  // child runs before restore(), so no message can come before it subscribes).
  const compat = await CompatLayer.create({
    tenantStore: pgDb ? new PgCompatTenantRepository(pgDb) : new CompatTenantRepository(database.db),
    supervisor,
    qr,
    outbox,
    webhooks,
    access: {
      authn,
      policy,
      audit,
      trustProxy: config.TRUST_PROXY,
      allowedAs: () => {
        const name = config.COMPAT_ALLOW_AS ?? config.DEFAULT_ADMIN_USER;
        const account = accounts.list().find((a) => a.username === name);
        return account && !account.disabled ? { kind: 'user', user: account, generation: account.generation, expiresAt: null } : null;
      },
    },
    ownerIsAdmin: (phone) => {
      const owner = devices.get(phone)?.ownerId;
      return owner === null || owner === undefined || accounts.isAdmin(owner);
    },
    publicBase: () => config.PUBLIC_URL ?? `http://127.0.0.1:${boundPort}`,
    statusOf: statusFor,
    clock,
    logger,
    settings: compatSettings(config),
    api,
    clients: { devices: deviceService, conversations },
  });
  // Distributed mode: the Flask webhooks are planned in the Postgres journal's batch, as the others.
  if (sharedWebhooks) appender?.addSubscriber(deliveriesInJournalBatch([compat.flask], (rows) => sharedWebhooks.dispatcher.added(rows), clock));
  else pipeline.addDurableSubscriber(compat.flask);
  const unfollowTenants = changes ? followCompatChanges(changes, compat.directory, clock, 1000, onFollowError) : () => undefined;
  // Opening the feed makes every follower read its table again: whatever changed while they loaded is caught up.
  await changes?.start();
  const cookie = { path: `${config.PUBLIC_PATH_PREFIX}/api/auth`, maxAgeMs: config.AUTH_SESSION_IDLE };
  const keyRules = new KeyRules(policy, accounts);
  const proxy = proxyHandler({
    api,
    targets: proxyTargets,
    outbox,
    logger,
    trustHops: config.TRUST_PROXY,
    onSent: (send) => {
      try {
        pipeline.journal.record(send.phoneNumber, portOf(send.phoneNumber), proxiedSendDraft(send));
      } catch (err) {
        logger.error({ err, phoneNumber: send.phoneNumber }, 'could not record a proxied send');
      }
    },
  });
  // Distributed mode: calls about a number owned by another node are served there (DM-20).
  // A pending id bound to its phone is routed by the phone: the assignment moved with it.
  const numberOf = (req: http.IncomingMessage): string | null => {
    const key = routedNumber(req);
    return key === null ? null : (devices.get(key) ?? devices.getByPendingId(key))?.phoneNumber ?? key;
  };
  const routing = cluster && clusterSetup ? await startRouting({ node: cluster, settings: clusterSetup, numberOf, clientOf: (req) => clientAddress(req, config.TRUST_PROXY), refuseUpgrade: rejectClusterUpgrade, logger: logger.child({ component: 'cluster-routing' }) }) : null;
  const front = createHttpApp({
    api,
    authn,
    audit,
    logger,
    rateLimitPerMinute: config.API_RATE_LIMIT,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    version: options.version,
    publicRoutes: [
      healthRoutes(api, clock.now(), options.version),
      authRoutes(api, accounts, tokens),
      sessionRoutes(api, { accounts, tokens, sessions: signIns, cookie, accessTtl: config.AUTH_ACCESS_TTL }),
      chatwootWebhookRoutes(api, chatwoot.webhooks, chatwoot.commands, publicBase),
    ],
    apiRoutes: [
      deviceRoutes(api, deviceService, audit),
      deviceProcessRoutes(api, deviceService),
      messageRoutes(api, { outbox, policy, audit, media }),
      queueRoutes(api, outbox, audit),
      qrRoutes(api, qr, deviceService),
      restoreRoutes(api, supervisor, policy),
      userRoutes(api, { accounts, grants, sessions: signIns, tokens, audit }),
      grantRoutes(api, { grants, accounts, policy, audit }),
      keyRoutes(api, { keys, rules: keyRules, accounts, audit, clock, maxTtlMs: config.API_KEY_MAX_TTL_DAYS * 86_400_000, defaultGraceMs: config.API_KEY_ROTATION_GRACE }),
      auditRoutes(api, { audit, policy, accounts }),
      logoutAllRoutes(api, { sessions: signIns, cookie }),
      healthDetailRoutes(api, health, system, policy, [config.paths.sessions, config.paths.data]),
      clusterRoutes(api, clusterSource),
      updateRoutes(api, updates, policy),
      webhookRoutes(api, { devices, policy, audit, webhooks }),
      eventRoutes(api, pipeline.journal),
      meRoutes(api, stores.userSettings, clock),
      timelineRoutes(api, history),
      deviceStatsRoutes(api, { history: resourceHistory, activity: stores.activity, clock }),
      chatRoutes(api, conversations),
      inboxRoutes(api, conversations),
      messageMediaRoutes(api, conversations),
      chatwootRoutes(api, { bridge: chatwoot, policy, audit, publicBase }),
      ...compat.apiRoutes,
    ],
    rootRoutes: compat.rootRoutes,
    pageRoutes: [dashboardRoutes({ distDir: path.join(config.paths.root, 'dist', 'ui'), basePath: config.DASHBOARD_BASE_PATH, publicPrefix: config.PUBLIC_PATH_PREFIX })],
    proxy: proxy.handle,
    internalWebhook: internalWebhookHandler(pipeline.inbound),
    internalRoutes: [
      metricsRoutes(api, metrics.registry, {
        token: config.METRICS_TOKEN ?? null,
        allow: config.METRICS_ALLOW.split(',').map((a) => a.trim()),
        principalOf: (token, address) => authn.authenticate(token, address),
        seesAll: (principal) => policy.seesEverything(principal),
        visibleTo: (principal) => policy.filter(principal, 'numbers:read'),
      }),
    ],
    timing: httpTiming(metrics.httpDuration),
    ...(routing ? { route: routing.middleware } : {}),
  });
  const listener: http.RequestListener = routing
    ? (req, res) => {
        routing.admit(req);
        front.listener(req, res);
      }
    : front.listener;
  const server = http.createServer(listener);
  // A reverse proxy keeps idle upstream connections open (nginx: up to 60 s) and may send a POST on one the
  // instant Node closes it, which it cannot retry (502). Node must be the side that waits longer.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  answerClientErrors(server);
  // A number created without a phone got one: its rows moved with it; what is kept in memory under the old key goes.
  const binder = new PendingBinder(supervisor, logger);
  supervisor.events.on('bound', ({ phoneNumber, pendingId }) => {
    // Grants and API key lists moved in the rename's transaction; the access rule's memory follows at once.
    grants.renameNumber(pendingId, phoneNumber);
    keys.renameNumber(pendingId, phoneNumber);
    policy.announce({ kind: 'number', phoneNumber, reason: `number ${pendingId} bound to its phone` });
    void outbox.release(pendingId);
    conversations.sync.forget(pendingId);
    pipeline.renamed(pendingId, phoneNumber);
    webhooks.renamed(pendingId, phoneNumber);
  });
  // An unregistered number leaves nothing behind that its next owner could read.
  supervisor.events.on('removed', ({ phoneNumber }) => {
    pipeline.forget(phoneNumber);
    void webhooks.forget(phoneNumber);
    grants.forgetNumber(phoneNumber);
    resourceHistory.forget(phoneNumber);
    conversations.forget(phoneNumber);
    chatwoot.forget(phoneNumber);
    void outbox.forget(phoneNumber);
    policy.announce({ kind: 'number', phoneNumber, reason: 'number unregistered' });
  });
  // Distributed mode: sockets get every number's journal from Postgres, whichever node appended it, and resume there.
  const socketFeed = cluster
    ? new ClusterSocketFeed({
        pool: cluster.pool,
        listen: () => cluster.connect('journal'),
        numbers: () => devices.list().map((row) => row.phoneNumber),
        syncMs: 1000,
        logger: logger.child({ component: 'cluster-journal' }),
      })
    : null;
  await socketFeed?.start();
  const realtime = new RealtimeServer(server, {
    authn,
    policy,
    audit,
    devices,
    journal: socketFeed ?? localJournal(pipeline.journal),
    resumeLimit: config.REALTIME_RESUME_LIMIT,
    corsOrigins: config.CORS_ORIGINS,
    trustProxy: config.TRUST_PROXY,
    clock,
    logger,
  });
  const unbridge = bridgeToSockets(realtime, { journal: socketFeed?.events ?? pipeline.events, feeds: pipeline.feeds.events, supervisor: supervisor.events }, logger);
  // Ended sign-in sessions close their sockets through the access bus (signIns 'ended' → policy.announce above).
  const logStream = new LogStream(realtime.io, { supervisor, devices, authn, policy, audit, trustProxy: config.TRUST_PROXY, clock, logger, backlog: 200 });
  webhooks.start();
  const retention = new RetentionJob(
    [
      { name: 'events', prune: () => pipeline.prune() },
      { name: 'webhook deliveries', prune: () => webhooks.prune() },
      { name: 'conversations', prune: () => conversations.prune() },
      { name: 'chatwoot', prune: () => chatwoot.prune() },
      { name: 'audit log', prune: () => audit.prune(clock.now() - config.AUDIT_RETENTION_DAYS * 86_400_000) },
    ],
    logger,
  );
  retention.start();
  updates.events.on('update-available', (news) => realtime.emitToAdmins('binary-update-available', () => news));
  updates.events.on('update-applied', ({ version, ok, moved, failedOn, reason }) =>
    realtime.emitToAdmins('binary-update-applied', (principal) => scopedRollout({ version, ok, moved, failedOn, reason }, policy.filter(principal, 'numbers:read'))),
  );
  const upgrades = new UpgradeRouter(logger);
  const wsProxy = new WsProxy({ targets: proxyTargets, authn, policy, audit, trustProxy: config.TRUST_PROXY, logger });
  // Distributed mode: an upgrade for a number owned elsewhere is piped to its owner, which serves it (DM-20).
  upgrades.register(`${PROXY_PREFIX}/`, routing ? routing.upgrades.wrap(wsProxy.handle) : wsProxy.handle);
  upgrades.attach(server);

  // Claims take numbers over from here on: no child starts (and records an event) before every consumer of the
  // journals is wired (webhook rows are planned in the Postgres journal's batches only once their subscriber is in).
  if (agent) agentBuilt(agent);

  return {
    server,
    supervisor,
    database,
    pipeline,
    qr,
    outbox,
    conversations,
    upgrades,
    policy,
    audit,
    realtime,
    cluster,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.API_PORT, config.API_HOST, () => {
          server.off('error', reject);
          const address = server.address();
          boundPort = typeof address === 'object' && address ? address.port : config.API_PORT;
          resolve(boundPort);
        });
      }),
    restore: async () => {
      // Distributed mode: nothing is restored by itself; the node agent starts what this node claims.
      if (cluster) return supervisor.lastRestore;
      const summary = await supervisor.restore();
      auditRestore(audit, summary);
      return summary;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      wsProxy.close();
      routing?.upgrades.close();
      // Bridge steps under way finish first (a reply step hands its message to the outbox).
      await chatwoot.close();
      // A bind under way finishes before the children are stopped (it starts the renamed number's child).
      await binder.close();
      // Sends under way finish (or time out) before their children are stopped.
      unfollowOutbox();
      await outbox.close();
      outboxCounts?.stop();
      // Distributed mode: hand every number over as soon as its child has stopped, not after the whole shutdown.
      await cluster?.ownership.drain();
      unfollowWebhooks();
      polledWebhooks?.stop();
      compat.close();
      qr.close();
      receipts.close();
      unjournal();
      conversations.close();
      await supervisor.shutdown();
      updateScheduler.stop();
      sessions.close();
      health.close();
      binaryVersion.close();
      system.close();
      sampler.stop();
      resourceHistory.stop();
      signIns.stop();
      retention.stop();
      unaudit();
      auditFigures.close();
      await keys.close();
      logStream.close();
      pipeline.close();
      unforward();
      await forwarder?.close();
      unbridge();
      unfollowAccess();
      unfollowDevices();
      unfollowTenants();
      await changes?.stop();
      await socketFeed?.close();
      await realtime.close();
      await webhooks.close();
      proxy.close();
      front.close();
      await routing?.close();
      server.closeAllConnections();
      await closed;
      // What the last turn queued, and the numbers' last recorded rows, are stored before the database closes.
      writer.flush();
      await devices.recorded();
      await audit.flush();
      database.close();
      await cluster?.close();
    },
  };
}
