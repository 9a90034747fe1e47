import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Account, AccountService } from '../../auth/accounts.js';
import type { GrantService } from '../../auth/grants.js';
import type { AccessPolicy } from '../../auth/policy.js';
import { GRANT_LEVELS, SCOPES } from '../../domain/access.js';
import { errors, ValidationError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditLink } from '../audit-trail.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, numberKey } from '../schemas.js';

export interface GrantRouteDeps {
  readonly grants: GrantService;
  readonly accounts: AccountService;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
}

const grantSchema = z
  .object({ userId: z.number(), username: z.string(), phoneNumber: z.string(), level: z.enum(GRANT_LEVELS), grantedBy: z.number().nullable(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'Grant', examples: [{ userId: 3, username: 'agent-ana', phoneNumber: '5511999999999', level: 'agent', grantedBy: 1, createdAt: '2026-01-01T12:00:00.000Z', updatedAt: '2026-01-01T12:00:00.000Z' }] });
const grantParams = z.object({ phone: numberKey, userId: z.number().int().min(1) });
const managers = { permission: { scope: 'grants:manage', number: 'path' } } as const;
const notFound = { description: 'Unknown number (or not yours), or unknown user', schema: errorSchema };
const iso = (ms: number) => new Date(ms).toISOString();

/** Sharing one number with other users at a level (read < agent < operator < manager), and what the caller may do. */
export function grantRoutes(api: ApiRegistry, deps: GrantRouteDeps): Router {
  const router = Router();
  const { grants, accounts, policy, audit } = deps;
  const view = (g: { userId: number; phoneNumber: string; level: (typeof GRANT_LEVELS)[number]; grantedBy: number | null; createdAt: number; updatedAt: number }) => ({
    ...g,
    username: accounts.account(g.userId)?.username ?? '',
    createdAt: iso(g.createdAt),
    updatedAt: iso(g.updatedAt),
  });

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone/grants', summary: 'Who else may use this number, and at which level (managers)', tag: 'grants', ...managers, params: z.object({ phone: numberKey }), responses: { 200: { description: 'Grants', schema: z.object({ grants: z.array(grantSchema) }) }, 404: notFound } },
    ({ params }, _req, res) => {
      res.json({ grants: grants.ofNumber(params.phone).map(view) });
    },
  );

  /** Grants `level` on the number to an account named by id or by name (a manager knows the people, not their ids). */
  const setGrant = async (req: Request, phone: string, grantee: Account | null | undefined, who: number | string, level: (typeof GRANT_LEVELS)[number]) => {
    const row = policy.require(currentPrincipal(req), 'grants:manage', phone);
    if (!grantee) throw errors.userNotFound(who);
    const field = typeof who === 'number' ? 'userId' : 'username';
    if (grantee.role === 'admin') throw new ValidationError([{ field, message: 'administrators see every number already' }]);
    if (row.ownerId === grantee.id) throw new ValidationError([{ field, message: 'this user owns the number' }]);
    return view(
      await grants.set(
        { userId: grantee.id, phoneNumber: phone, level, grantedBy: currentPrincipal(req).user.id },
        auditLink(audit, req, { target: { type: 'grant', id: `${phone}:${grantee.id}` }, params: { userId: grantee.id, username: grantee.username, level } }),
      ),
    );
  };
  const levelBody = { level: z.enum(GRANT_LEVELS) };

  api.route(
    router,
    {
      method: 'put',
      path: '/api/devices/:phone/grants/:userId',
      summary: 'Grant a user a level on this number, or change it (managers); a viewer only ever reads',
      tag: 'grants',
      ...managers,
      audit: 'grant.set',
      params: grantParams,
      body: z.object(levelBody).strict().meta({ examples: [{ level: 'agent' }] }),
      responses: { 200: { description: 'The grant', schema: grantSchema }, 400: { description: 'Invalid level, or a user who needs no grant', schema: errorSchema }, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      res.json(await setGrant(req, params.phone, accounts.account(params.userId), params.userId, body.level));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/grants',
      summary: 'Grant a level on this number to a user named by user name, or change it (managers: they know the people, not their ids)',
      tag: 'grants',
      ...managers,
      audit: 'grant.set',
      params: z.object({ phone: numberKey }),
      body: z
        .object({ username: z.string().trim().min(1).max(64), ...levelBody })
        .strict()
        .meta({ examples: [{ username: 'agent-ana', level: 'agent' }] }),
      responses: { 200: { description: 'The grant', schema: grantSchema }, 400: { description: 'Invalid level, or a user who needs no grant', schema: errorSchema }, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      res.json(await setGrant(req, params.phone, accounts.list().find((a) => a.username === body.username), body.username, body.level));
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/devices/:phone/grants/:userId',
      summary: "Take a user's grant on this number away (managers); its live connections are re-checked at once",
      tag: 'grants',
      ...managers,
      audit: 'grant.revoke',
      params: grantParams,
      responses: { 200: { description: 'Revoked', schema: z.object({ revoked: z.literal(true) }) }, 404: notFound },
    },
    async ({ params }, req, res) => {
      await grants.remove(params.userId, params.phone, auditLink(audit, req, { target: { type: 'grant', id: `${params.phone}:${params.userId}` }, params: { userId: params.userId } }));
      res.json({ revoked: true });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/access',
      summary: 'What you may do: who you are (user or key), your scopes, and your level on each number you can see',
      tag: 'grants',
      permission: 'authenticated',
      responses: {
        200: {
          description: 'Your access',
          schema: z.object({
            principal: z.object({ type: z.enum(['user', 'api_key']), userId: z.number(), username: z.string(), role: z.string(), keyId: z.string().nullable() }),
            scopes: z.array(z.enum(SCOPES)),
            numbers: z.array(z.object({ phoneNumber: z.string(), level: z.enum(GRANT_LEVELS) })),
            allNumbers: z.boolean(),
          }),
        },
      },
    },
    (_input, req, res) => {
      const principal = currentPrincipal(req);
      const numbers = policy.levels(principal).map(({ row, level }) => ({ phoneNumber: row.phoneNumber, level }));
      res.json({
        principal: { type: principal.kind === 'key' ? 'api_key' : 'user', userId: principal.user.id, username: principal.user.username, role: principal.user.role, keyId: principal.kind === 'key' ? principal.use.key.id : null },
        scopes: SCOPES.filter((s) => policy.hasScope(principal, s)),
        numbers,
        allNumbers: policy.seesEverything(principal),
      });
    },
  );
  return router;
}
