/** `GET /api` (the version a client can check before trusting signatures) and `GET /api/v1/profile`. */
import type { Services } from '../app.js';
import { ok } from '../http/reply.js';
import type { RouteSpec } from '../http/router.js';
import { principalOf } from './helpers.js';

export function miscRoutes(s: Services): RouteSpec[] {
  return [
    {
      id: 'api.index', method: 'GET', path: '/api', auth: 'public',
      handler: () => ok({
        version: s.config.version.text,
        timestamp: new Date(s.now()).toISOString().replace('T', ' ').slice(0, 19),
        queue_services: 'ok',
        data_services: 'ok',
      }),
    },
    {
      id: 'profile.show', method: 'GET', path: '/api/v1/profile', auth: 'user',
      handler: (ctx) => {
        const principal = principalOf(ctx);
        if (principal.kind !== 'user') throw new Error('bots are refused before the handler');
        const { user } = principal;
        const accounts = [...user.roles].map(([id, role]) => ({ id, name: s.store.state.accounts.get(id)?.account.name ?? '', role, status: 'active', active_at: null }));
        return ok({
          id: user.id,
          account_id: accounts[0]?.id ?? null,
          accounts,
          available_name: user.name,
          avatar_url: '',
          confirmed: true,
          display_name: null,
          email: user.email,
          name: user.name,
          pubsub_token: user.pubsubToken,
          role: accounts[0]?.role ?? null,
          type: 'user',
          ui_settings: {},
        });
      },
    },
  ];
}
