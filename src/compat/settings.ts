import type { Config } from '../config/load.js';
import { compatAllowList } from '../config/compat-schema.js';
import type { CompatSettings } from './compat-layer.js';

/** The legacy server's own waits for a QR code (tenant-api.md §2.4): 10 s on `/tenants/{id}/qr`, 15 s on `/qr/{id}`. */
const QR_WAIT_MS = { tenants: 10_000, qr: 15_000 };

export function compatSettings(config: Readonly<Config>): CompatSettings {
  return {
    legacy: { enabled: config.LEGACY_TENANT_API === 'on', prefix: config.LEGACY_TENANT_API_PREFIX ?? '' },
    autoCreate: config.LEGACY_TENANT_AUTO_CREATE,
    queueWhileDisconnected: config.COMPAT_QUEUE_WHILE_DISCONNECTED,
    empresaIdType: config.COMPAT_EMPRESA_ID_TYPE,
    maxReconnectAttempts: config.CRASH_LOOP_MAX,
    flask: {
      url: config.FLASK_URL ?? null,
      secret: config.FLASK_WEBHOOK_SECRET ?? null,
      options: { groups: config.FLASK_WEBHOOK_GROUPS, media: config.FLASK_WEBHOOK_MEDIA },
      retryPeriodMs: config.WEBHOOK_RETRY_PERIOD,
    },
    allow: compatAllowList(config.COMPAT_ALLOW),
    perMinute: config.API_RATE_LIMIT,
    qrWaitMs: QR_WAIT_MS,
  };
}
