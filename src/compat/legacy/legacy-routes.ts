import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { CompatTenantRow } from '../../db/schema.js';
import type { ErrorCode } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { idempotencyKey } from '../../http/routes/messages.js';
import { inwardReason } from '../../outward/outward-lookup.js';
import { compatErrors } from '../errors.js';
import type { FlaskWebhooks } from '../flask/flask-webhooks.js';
import { parseNewTenant, parseTenantId } from '../tenants/tenant-input.js';
import type { CompatCaller, TenantService } from '../tenants/tenant-service.js';
import { legacyAnswer, ROUTES, type LegacyRoute } from './answers.js';

/** How the legacy routes learn who calls and leave their audit rows (src/compat/http/gate.ts). */
export interface LegacyGate {
  /** First on every legacy request: request id, client address, and the audit row once the answer is sent. */
  readonly trail: RequestHandler;
  /** The per-client rate limit (API_RATE_LIMIT), after the trail. */
  readonly limit: RequestHandler;
  /** The caller, or throws UNAUTHORIZED / FORBIDDEN (a key or token with the compat scope, or an allow-listed address). */
  caller(req: Request): CompatCaller;
  /** The request's audit action (`compat.send`) and the tenant it names. */
  mark(req: Request, res: Response, action: string, target: { tenantId?: string; phoneNumber?: string }): void;
  /** What went wrong, for the audit row. */
  noteError(req: Request, res: Response, code: string, denied: boolean): void;
}

export interface LegacyRouteDeps {
  readonly tenants: TenantService;
  readonly flask: FlaskWebhooks;
  readonly gate: LegacyGate;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly statusOf: (code: ErrorCode) => number;
  /** The `/health` answer's `activeClients` (numbers connected to WhatsApp that the caller sees). */
  readonly activeClients: (caller: CompatCaller) => number;
  /** How long the QR routes wait for a code: the legacy server's 10 s (`/tenants/{id}/qr`) and 15 s (`/qr/{id}`). */
  readonly qrWaitMs: { readonly tenants: number; readonly qr: number };
}

/** Every legacy path (for the preflight answer). */
const LEGACY_PATHS = ['/send/:id', '/tenants', '/tenants/:id', '/tenants/:id/send', '/tenants/:id/qr', '/tenants/:id/status', '/qr/:id', '/connect/:id', '/disconnect/:id', '/status', '/clear-all', '/restart/:id', '/health', '/webhook'];
const JSON_LIMIT = '1mb';

type Work = (req: Request, res: Response, caller: CompatCaller) => Promise<void> | void;

/**
 * The legacy tenant API (docs/compat.md): the paths, status codes, keys and Portuguese messages of the server the
 * Flask back end was written for, served by the gateway's numbers, outbox and webhooks. Mounted only with
 * LEGACY_TENANT_API=on, at the root or under LEGACY_TENANT_API_PREFIX.
 */
export function legacyRoutes(deps: LegacyRouteDeps): Router {
  const { tenants, gate } = deps;
  const router = Router({ caseSensitive: true });
  const json = express.json({ limit: JSON_LIMIT, strict: false });

  // The route is noted first, so a refusal (rate limit, credentials, a body the parser refuses) is answered in its wording.
  const handle =
    (route: LegacyRoute, work: Work, tenantParam?: string): RequestHandler[] => [
      gate.trail,
      (_req, response, next) => {
        response.locals['compatRoute'] = route;
        next();
      },
      gate.limit,
      (req, response, next) => {
        const raw = tenantParam ? req.params[tenantParam] : undefined;
        gate.mark(req, response, route.action, typeof raw === 'string' ? { tenantId: raw.slice(0, 64) } : {});
        // Who calls is known before any body is read.
        response.locals['compatCaller'] = gate.caller(req);
        next();
      },
      json,
      async (req, response, next) => {
        try {
          await work(req, response, response.locals['compatCaller'] as CompatCaller);
        } catch (err) {
          next(err);
        }
      },
    ];
  const answerError = (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const route = (res.locals['compatRoute'] as LegacyRoute | undefined) ?? ROUTES.health;
    const answer = legacyAnswer(route, err, deps.statusOf);
    if (answer.status >= 500) deps.logger.error({ err, action: route.action }, 'legacy tenant API request failed');
    gate.noteError(req, res, answer.code, answer.denied);
    res.status(answer.status).json(answer.body);
  };

  /** The tenant a route's path names (auto-created there only when the flag asks for the legacy habit). */
  const tenantOf = async (req: Request, response: Response, caller: CompatCaller, param: string, create: boolean): Promise<CompatTenantRow> => {
    const raw = req.params[param];
    const id = parseTenantId(raw);
    if (!id) throw compatErrors.tenantNotFound(String(raw).slice(0, 64));
    const row = await tenants.find(caller, id, { create });
    gate.mark(req, response, (response.locals['compatRoute'] as LegacyRoute).action, { tenantId: id, phoneNumber: row.phoneNumber });
    return row;
  };

  const send = (key: 'empresaId' | 'tenantId'): Work => async (req, response, caller) => {
    const row = await tenantOf(req, response, caller, key, true);
    const sent = await tenants.send(row, req.body, idempotencyKey(req));
    if (!sent.created) response.set('Idempotent-Replayed', 'true');
    response.json({ success: true, [key]: String(req.params[key]), messageId: sent.messageId, status: sent.status });
  };
  router.post('/send/:empresaId', ...handle(ROUTES.send, send('empresaId'), 'empresaId'));
  router.post('/tenants/:tenantId/send', ...handle(ROUTES.send, send('tenantId'), 'tenantId'));

  router.get(
    '/tenants',
    ...handle(ROUTES.listTenants, (_req, response, caller) => {
      response.json({ success: true, tenants: tenants.list(caller).map((row) => tenants.status(row)) });
    }),
  );

  router.post(
    '/tenants',
    ...handle(ROUTES.createTenant, async (req, response, caller) => {
      const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
      const input = parseNewTenant(body, tenants.settings.empresaIdType);
      gate.mark(req, response, ROUTES.createTenant.action, { tenantId: input.tenantId });
      // A tenant's own Flask is posted to on its behalf: only administrators may aim it inside the network.
      const inward = input.flaskUrl && !caller.admin ? await inwardReason(input.flaskUrl) : null;
      if (inward) throw compatErrors.invalid('flaskUrl', `deve ser um endereço público: ${inward}`);
      const row = await tenants.create(caller, input);
      response.json({ success: true, message: `Tenant ${input.tenantId} criado com sucesso`, tenant: tenants.status(row) });
    }),
  );

  router.get(
    '/tenants/:tenantId/qr',
    ...handle(
      ROUTES.tenantQr,
      async (req, response, caller) => {
        const row = await tenantOf(req, response, caller, 'tenantId', true);
        const qr = await tenants.qr(row, deps.qrWaitMs.tenants);
        if (qr.connected) response.json({ success: true, connected: true, message: 'Tenant já está conectado' });
        else response.json({ success: true, qrCode: qr.text, message: 'Escaneie o QR code com seu WhatsApp', qrImage: qr.image, expiresAt: qr.expiresAt });
      },
      'tenantId',
    ),
  );

  router.get(
    '/qr/:empresaId',
    ...handle(
      ROUTES.qr,
      async (req, response, caller) => {
        const row = await tenantOf(req, response, caller, 'empresaId', true);
        const qr = await tenants.qr(row, deps.qrWaitMs.qr);
        if (qr.connected) response.json({ success: true, connected: true, message: 'Empresa já está conectada' });
        else response.json({ success: true, qr: qr.text, message: 'Escaneie o QR code com seu WhatsApp', qrImage: qr.image, expiresAt: qr.expiresAt });
      },
      'empresaId',
    ),
  );

  router.get(
    '/tenants/:tenantId/status',
    ...handle(
      ROUTES.tenantStatus,
      async (req, response, caller) => {
        const row = await tenantOf(req, response, caller, 'tenantId', true);
        response.json({ success: true, tenant: tenants.status(row) });
      },
      'tenantId',
    ),
  );

  router.delete(
    '/tenants/:tenantId',
    ...handle(
      ROUTES.deleteTenant,
      async (req, response, caller) => {
        const id = String(req.params['tenantId']);
        if (await known(req, caller, 'tenantId')) await tenants.remove(await tenantOf(req, response, caller, 'tenantId', false));
        response.json({ success: true, message: `Tenant ${id} desconectado e removido com sucesso` });
      },
      'tenantId',
    ),
  );

  router.post(
    '/connect/:empresaId',
    ...handle(
      ROUTES.connect,
      async (req, response, caller) => {
        const row = await tenantOf(req, response, caller, 'empresaId', true);
        if ((await tenants.connect(row)) === 'connected') response.json({ success: true, connected: true, message: 'Empresa já está conectada' });
        else response.json({ success: true, message: 'Conexão iniciada. Aguarde o QR code.' });
      },
      'empresaId',
    ),
  );

  router.post(
    '/disconnect/:empresaId',
    ...handle(
      ROUTES.disconnect,
      async (req, response, caller) => {
        const id = String(req.params['empresaId']);
        if (await known(req, caller, 'empresaId')) await tenants.disconnect(await tenantOf(req, response, caller, 'empresaId', false));
        response.json({ success: true, message: `Empresa ${id} desconectada com sucesso` });
      },
      'empresaId',
    ),
  );

  router.get(
    '/status',
    ...handle(ROUTES.status, (_req, response, caller) => {
      const rows = tenants.list(caller);
      response.json({ success: true, connections: Object.fromEntries(rows.map((row) => [row.tenantId, tenants.status(row)])), tenantsCount: rows.length, timestamp: iso(deps.clock) });
    }),
  );

  router.post(
    '/clear-all',
    ...handle(ROUTES.clearAll, async (req, response, caller) => {
      if (!caller.admin) throw compatErrors.forbidden('/clear-all é só para administradores');
      const count = tenants.list(caller).length;
      const confirm = req.query['confirm'];
      if (typeof confirm !== 'string' || confirm !== String(count)) throw compatErrors.confirmationRequired(count);
      const cleared = await tenants.stopAll(caller);
      response.json({ success: true, message: 'Todas as conexões foram desconectadas com sucesso', connectionsCleared: cleared });
    }),
  );

  router.post(
    '/restart/:empresaId',
    ...handle(
      ROUTES.restart,
      async (req, response, caller) => {
        const row = await tenantOf(req, response, caller, 'empresaId', true);
        await tenants.restart(row);
        response.json({ success: true, message: `Empresa ${String(req.params['empresaId'])} reinicializada com sucesso`, tenant: tenants.status(row) });
      },
      'empresaId',
    ),
  );

  router.get(
    '/health',
    ...handle(ROUTES.health, (_req, response, caller) => {
      response.json({ status: 'ok', service: 'baileys-whatsapp-multitenant', tenantsCount: tenants.list(caller).length, timestamp: iso(deps.clock), activeClients: deps.activeClients(caller) });
    }),
  );

  router.post(
    '/webhook',
    ...handle(ROUTES.relay, async (req, response, caller) => {
      const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
      if (!body['phone'] || !body['message']) throw compatErrors.invalid(!body['phone'] ? 'phone' : 'message', 'é obrigatório');
      const empresaId: unknown = body['empresa_id'] ?? body['tenantId'] ?? 1;
      const id = parseTenantId(empresaId);
      if (!id) throw compatErrors.invalid('empresa_id', 'não é um id de empresa');
      const row = await tenants.find(caller, id);
      gate.mark(req, response, ROUTES.relay.action, { tenantId: id, phoneNumber: row.phoneNumber });
      const queued = await deps.flask.relay(row, body, empresaId);
      if (!queued) throw compatErrors.invalid('empresa_id', 'nenhuma URL do Flask configurada (FLASK_URL) para esta empresa');
      response.json({ success: true, message: 'Webhook processado com sucesso', eventId: queued.eventId });
    }),
  );

  // The legacy server answered every preflight of its routes with 200 (the gateway adds no CORS headers of its own here:
  // Flask calls server to server).
  router.options(LEGACY_PATHS, (_req, response) => {
    response.status(200).end();
  });

  /** An unknown tenant on a removing route: 404, or the legacy 200 (nothing to remove) with the auto-create habit. */
  const known = async (req: Request, caller: CompatCaller, param: string): Promise<boolean> => {
    const id = parseTenantId(req.params[param]);
    if (id) {
      try {
        await tenants.find(caller, id);
        return true;
      } catch (err) {
        if (!tenants.settings.autoCreate) throw err;
        return false;
      }
    }
    if (!tenants.settings.autoCreate) throw compatErrors.tenantNotFound(String(req.params[param]).slice(0, 64));
    return false;
  };

  router.use(answerError);
  return router;
}

function iso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
