import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Account, AccountService } from '../../auth/accounts.js';
import type { GrantService } from '../../auth/grants.js';
import type { SessionService } from '../../auth/sessions.js';
import type { TokenService } from '../../auth/tokens.js';
import type { AuthSessionRow } from '../../db/schema.js';
import { GRANT_LEVELS, ROLES } from '../../domain/access.js';
import { errors } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditLink } from '../audit-trail.js';
import { currentUser } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';
import { throttled, tokenAnswer } from './auth.js';

export interface UserRouteDeps {
  readonly accounts: AccountService;
  readonly grants: GrantService;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
  readonly audit: AuditLog;
}

export const userSchema = z
  .object({ id: z.number(), username: z.string(), role: z.enum(ROLES), disabled: z.boolean(), createdAt: z.string() })
  .meta({ id: 'User', examples: [{ id: 2, username: 'alice', role: 'user', disabled: false, createdAt: '2026-01-01T12:00:00.000Z' }] });
const userDetail = userSchema.extend({ grants: z.array(z.object({ phoneNumber: z.string(), level: z.enum(GRANT_LEVELS) })) });
const sessionSchema = z
  .object({ id: z.string(), userAgent: z.string().nullable(), ip: z.string().nullable(), createdAt: z.string(), lastUsedAt: z.string(), expiresAt: z.string() })
  .meta({ id: 'SignInSession' });
const sessionsAnswer = z.object({
  sessions: z.array(sessionSchema),
  note: z.string(),
});
const idParams = z.object({ id: z.number().int().min(1) });
const password = z.string().min(1, 'must not be empty').max(256);
const admins = { permission: { scope: 'users:manage' } } as const;
const notFound = { description: 'No such user', schema: errorSchema };

const iso = (ms: number) => new Date(ms).toISOString();
export const userView = (a: Account): z.input<typeof userSchema> => ({ id: a.id, username: a.username, role: a.role, disabled: a.disabled, createdAt: iso(a.createdAt) });
const sessionView = (s: AuthSessionRow): z.input<typeof sessionSchema> => ({ id: s.id, userAgent: s.userAgent, ip: s.ip, createdAt: iso(s.createdAt), lastUsedAt: iso(s.lastUsedAt), expiresAt: iso(s.expiresAt) });
const STATELESS_NOTE = 'Password-login tokens (POST /api/auth/login) are not listed: they are checked against the account on every request, and revoking sessions ends them too.';

/** Accounts (administrators), and every user's own password and sign-in sessions. */
export function userRoutes(api: ApiRegistry, deps: UserRouteDeps): Router {
  const router = Router();
  const { accounts, grants, sessions, tokens, audit } = deps;
  const account = (id: number): Account => {
    const found = accounts.account(id);
    if (!found) throw errors.userNotFound(id);
    return found;
  };
  const target = (id: number) => ({ target: { type: 'user', id: String(id) } });

  api.route(router, { method: 'get', path: '/api/users', summary: 'List accounts (admin)', tag: 'users', ...admins, responses: { 200: { description: 'Accounts', schema: z.object({ users: z.array(userSchema) }) }, 403: { description: 'Not an admin', schema: errorSchema } } }, (_input, _req, res) => {
    res.json({ users: accounts.list().map(userView) });
  });

  api.route(
    router,
    {
      method: 'post',
      path: '/api/users',
      summary: 'Create an account (admin); roles: admin, user (registers numbers, sees its own and granted ones), viewer (reads granted numbers)',
      tag: 'users',
      ...admins,
      audit: 'user.create',
      body: z
        .strictObject({
          username: z.string().trim().min(3).max(64).regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only'),
          password,
          role: z.enum(ROLES).default('user'),
        })
        .meta({ examples: [{ username: 'support-desk', password: 'a-long-passphrase', role: 'user' }] }),
      responses: { 201: { description: 'Created', schema: userSchema }, 400: { description: 'Invalid body or password policy', schema: errorSchema }, 403: { description: 'Not an admin', schema: errorSchema }, 409: { description: 'Username taken', schema: errorSchema } },
    },
    async ({ body }, req, res) => {
      const created = await accounts.createUser(body.username, body.password, body.role, auditLink(audit, req, { httpStatus: 201, target: { type: 'user', id: body.username }, params: { username: body.username, role: body.role } }));
      res.status(201).json(userView(created));
    },
  );

  api.route(router, { method: 'get', path: '/api/users/:id', summary: 'One account with the numbers granted to it (admin)', tag: 'users', ...admins, params: idParams, responses: { 200: { description: 'Account', schema: userDetail }, 404: notFound } }, ({ params }, _req, res) => {
    res.json({ ...userView(account(params.id)), grants: grants.ofUser(params.id).map((g) => ({ phoneNumber: g.phoneNumber, level: g.level })) });
  });

  api.route(
    router,
    {
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change role or disable/enable an account (admin); takes effect on the next request, and live connections are re-checked at once',
      tag: 'users',
      ...admins,
      audit: 'user.update',
      params: idParams,
      body: z
        .strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
        .refine((b) => b.role !== undefined || b.disabled !== undefined, 'give role and/or disabled')
        .meta({ examples: [{ disabled: true }, { role: 'viewer' }] }),
      responses: { 200: { description: 'Account after the change', schema: userSchema }, 404: notFound, 409: { description: 'The last enabled admin', schema: errorSchema } },
    },
    async ({ params, body }, req, res) => {
      account(params.id);
      res.json(userView(await accounts.update(params.id, body, auditLink(audit, req, { ...target(params.id), params: body }))));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/users/:id/password',
      summary: "Set a user's password (admin); all of that user's tokens and sessions end",
      tag: 'users',
      ...admins,
      audit: 'user.password_reset',
      params: idParams,
      body: z.strictObject({ password }).meta({ examples: [{ password: 'a-new-long-passphrase' }] }),
      responses: { 200: { description: 'Account', schema: userSchema }, 400: { description: 'Password policy', schema: errorSchema }, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      account(params.id);
      res.json(userView(await accounts.resetPassword(params.id, body.password, auditLink(audit, req, target(params.id)))));
    },
  );

  api.route(router, { method: 'get', path: '/api/users/:id/sessions', summary: "A user's dashboard sign-in sessions (admin)", tag: 'users', ...admins, params: idParams, responses: { 200: { description: 'Live sessions, newest first', schema: sessionsAnswer }, 404: notFound } }, async ({ params }, _req, res) => {
    account(params.id);
    res.json({ sessions: (await sessions.list(params.id)).map(sessionView), note: STATELESS_NOTE });
  });

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/users/:id/sessions',
      summary: "Revoke every token and session of a user (admin): its live sockets and proxied WebSockets close at once",
      tag: 'users',
      ...admins,
      audit: 'user.revoke_tokens',
      params: idParams,
      responses: { 200: { description: 'Account', schema: userSchema }, 404: notFound },
    },
    async ({ params }, req, res) => {
      account(params.id);
      res.json(userView(await accounts.revokeTokens(params.id, 'revoked by an administrator', auditLink(audit, req, target(params.id)))));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/password',
      summary: 'Change your own password (the current one is required); every token and session of yours ends, and a new token is returned',
      tag: 'auth',
      permission: { scope: 'account' },
      audit: 'user.password_change',
      body: z
        .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) })
        .meta({ examples: [{ currentPassword: 'the-old-one', newPassword: 'a-new-long-passphrase' }] }),
      responses: {
        200: { description: 'Changed; use the token returned from now on', schema: tokenAnswer },
        400: { description: 'Wrong current password, or the new one breaks the password policy', schema: errorSchema },
        403: { description: 'API keys cannot change passwords', schema: errorSchema },
        429: throttled,
      },
    },
    async ({ body }, req, res) => {
      const me = currentUser(req).id;
      const user = await accounts.changePassword(me, body.currentPassword, body.newPassword, auditLink(audit, req, target(me)));
      res.set('Cache-Control', 'no-store').json({ ...tokens.issue(user), tokenType: 'Bearer' });
    },
  );
  api.route(router, { method: 'get', path: '/api/auth/sessions', summary: 'Your own dashboard sign-in sessions', tag: 'auth', permission: { scope: 'account' }, responses: { 200: { description: 'Live sessions, newest first', schema: sessionsAnswer } } }, async (_input, req, res) => {
    res.json({ sessions: (await sessions.list(currentUser(req).id)).map(sessionView), note: STATELESS_NOTE });
  });

  return router;
}
