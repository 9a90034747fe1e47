import { Router } from 'express';
import { slowDown } from 'express-slow-down';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import type { TokenService } from '../../auth/tokens.js';
import type { ApiRegistry } from '../api-registry.js';
import { errorSchema } from '../schemas.js';

const credentials = z.strictObject({
  username: z.string({ error: 'is required' }).min(1, 'must not be empty').max(64),
  password: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
});

export function authRoutes(api: ApiRegistry, accounts: AccountService, tokens: TokenService): Router {
  const router = Router();
  // Repeated failures from one client get slower and slower; successful logins do not count.
  const throttle = slowDown({
    windowMs: 15 * 60_000,
    delayAfter: 3,
    delayMs: (hits) => Math.min(10_000, (hits - 3) * 500),
    skipSuccessfulRequests: true,
    validate: { delayMs: false },
  });
  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Exchange username and password for a JWT',
      tag: 'auth',
      auth: false,
      body: credentials,
      responses: {
        200: { description: 'Token issued', schema: z.object({ token: z.string(), expiresIn: z.number(), tokenType: z.literal('Bearer') }) },
        400: { description: 'Invalid body', schema: errorSchema },
        401: { description: 'Wrong credentials', schema: errorSchema },
      },
    },
    async ({ body }, _req, res) => {
      const user = await accounts.authenticate(body.username, body.password);
      res.json({ ...tokens.issue(user), tokenType: 'Bearer' });
    },
    throttle,
  );
  return router;
}
