import cron from 'node-cron';
import { z } from 'zod';
import { clusterCrossCheck, clusterEnv } from './cluster-schema.js';
import { compatCrossCheck, compatEnv } from './compat-schema.js';
import { passwordProblem } from '../domain/password-policy.js';

/** Defaults that only make sense on a developer's machine; production mode refuses them. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me';
export const DEV_ADMIN_PASS = 'admin';
export const DEV_SECRETS_KEY = 'dev-only-secrets-key-change-me-in-production';
export const DEV_API_KEY_PEPPER = 'dev-only-api-key-pepper-change-me';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const port = (def: number) => int(def, 1, 65535);
/** A URL path of one or more segments, no trailing slash: safe to put into HTML and a cookie's Path. */
const PATH_RE = /^(\/[A-Za-z0-9._~-]+)+$/;
/** Unset and empty (`KEY=` in a compose file) both mean "not configured". */
const optionalString = <T extends z.ZodType<string>>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const optionalInt = (min: number) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).optional());

/** Every environment key the gateway reads, with its default. The README's configuration table mirrors it. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    API_HOST: z.string().min(1).default('0.0.0.0'),
    API_PORT: int(3000, 0, 65535),
    PROCESS_BASE_PORT: port(8000),
    PROCESS_MAX_PORT: port(8999),
    MAX_PROCESSES: int(50, 1),
    QR_CODE_TIMEOUT: int(60_000, 1000),
    API_RATE_LIMIT: int(100, 1),
    JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),
    JWT_EXPIRES_IN: z
      .string()
      .regex(/^[0-9]+[smhd]?$/, 'a number of seconds or a duration like 15m, 12h, 7d')
      .default('12h'),
    DEFAULT_ADMIN_USER: z.string().min(1).max(64).default('admin'),
    DEFAULT_ADMIN_PASS: z.string().min(1).default(DEV_ADMIN_PASS),
    WHATSAPP_BINARY: z.string().min(1).default('bin/whatsapp'),
    SESSIONS_DIR: z.string().min(1).default('sessions'),
    DATA_DIR: z.string().min(1).default('volumes'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    APP_OS: z.string().min(1).max(40).default('WhatsApp Multi-Platform'),
    /** Trust X-Forwarded-For from this many proxy hops (1 behind the bundled nginx). */
    TRUST_PROXY: int(0, 0, 10),
    /** Browser origins (comma-separated, e.g. https://desk.example.com) allowed to call the API and Socket.IO; none by default. */
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
      .pipe(z.array(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/i, 'each origin is scheme://host[:port], e.g. https://desk.example.com (no path, no *)'))),
    PROCESS_START_TIMEOUT: int(30_000, 1000),
    PROCESS_STOP_GRACE: int(10_000, 100),
    HEALTH_CHECK_INTERVAL: int(10_000, 100),
    HEALTH_CHECK_FAILURES: int(3, 1),
    RESTART_BASE_DELAY: int(1000, 10),
    RESTART_MAX_DELAY: int(60_000, 10),
    RESTART_RESET_AFTER: int(600_000, 1000),
    CRASH_LOOP_MAX: int(5, 1),
    CRASH_LOOP_WINDOW: int(600_000, 1000),
    /**
     * Seconds without a heartbeat from the gateway after which its child watchdog SIGKILLs every child (a paused or
     * blocked gateway must not leave numbers connected unsupervised); 0 = no watchdog. Seconds, like systemd's WatchdogSec.
     */
    CHILD_WATCHDOG_TIMEOUT: int(5, 0, 600),
    /** After a child is ready, look at its /app/status once this much later (the binary auto-connects after ~2 s). */
    SESSION_STATUS_DELAY: int(3000, 0),
    RESTORE_CONCURRENCY: int(4, 1, 64),
    RESTORE_JITTER: int(250, 0),
    /** Distributed mode: numbers handed over by a draining node started at once on the taker (their old child has exited). */
    HANDOFF_CONCURRENCY: int(16, 1, 64),
    LOG_BUFFER_LINES: int(1000, 10),
    LOG_FILE_MAX_BYTES: int(5 * 1024 * 1024, 1024),
    /** Per-number send pacing (p-queue), overridable per number: sends at once, window (ms), sends per window. */
    QUEUE_CONCURRENCY: int(1, 1, 20),
    QUEUE_INTERVAL: int(1000, 0, 3_600_000),
    QUEUE_INTERVAL_CAP: int(1, 1, 1000),
    /** How long a number's queue pauses after WhatsApp's reach-out timelock (429 WA_REACHOUT_TIMELOCK). */
    QUEUE_TIMELOCK_PAUSE: int(600_000, 100),
    /** An accepted message not sent within this many ms becomes `expired`. */
    MESSAGE_TTL: int(86_400_000, 1000),
    MESSAGE_SEND_TIMEOUT: int(25_000, 1000),
    /** Sends that reached WhatsApp and failed transiently, before the message is `failed`. */
    MESSAGE_MAX_ATTEMPTS: int(5, 1, 100),
    MESSAGE_RETRY_BASE_DELAY: int(1000, 10),
    MESSAGE_RETRY_MAX_DELAY: int(60_000, 10),
    /** After a send with an unknown outcome (timeout), wait this long before checking the child's chat history. */
    MESSAGE_VERIFY_DELAY: int(60_000, 0),
    /** Bearer token for /metrics; without it only METRICS_ALLOW addresses may scrape. */
    METRICS_TOKEN: z.string().min(16).optional(),
    METRICS_ALLOW: z.string().default('127.0.0.1,::1'),
    HEALTH_MIN_FREE_DISK_MB: int(500, 0),
    RESOURCE_SAMPLE_INTERVAL: int(5000, 100),
    /** off: nothing; check: report newer binaries (health, log, Socket.IO); apply: also roll them out, canary first. */
    AUTO_UPDATE: z.enum(['off', 'check', 'apply']).default('check'),
    UPDATE_CHECK_CRON: z.string().default('0 2 * * *').refine((v) => cron.validate(v), 'must be a cron expression, e.g. 0 2 * * *'),
    UPDATE_FEED_URL: z.url().default('https://api.github.com/repos/aldinokemal/go-whatsapp-web-multidevice/releases/latest'),
    /** Where release zips and checksums are downloaded from (install-binary.sh's GOWA_RELEASE_BASE_URL). */
    GOWA_RELEASE_BASE_URL: z.url().optional(),
    UPDATE_SOAK_MS: int(30_000, 0),
    /** Global outbound webhook: every event of every number (besides each number's own webhook). */
    WEBHOOK_URL: optionalString(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048)),
    /** Signs global webhooks (X-Hub-Signature-256); without it they go unsigned (refused in production). */
    WEBHOOK_SECRET: optionalString(z.string().min(8, 'must be at least 8 characters').max(256)),
    /** Comma-separated event types for the global webhook (`message,message.ack,device.*`); empty = all. */
    WEBHOOK_EVENTS: optionalString(z.string().max(2000)),
    WEBHOOK_TIMEOUT: int(10_000, 100, 120_000),
    /** Attempts in flight at once per endpoint (one per number, to keep each number's order). */
    WEBHOOK_CONCURRENCY: int(4, 1, 64),
    WEBHOOK_RETRY_BASE_DELAY: int(1000, 10),
    WEBHOOK_RETRY_MAX_DELAY: int(300_000, 10),
    /** How long a failing delivery is retried before it is dead-lettered. */
    WEBHOOK_RETRY_PERIOD: int(86_400_000, 100),
    /** Delivered and dead-lettered deliveries are kept this long (for listing and replay). */
    WEBHOOK_HISTORY_RETENTION: int(7 * 86_400_000, 60_000),
    /** Events kept for Socket.IO resume and GET /api/devices/{phone}/events. */
    EVENT_RETENTION: int(86_400_000, 60_000),
    /** Most events replayed to a resuming Socket.IO `join`. */
    REALTIME_RESUME_LIMIT: int(1000, 1, 100_000),
    /** Ping period on each child's /ws; a link without a pong for that long is dropped and reconnected. */
    CHILD_FEED_PING_INTERVAL: int(15_000, 100),
    /** How many fresh QR codes the gateway fetches and pushes by itself after one expires unscanned (0 = none). */
    QR_REFRESH_LIMIT: int(10, 0, 100),
    /** Where the gateway serves the dashboard (e.g. /dashboard); `/` redirects there. */
    DASHBOARD_BASE_PATH: z.string().regex(PATH_RE, 'a path like /dashboard (letters, digits, - _ . ~ between slashes)').default('/dashboard'),
    /** The path prefix a reverse proxy strips before the gateway (e.g. /wa for https://host/wa/dashboard); empty = none. */
    PUBLIC_PATH_PREFIX: z.union([z.literal(''), z.string().regex(PATH_RE, 'a path like /wa, or empty')]).default(''),
    /** Lifetime of a dashboard session's access token (kept in the page's memory only). */
    AUTH_ACCESS_TTL: z.string().regex(/^[0-9]+[smhd]?$/, 'a number of seconds or a duration like 15m').default('15m'),
    /** A dashboard session ends after this many ms without a refresh (its refresh cookie's lifetime). */
    AUTH_SESSION_IDLE: int(7 * 86_400_000, 60_000),
    /** …and this many ms after sign-in at the latest, however active. */
    AUTH_SESSION_MAX: int(30 * 86_400_000, 60_000),
    /** Conversation store: days of history a number's first backfill fetches from its child; 0 = no automatic backfill. */
    HISTORY_SYNC_DAYS: int(30, 0, 3650),
    /** Wait this long after a login before the automatic backfill (WhatsApp sends history to a new device over a while). */
    HISTORY_SYNC_DELAY: int(30_000, 0),
    /** Backfill pages fetched at once across all numbers (each number takes its turn). */
    HISTORY_SYNC_CONCURRENCY: int(2, 1, 32),
    /** Stored messages older than this many days are forgotten; 0 = kept. */
    MESSAGE_RETENTION_DAYS: int(0, 0, 36_500),
    /** On-disk cache of media fetched from the children: total size (MB) and ms since last use. */
    MEDIA_CACHE_MAX_MB: int(1024, 0),
    MEDIA_CACHE_MAX_AGE: int(7 * 86_400_000, 60_000),
    /** Encrypts the credentials of other systems the gateway stores (Chatwoot tokens and webhook secrets); required in production. */
    SECRETS_ENCRYPTION_KEY: z.string().min(1).default(DEV_SECRETS_KEY),
    /** The gateway's address as others reach it (https://gw.example.com): the base of the webhook URL each Chatwoot inbox is given. */
    PUBLIC_URL: optionalString(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024)),
    /** Chatwoot bridge defaults (a binding may give its own): the Chatwoot address, a User access token, the account. */
    CHATWOOT_BASE_URL: optionalString(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024)),
    CHATWOOT_API_ACCESS_TOKEN: optionalString(z.string().min(8).max(256)),
    DEFAULT_CHATWOOT_ACCOUNT_ID: int(1, 1),
    /** The inbox whose conversations carry command messages (`erga …`); unset: any inbox of the account. */
    DEFAULT_RELAY_CHATWOOT_INBOX_ID: optionalInt(1),
    /** ms for one call to Chatwoot. */
    CHATWOOT_API_TIMEOUT: int(15_000, 100, 300_000),
    /** Conversations of one binding worked on at once (each conversation keeps its order). */
    CHATWOOT_QUEUE_CONCURRENCY: int(5, 1, 64),
    CHATWOOT_RETRY_BASE_DELAY: int(1000, 10),
    CHATWOOT_RETRY_MAX_DELAY: int(60_000, 10),
    /** How long a failing step is retried before it is dead-lettered (listed and replayable). */
    CHATWOOT_RETRY_PERIOD: int(86_400_000, 100),
    /** Largest attachment carried either way (MB); the binary's own limits (images 20 MB, files 50 MB) also apply. */
    CHATWOOT_ATTACHMENT_MAX_MB: int(50, 1, 1000),
    /** Seconds a signed webhook's X-Chatwoot-Timestamp may be off. */
    CHATWOOT_WEBHOOK_TOLERANCE: int(300, 1, 86_400),
    /** The signing secret of the Chatwoot account webhook that posts to /webhook/comando; without it no command runs. */
    CHATWOOT_COMMAND_SECRET: optionalString(z.string().min(8).max(256)),
    WEBHOOK_COMMAND_KEYWORD: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'one word: letters, digits, _ or -').default('erga'),
    /** Phones (comma-separated, +E.164) whose messages may run commands; none by default. */
    WEBHOOK_AUTHORIZED_PHONE_NUMBERS: z.string().default(''),
    /** QR codes posted per `erga` command while the phone has not scanned one. */
    CHATWOOT_MAX_QR_SEND_ATTEMPTS: int(4, 1, 20),
    ...compatEnv,
    ...clusterEnv,
    /** HMAC key for API key secrets (only HMAC-SHA256(pepper, secret) is stored); changing it invalidates every key. */
    API_KEY_PEPPER: z.string().min(1).default(DEV_API_KEY_PEPPER),
    /** Longest lifetime of a non-admin API key (days); such keys must expire. */
    API_KEY_MAX_TTL_DAYS: int(90, 1, 3650),
    /** After a rotation the old secret keeps working this long unless the call says otherwise (ms). */
    API_KEY_ROTATION_GRACE: int(3_600_000, 0, 7 * 86_400_000),
    /** Audit rows older than this are pruned (hourly; the pruning itself is audited). */
    AUDIT_RETENTION_DAYS: int(180, 1, 36_500),
    /** Failed logins per user name, and per client address, within LOGIN_FAILURE_WINDOW before 429 + Retry-After. */
    LOGIN_MAX_FAILURES_PER_USER: int(5, 1, 1000),
    LOGIN_MAX_FAILURES_PER_ADDRESS: int(20, 1, 100_000),
    LOGIN_FAILURE_WINDOW: int(15 * 60_000, 1000),
  });

/** Rules across keys; run on whatever parsed, so boot lists these problems together with the per-key ones. */
export function crossCheck(env: Partial<Env>): string[] {
  const problems: string[] = [];
  if (env.PROCESS_BASE_PORT !== undefined && env.PROCESS_MAX_PORT !== undefined && env.PROCESS_MAX_PORT < env.PROCESS_BASE_PORT) {
    problems.push('PROCESS_MAX_PORT: must not be below PROCESS_BASE_PORT');
  }
  if (env.WEBHOOK_RETRY_BASE_DELAY !== undefined && env.WEBHOOK_RETRY_MAX_DELAY !== undefined && env.WEBHOOK_RETRY_MAX_DELAY < env.WEBHOOK_RETRY_BASE_DELAY) {
    problems.push('WEBHOOK_RETRY_MAX_DELAY: must not be below WEBHOOK_RETRY_BASE_DELAY');
  }
  if (env.NODE_ENV === 'production' && env.WEBHOOK_URL && !env.WEBHOOK_SECRET) {
    problems.push('WEBHOOK_SECRET: production needs a secret to sign the webhooks sent to WEBHOOK_URL');
  }
  // Children post their webhooks to 127.0.0.1:<API_PORT>; a listener on one outside address would not hear them.
  if (env.API_HOST !== undefined && !['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(env.API_HOST)) {
    problems.push('API_HOST: must be 0.0.0.0, ::, or a loopback address (children reach the gateway on 127.0.0.1); restrict exposure with a firewall or the bundled nginx');
  }
  for (const phone of (env.WEBHOOK_AUTHORIZED_PHONE_NUMBERS ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    if (!/^\+?[1-9][0-9]{7,14}$/.test(phone)) problems.push(`WEBHOOK_AUTHORIZED_PHONE_NUMBERS: ${phone.slice(0, 20)} is not a phone number (+ and 8 to 15 digits)`);
  }
  if (env.CHATWOOT_RETRY_BASE_DELAY !== undefined && env.CHATWOOT_RETRY_MAX_DELAY !== undefined && env.CHATWOOT_RETRY_MAX_DELAY < env.CHATWOOT_RETRY_BASE_DELAY) {
    problems.push('CHATWOOT_RETRY_MAX_DELAY: must not be below CHATWOOT_RETRY_BASE_DELAY');
  }
  if (env.CHILD_WATCHDOG_TIMEOUT === 1) problems.push('CHILD_WATCHDOG_TIMEOUT: 0 (off) or at least 2 seconds (the gateway beats up to four times per timeout)');
  problems.push(...compatCrossCheck(env));
  problems.push(...clusterCrossCheck(env));
  const reserved = ['/api', '/proxy', '/socket.io', '/internal', '/metrics'];
  if (env.DASHBOARD_BASE_PATH !== undefined && reserved.some((r) => env.DASHBOARD_BASE_PATH === r || env.DASHBOARD_BASE_PATH?.startsWith(`${r}/`) || env.DASHBOARD_BASE_PATH?.startsWith(`${r}-`))) {
    problems.push(`DASHBOARD_BASE_PATH: must not be under ${reserved.join(', ')} (the API's own paths)`);
  }
  if (env.NODE_ENV === 'production') {
    if (env.SECRETS_ENCRYPTION_KEY !== undefined && (env.SECRETS_ENCRYPTION_KEY === DEV_SECRETS_KEY || env.SECRETS_ENCRYPTION_KEY.length < 32)) {
      problems.push('SECRETS_ENCRYPTION_KEY: production needs your own key of at least 32 characters (it encrypts stored Chatwoot tokens)');
    }
    if (env.JWT_SECRET !== undefined && (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)) {
      problems.push('JWT_SECRET: production needs your own secret of at least 32 characters');
    }
    if (env.DEFAULT_ADMIN_PASS !== undefined && (env.DEFAULT_ADMIN_PASS === DEV_ADMIN_PASS || env.DEFAULT_ADMIN_PASS.length < 12)) {
      problems.push('DEFAULT_ADMIN_PASS: production needs your own admin password of at least 12 characters');
    } else if (env.DEFAULT_ADMIN_PASS !== undefined && env.DEFAULT_ADMIN_USER !== undefined) {
      const problem = passwordProblem(env.DEFAULT_ADMIN_PASS, env.DEFAULT_ADMIN_USER, true);
      if (problem) problems.push(`DEFAULT_ADMIN_PASS: ${problem}`);
    }
    if (env.API_KEY_PEPPER !== undefined && (env.API_KEY_PEPPER === DEV_API_KEY_PEPPER || env.API_KEY_PEPPER.length < 32)) {
      problems.push('API_KEY_PEPPER: production needs your own random value of at least 32 characters (e.g. openssl rand -base64 48)');
    }
  }
  return problems;
}

export type Env = z.infer<typeof envSchema>;
