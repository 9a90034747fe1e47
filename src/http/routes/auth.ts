import { Router } from 'express';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import type { TokenService } from '../../auth/tokens.js';
import { GatewayError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { actorOf } from '../../audit/actor.js';
import { auditAs } from '../audit-trail.js';
import { errorSchema } from '../schemas.js';

const credentials = z
  .strictObject({
    username: z.string({ error: 'is required' }).min(1, 'must not be empty').max(64),
    password: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
  })
  .meta({ examples: [{ username: 'admin', password: 'your-admin-password' }] });

export const tokenAnswer = z
  .object({ token: z.string(), expiresIn: z.number(), tokenType: z.literal('Bearer') })
  .meta({ examples: [{ token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', expiresIn: 43200, tokenType: 'Bearer' }] });

export const throttled = { description: 'Too many failed logins for this user name or from this address (Retry-After says when to try again)', schema: errorSchema };

/** Password login for API clients (public: mounted before the token check). */
export function authRoutes(api: ApiRegistry, accounts: AccountService, tokens: TokenService): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Exchange username and password for a JWT (failed logins are throttled per user name and per address)',
      tag: 'auth',
      permission: 'public',
      audit: 'auth.login',
      body: credentials,
      responses: {
        200: { description: 'Token issued', schema: tokenAnswer },
        400: { description: 'Invalid body', schema: errorSchema },
        401: { description: 'Wrong credentials (or a disabled account: the answer does not say which)', schema: errorSchema },
        429: throttled,
      },
    },
    async ({ body }, req, res) => {
      try {
        const user = await accounts.authenticate(body.username, body.password, req.ip ?? null);
        auditAs(req, actorOf({ kind: 'user', user, generation: user.generation, expiresAt: null }));
        res.set('Cache-Control', 'no-store').json({ ...tokens.issue(user), tokenType: 'Bearer' });
      } catch (err) {
        if (err instanceof GatewayError && req.routeMark) req.routeMark = { ...req.routeMark, action: err.code === 'RATE_LIMITED' ? 'auth.login_throttled' : 'auth.login_failed' };
        throw err;
      }
    },
  );

  return router;
}
