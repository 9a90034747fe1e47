import { Router } from 'express';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import type { ApiRegistry } from '../api-registry.js';
import { requireAdmin } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';

const userSchema = z.object({ id: z.number(), username: z.string(), role: z.enum(['admin', 'user']) }).meta({ id: 'User' });

/** Accounts for tenants: a `user` sees only the numbers it registered; an `admin` sees all. */
export function userRoutes(api: ApiRegistry, accounts: AccountService): Router {
  const router = Router();
  api.route(
    router,
    { method: 'get', path: '/api/users', summary: 'List accounts (admin)', tag: 'users', responses: { 200: { description: 'Accounts', schema: z.object({ users: z.array(userSchema) }) }, 403: { description: 'Not an admin', schema: errorSchema } } },
    (_input, _req, res) => {
      res.json({ users: accounts.list() });
    },
    requireAdmin,
  );
  api.route(
    router,
    {
      method: 'post',
      path: '/api/users',
      summary: 'Create an account (admin)',
      tag: 'users',
      body: z.strictObject({
        username: z.string().trim().min(3).max(64).regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only'),
        password: z.string().min(8, 'must be at least 8 characters').max(256),
        role: z.enum(['admin', 'user']).default('user'),
      }),
      responses: { 201: { description: 'Created', schema: userSchema }, 400: { description: 'Invalid body', schema: errorSchema }, 403: { description: 'Not an admin', schema: errorSchema }, 409: { description: 'Username taken', schema: errorSchema } },
    },
    async ({ body }, _req, res) => {
      res.status(201).json(await accounts.createUser(body.username, body.password, body.role));
    },
    requireAdmin,
  );
  return router;
}
