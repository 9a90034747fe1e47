import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AccountService } from '../../auth/accounts.js';
import type { ApiKeyRecord, ApiKeyService } from '../../auth/api-keys.js';
import type { KeyRequest, KeyRules } from '../../auth/key-rules.js';
import { KEY_PRESET_NAMES, KEY_SCOPES, type KeyScope } from '../../domain/access.js';
import { ValidationError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditLink } from '../audit-trail.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, numberKey } from '../schemas.js';

export interface KeyRouteDeps {
  readonly keys: ApiKeyService;
  readonly rules: KeyRules;
  readonly accounts: AccountService;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly maxTtlMs: number;
  readonly defaultGraceMs: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const keySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    /** `wmg_<env>_<id>`: enough to recognise a key, useless to call with. */
    prefix: z.string(),
    lastFour: z.string(),
    hint: z.string(),
    ownerId: z.number(),
    owner: z.string(),
    createdBy: z.number().nullable(),
    scopes: z.array(z.enum(KEY_SCOPES)),
    numbers: z.union([z.literal('*'), z.array(z.string())]),
    allowedCidrs: z.array(z.string()).nullable(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    lastUsedIp: z.string().nullable(),
    createdAt: z.string(),
    rotatedAt: z.string().nullable(),
    previousSecretValidUntil: z.string().nullable(),
    revokedAt: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
  })
  .meta({
    id: 'ApiKey',
    examples: [
      {
        id: 'k7d2xq4m',
        name: 'crm-sender',
        prefix: 'wmg_live_k7d2xq4m',
        lastFour: 'Xa9Q',
        hint: 'wmg_live_k7d2xq4m_…Xa9Q',
        ownerId: 2,
        owner: 'alice',
        createdBy: 2,
        scopes: ['numbers:read', 'messages:send', 'messages:read'],
        numbers: ['5511999999999'],
        allowedCidrs: ['203.0.113.0/24'],
        expiresAt: '2026-04-01T00:00:00.000Z',
        lastUsedAt: null,
        lastUsedIp: null,
        createdAt: '2026-01-01T12:00:00.000Z',
        rotatedAt: null,
        previousSecretValidUntil: null,
        revokedAt: null,
        status: 'active',
      },
    ],
  });
const withSecret = keySchema.extend({ key: z.string().meta({ description: 'The full key: shown this once, never again' }) });

const numbers = z.union([z.literal('*'), z.array(numberKey).min(1).max(1000)]);
const common = {
  scopes: z.array(z.enum(KEY_SCOPES)).max(KEY_SCOPES.length).optional(),
  preset: z.enum(KEY_PRESET_NAMES).optional(),
  numbers: numbers.optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  allowedCidrs: z.array(z.string().min(2).max(50)).max(100).nullable().optional(),
};
const createBody = z
  .object({ name: z.string().trim().min(1).max(100), ownerId: z.number().int().min(1).optional(), ...common })
  .strict()
  .meta({ examples: [{ name: 'crm-sender', preset: 'integration-send', numbers: ['5511999999999'], expiresInDays: 90, allowedCidrs: ['203.0.113.0/24'] }] });
const patchBody = z
  .object({ name: z.string().trim().min(1).max(100).optional(), ...common })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ examples: [{ scopes: ['numbers:read', 'messages:read'] }, { expiresInDays: 30 }] });
const idParams = z.object({ id: z.string().regex(/^[a-z2-7]{8}$/, 'an 8-character key id') });
const keys = { permission: { scope: 'keys:manage' } } as const;
const notFound = { description: 'No such key (or not yours)', schema: errorSchema };
const tooWide = { description: 'More than the owner (or the calling key) has: the missing scope or number is named', schema: errorSchema };

/** API keys: create (the secret is shown once), list, change, rotate, revoke. */
export function keyRoutes(api: ApiRegistry, deps: KeyRouteDeps): Router {
  const router = Router();
  const { keys: service, rules, accounts, audit, clock } = deps;

  const view = (key: ApiKeyRecord): z.input<typeof keySchema> => {
    const use = service.lastUse(key.id);
    const now = clock.now();
    return {
      id: key.id,
      name: key.name,
      prefix: `wmg_${key.env}_${key.id}`,
      lastFour: key.lastFour,
      hint: `wmg_${key.env}_${key.id}_…${key.lastFour}`,
      ownerId: key.ownerId,
      owner: accounts.account(key.ownerId)?.username ?? '',
      createdBy: key.createdBy,
      scopes: [...key.scopes].filter((s): s is KeyScope => s !== 'account'),
      numbers: key.numbers === '*' ? '*' : [...key.numbers],
      allowedCidrs: key.addresses ? [...key.addresses.entries] : null,
      expiresAt: iso(key.expiresAt),
      lastUsedAt: iso(use?.at ?? null),
      lastUsedIp: use?.ip ?? null,
      createdAt: iso(key.createdAt) ?? '',
      rotatedAt: iso(key.rotatedAt),
      previousSecretValidUntil: key.previousValidUntil !== null && key.previousValidUntil > now ? iso(key.previousValidUntil) : null,
      revokedAt: iso(key.revokedAt),
      status: key.revokedAt !== null ? 'revoked' : key.expiresAt !== null && key.expiresAt <= now ? 'expired' : 'active',
    };
  };
  const request = (body: z.output<typeof patchBody> | z.output<typeof createBody>): KeyRequest => {
    if (body.expiresAt !== undefined && body.expiresInDays !== undefined) throw new ValidationError([{ field: 'expiresInDays', message: 'give expiresAt or expiresInDays, not both' }]);
    const expiresAt = body.expiresInDays !== undefined ? clock.now() + body.expiresInDays * 86_400_000 : body.expiresAt === undefined ? undefined : body.expiresAt === null ? null : Date.parse(body.expiresAt);
    return {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
      ...(body.preset !== undefined ? { preset: body.preset } : {}),
      ...(body.numbers !== undefined ? { numbers: body.numbers } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(body.allowedCidrs !== undefined ? { allowedCidrs: body.allowedCidrs } : {}),
    };
  };
  const limits = () => ({ maxTtlMs: deps.maxTtlMs, now: clock.now() });
  const manageable = (req: Request, id: string) => rules.requireManageable(currentPrincipal(req), service.get(id), id);
  const target = (id: string) => ({ type: 'key', id });

  api.route(
    router,
    { method: 'get', path: '/api/keys', summary: 'API keys: your own (admins: every key); secrets are never shown again', tag: 'keys', ...keys, responses: { 200: { description: 'Keys, oldest first', schema: z.object({ keys: z.array(keySchema) }) } } },
    (_input, req, res) => {
      const principal = currentPrincipal(req);
      const list = principal.user.role === 'admin' ? service.list() : service.list(principal.user.id);
      res.json({ keys: list.map(view) });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key: scopes (or a preset), numbers (or "*"), expiry (required for non-admin owners), allowed addresses; the full key is in this answer only',
      tag: 'keys',
      ...keys,
      audit: 'key.create',
      body: createBody,
      responses: { 201: { description: 'Created; store `key` now', schema: withSecret }, 400: { description: 'Invalid body', schema: errorSchema }, 403: tooWide, 404: { description: 'A listed number you may not see, or an unknown owner', schema: errorSchema } },
    },
    async ({ body }, req, res) => {
      const spec = rules.forCreation(currentPrincipal(req), { ...request(body), name: body.name, ...(body.ownerId !== undefined ? { ownerId: body.ownerId } : {}) }, limits());
      const params = { name: spec.name, ownerId: spec.ownerId, scopes: spec.scopes, numbers: spec.numbers, expiresAt: iso(spec.expiresAt), allowedCidrs: spec.allowedCidrs };
      const created = await service.create(spec, (id) => auditLink(audit, req, { httpStatus: 201, target: target(id), params }));
      res.status(201).set('Cache-Control', 'no-store').json({ ...view(created.key), key: created.secret });
    },
  );

  api.route(router, { method: 'get', path: '/api/keys/:id', summary: 'One API key (no secret)', tag: 'keys', ...keys, params: idParams, responses: { 200: { description: 'Key', schema: keySchema }, 404: notFound } }, ({ params }, req, res) => {
    res.json(view(manageable(req, params.id)));
  });

  api.route(
    router,
    {
      method: 'patch',
      path: '/api/keys/:id',
      summary: 'Change name, scopes, numbers, expiry or allowed addresses; narrowing takes effect on the next request and closes live connections that lost access',
      tag: 'keys',
      ...keys,
      audit: 'key.update',
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'Key after the change', schema: keySchema }, 400: { description: 'Invalid body', schema: errorSchema }, 403: tooWide, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      const key = manageable(req, params.id);
      const change = rules.forChange(currentPrincipal(req), key, request(body), limits());
      res.json(view(await service.update(key.id, change, auditLink(audit, req, { target: target(key.id), params: { ...change, expiresAt: change.expiresAt === undefined ? undefined : iso(change.expiresAt) } }))));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/keys/:id/rotate',
      summary: 'New secret for the key (shown once); the old one keeps working for graceSeconds (default API_KEY_ROTATION_GRACE; 0 = stops now); body {} for the default',
      tag: 'keys',
      ...keys,
      audit: 'key.rotate',
      params: idParams,
      body: z
        .strictObject({ graceSeconds: z.number().int().min(0).max(7 * 86_400).optional() })
        .meta({ examples: [{ graceSeconds: 3600 }, {}] }),
      responses: { 200: { description: 'Rotated; store `key` now', schema: withSecret }, 400: { description: 'The key is revoked', schema: errorSchema }, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      const key = manageable(req, params.id);
      if (key.revokedAt !== null) throw new ValidationError([{ field: 'id', message: 'a revoked key cannot be rotated' }]);
      const graceMs = body.graceSeconds !== undefined ? body.graceSeconds * 1000 : deps.defaultGraceMs;
      const rotated = await service.rotate(key.id, graceMs, auditLink(audit, req, { target: target(key.id), params: { graceSeconds: graceMs / 1000 } }));
      res.set('Cache-Control', 'no-store').json({ ...view(rotated.key), key: rotated.secret });
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/keys/:id',
      summary: 'Revoke the key: refused from the next request on, and its live sockets and proxied WebSockets close at once',
      tag: 'keys',
      ...keys,
      audit: 'key.revoke',
      params: idParams,
      responses: { 200: { description: 'Revoked', schema: keySchema }, 404: notFound },
    },
    async ({ params }, req, res) => {
      const key = manageable(req, params.id);
      if (key.revokedAt !== null) {
        res.json(view(key));
        return;
      }
      res.json(view(await service.revoke(key.id, currentPrincipal(req).user.id, auditLink(audit, req, { target: target(key.id) }))));
    },
  );
  return router;
}
