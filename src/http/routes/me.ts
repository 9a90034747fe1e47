import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../domain/access.js';
import type { UserSettingsStore } from '../../db/ports/user-settings.js';
import type { Clock } from '../../lib/clock.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentUser } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';

/** What a user may keep server-side, so the dashboard looks the same on every browser. Keys are only added. */
const settingsSchema = z
  .object({
    language: z.enum(['en', 'pt-BR']).optional(),
  })
  .strict()
  .meta({ id: 'UserSettings' });

const meSchema = z.object({ user: z.object({ id: z.number(), username: z.string(), role: z.enum(ROLES) }), settings: settingsSchema });

export function meRoutes(api: ApiRegistry, settings: UserSettingsStore, clock: Clock): Router {
  const router = Router();
  const known = (stored: Record<string, unknown>) => {
    const parsed = settingsSchema.safeParse(stored);
    return parsed.success ? parsed.data : {};
  };
  const view = async (user: ReturnType<typeof currentUser>) => ({ user: { id: user.id, username: user.username, role: user.role }, settings: known(await settings.get(user.id)) });

  api.route(router, { method: 'get', path: '/api/me', summary: 'The caller and their dashboard settings', tag: 'me', permission: 'authenticated', responses: { 200: { description: 'You', schema: meSchema } } }, async (_input, req, res) => {
    res.json(await view(currentUser(req)));
  });
  api.route(
    router,
    {
      method: 'patch',
      path: '/api/me/settings',
      summary: 'Change your dashboard settings (language)',
      tag: 'me',
      permission: { scope: 'account' },
      audit: 'user.settings',
      body: settingsSchema,
      responses: { 200: { description: 'You, after the change', schema: meSchema }, 400: { description: 'Invalid settings', schema: errorSchema } },
    },
    async ({ body }, req, res) => {
      const user = currentUser(req);
      await settings.merge(user.id, body, clock.now());
      res.json(await view(user));
    },
  );
  return router;
}
