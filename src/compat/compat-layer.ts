import { Router as makeRouter, type Router } from 'express';
import type { CompatTenantStore } from '../db/ports/compat-tenants.js';
import type { Mode } from '../db/ports/answer.js';
import type { EmpresaIdType } from '../db/schema.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AnyOutbox } from '../messaging/outbox.js';
import type { QrService } from '../qr/qr-service.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { FlaskOptions } from './flask/flask-body.js';
import { FlaskWebhooks } from './flask/flask-webhooks.js';
import { compatGate, type GateDeps } from './http/gate.js';
import { clientHealthRoute } from './clients/health-route.js';
import { clientRoutes, type ClientRouteDeps } from './clients/client-routes.js';
import type { ApiRegistry } from '../http/api-registry.js';
import { legacyRoutes } from './legacy/legacy-routes.js';
import { LiveQrCodes } from './tenants/live-qr.js';
import { TenantDirectory } from './tenants/tenant-directory.js';
import { TenantService, type CompatCaller } from './tenants/tenant-service.js';

export interface CompatSettings {
  /** LEGACY_TENANT_API=on, mounted at `prefix` ('' = the root). */
  readonly legacy: { readonly enabled: boolean; readonly prefix: string };
  readonly autoCreate: boolean;
  readonly queueWhileDisconnected: boolean;
  readonly empresaIdType: EmpresaIdType;
  /** CRASH_LOOP_MAX. */
  readonly maxReconnectAttempts: number;
  readonly flask: { readonly url: string | null; readonly secret: string | null; readonly options: Omit<FlaskOptions, 'defaultIdType'>; readonly retryPeriodMs: number };
  /** COMPAT_ALLOW. */
  readonly allow: readonly string[];
  /** API_RATE_LIMIT. */
  readonly perMinute: number;
  readonly qrWaitMs: { readonly tenants: number; readonly qr: number };
}

export interface CompatLayerDeps {
  /** Where the tenants are kept (either dialect); read whole at boot. */
  readonly tenantStore: CompatTenantStore;
  readonly supervisor: Supervisor;
  readonly qr: QrService;
  readonly outbox: Pick<AnyOutbox, 'accept'>;
  /** Where the Flask webhooks are queued (either dialect). */
  readonly webhooks: Pick<WebhookService<Mode>, 'deliveries' | 'dispatcher' | 'addScope'>;
  /** Credentials and allow-listed addresses → callers (the access policy's answers), and the audit log. */
  readonly access: Pick<GateDeps, 'authn' | 'policy' | 'audit' | 'allowedAs' | 'trustProxy'>;
  readonly ownerIsAdmin: (phoneNumber: string) => boolean;
  /** The gateway's address as Flask reaches it (media URLs). */
  readonly publicBase: () => string;
  readonly statusOf: (code: ErrorCode) => number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: CompatSettings;
  /** The OpenAPI registry `/api/clients` is documented in. */
  readonly api: ApiRegistry;
  /** What `/api/clients` is served by (the services of `/api/devices`). */
  readonly clients: Omit<ClientRouteDeps, 'qr' | 'liveQr' | 'outbox' | 'audit'>;
}

/**
 * The drop-in compatibility layer (docs/compat.md), built in one piece by the composition root: the legacy tenant
 * API of the Flask back end (its tenants as numbers, its QR texts, its sends through the outbox) and the Flask
 * webhook (a durable subscriber of the event pipeline, delivered through the webhook outbox).
 */
export class CompatLayer {
  readonly tenants: TenantService;
  /** The tenants in memory; follows other gateways' changes with `followCompatChanges` (distributed mode). */
  readonly directory: TenantDirectory;
  /** Subscribe after the conversation store: it reads the store's `message.new`. */
  readonly flask: FlaskWebhooks;
  /** Routes outside /api, with their own authentication: the legacy API (when it is on) and the front end's /health. */
  readonly rootRoutes: Router[];
  /** `/api/clients/*`, behind the API's own authentication. */
  readonly apiRoutes: Router[];
  private readonly liveQr: LiveQrCodes;

  /** Reads the tenants into memory, then builds the layer. */
  static async create(deps: CompatLayerDeps): Promise<CompatLayer> {
    return new CompatLayer(deps, await TenantDirectory.load(deps.tenantStore));
  }

  private constructor(deps: CompatLayerDeps, directory: TenantDirectory) {
    const { settings, clock } = deps;
    const logger = deps.logger.child({ component: 'compat' });
    this.directory = directory;
    this.liveQr = new LiveQrCodes(deps.qr.events, deps.supervisor.events, clock);
    this.tenants = new TenantService({
      tenants: directory,
      supervisor: deps.supervisor,
      qr: deps.qr,
      liveQr: this.liveQr,
      outbox: deps.outbox,
      clock,
      logger,
      settings: { autoCreate: settings.autoCreate, queueWhileDisconnected: settings.queueWhileDisconnected, maxReconnectAttempts: settings.maxReconnectAttempts, empresaIdType: settings.empresaIdType },
    });
    this.flask = new FlaskWebhooks({
      tenants: directory,
      deliveries: deps.webhooks.deliveries,
      added: (rows) => deps.webhooks.dispatcher.added(rows),
      ownerIsAdmin: deps.ownerIsAdmin,
      publicBase: deps.publicBase,
      clock,
      settings: { flaskUrl: settings.flask.url, secret: settings.flask.secret, options: { ...settings.flask.options, defaultIdType: settings.empresaIdType }, retryPeriodMs: settings.flask.retryPeriodMs },
    });
    deps.webhooks.addScope('compat', (phoneNumber) => this.flask.signer(phoneNumber));
    const gate = compatGate({ ...deps.access, allow: settings.allow, perMinute: settings.perMinute, logger });
    const active = (caller: CompatCaller): number =>
      deps.supervisor.list().filter((runner) => runner.state === 'running' && runner.session === 'logged_in' && caller.may(runner.phoneNumber)).length;
    const legacy = settings.legacy.enabled
      ? legacyRoutes({ tenants: this.tenants, flask: this.flask, gate, clock, logger, statusOf: deps.statusOf, activeClients: active, qrWaitMs: settings.qrWaitMs })
      : null;
    this.rootRoutes = [...(legacy ? [mountAt(settings.legacy.prefix, legacy)] : []), clientHealthRoute(gate, clock, active)];
    this.apiRoutes = [clientRoutes(deps.api, { ...deps.clients, qr: deps.qr, liveQr: this.liveQr, outbox: deps.outbox, audit: deps.access.audit })];
  }

  close(): void {
    this.tenants.close();
    this.liveQr.close();
  }
}

function mountAt(prefix: string, router: Router): Router {
  if (!prefix) return router;
  const outer = makeRouter();
  outer.use(prefix, router);
  return outer;
}
