/**
 * Walks the fake's own route table (`/_fake/routes`), so a route added later is covered without editing
 * this file: every token route refuses a missing, unknown or foreign token with the real bodies, bots only
 * reach the routes Chatwoot lets them, and every route has an id a fault can target.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { seed } from './support.js';

interface RouteRow {
  id: string;
  method: string;
  path: string;
  auth: 'account' | 'user' | 'public';
  bots: boolean;
  available: boolean;
}

let cw: FakeChatwoot;
let routes: RouteRow[];

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: seed() });
  routes = (await cw.control<{ routes: RouteRow[] }>('GET', '/_fake/routes')).json.routes;
});
afterAll(cleanupFakeChatwoots);

const concrete = (route: RouteRow, account: number): string => route.path.replace(':aid', String(account)).replace(/:[a-z_]+/g, '1');
const call = (route: RouteRow, token: string | null, account = 1) =>
  cw.api(route.method, concrete(route, account), route.method === 'GET' || route.method === 'DELETE' ? undefined : {}, { token });

describe('the route table', () => {
  it('lists the Application, Public and storage routes, with unique method+path', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(new Set(routes.map((r) => `${r.method} ${r.path}`)).size).toBe(routes.length);
    expect(routes.filter((r) => r.auth === 'account').every((r) => r.path.startsWith('/api/v1/accounts/:aid/'))).toBe(true);
  });

  it('every token route: no token → Devise 401, unknown token → 401 Invalid Access Token', async () => {
    for (const route of routes.filter((r) => r.auth !== 'public' && r.available)) {
      const none = await call(route, null);
      expect([route.id, none.status, none.json]).toEqual([route.id, 401, { errors: ['You need to sign in or sign up before continuing.'] }]);
      const unknown = await call(route, 'not-a-token');
      expect([route.id, unknown.status, unknown.json]).toEqual([route.id, 401, { error: 'Invalid Access Token' }]);
    }
  });

  it('every account route: a token of another account → 401 not authorized for this account', async () => {
    for (const route of routes.filter((r) => r.auth === 'account' && r.available)) {
      const res = await call(route, 'other-token', 1);
      expect([route.id, res.status, res.json]).toEqual([route.id, 401, { error: 'You are not authorized to access this account' }]);
    }
  });

  it('bot tokens: refused exactly on the routes bots may not call', async () => {
    const refused = [];
    for (const route of routes.filter((r) => r.auth !== 'public' && r.available)) {
      const res = await call(route, 'bot-token');
      const isRefusal = res.status === 401 && JSON.stringify(res.json) === JSON.stringify({ error: 'Access to this endpoint is not authorized for bots' });
      if (isRefusal) refused.push(route.id);
      expect([route.id, isRefusal]).toEqual([route.id, !route.bots]);
    }
    expect(refused).toContain('contacts.search');
  });

  it('every route id can be the target of a fault', async () => {
    for (const id of new Set(routes.map((r) => r.id))) {
      const res = await cw.control('POST', '/_fake/faults', { route: id, status: 503, count: 1 });
      expect([id, res.status]).toEqual([id, 200]);
    }
    await cw.clearFaults();
  });
});
