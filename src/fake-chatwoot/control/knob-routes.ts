/**
 * The failure and behaviour switches: knobs, injected faults, outage (down/up), holding and releasing
 * webhook deliveries, adding and revoking tokens at run time, and reset (back to the seed, or a new seed).
 */
import { z } from 'zod';
import { knobsPatchSchema } from '../config/knobs.js';
import { parseSeed } from '../config/seed.js';
import { json } from '../http/reply.js';
import type { ControlDeps } from './control-deps.js';
import { ControlError, read, type ControlRoute } from './control-route.js';

const faultSchema = z.object({
  route: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
  status: z.number().int().min(400).max(599).optional(),
  delay_ms: z.number().int().min(0).optional(),
  hang: z.boolean().optional(),
  phase: z.enum(['before', 'after']).optional(),
  count: z.number().int().min(1).optional(),
  duration_ms: z.number().int().min(1).optional(),
  body: z.string().optional(),
  content_type: z.string().optional(),
  retry_after: z.number().int().min(0).optional(),
}).strict();

const downSchema = z.object({
  mode: z.enum(['refuse', 'error']),
  status: z.number().int().min(500).max(599).optional(),
  duration_ms: z.number().int().min(1).optional(),
}).strict();

const releaseSchema = z.object({ order: z.enum(['fifo', 'lifo']).optional() }).strict();
const tokenSchema = z.object({
  token: z.string().min(1),
  user_id: z.number().int().positive().optional(),
  agent_bot_id: z.number().int().positive().optional(),
}).strict();
const resetSchema = z.object({ seed: z.unknown().optional() }).strict();

export function knobRoutes(deps: ControlDeps): ControlRoute[] {
  const { services } = deps;
  const routeIds = (): string[] => [...new Set(deps.routes().map((r) => r.id))];
  return [
    { method: 'GET', path: '/_fake/knobs', handler: () => json(200, services.knobs.current) },
    ...(['PUT', 'PATCH'] as const).map((method): ControlRoute => ({
      method, path: '/_fake/knobs',
      handler: (ctx) => json(200, services.knobs.patch(read(knobsPatchSchema, ctx.body))),
    })),
    { method: 'GET', path: '/_fake/faults', handler: () => json(200, { faults: deps.faults.list() }) },
    {
      method: 'POST', path: '/_fake/faults',
      handler: (ctx) => {
        const spec = read(faultSchema, ctx.body);
        if (spec.route !== '*' && !routeIds().includes(spec.route)) throw new ControlError(`route: unknown route id "${spec.route}"; one of * ${routeIds().join(' ')}`);
        if (spec.status === undefined && spec.delay_ms === undefined && !spec.hang) throw new ControlError('body: give status, delay_ms or hang');
        return json(200, { fault: deps.faults.add(spec) });
      },
    },
    {
      method: 'DELETE', path: '/_fake/faults',
      handler: () => {
        deps.faults.clear();
        return json(200, { faults: [] });
      },
    },
    {
      method: 'POST', path: '/_fake/down',
      handler: async (ctx) => {
        const body = read(downSchema, ctx.body);
        return json(200, { outage: await deps.outage().down(body.mode, body.status ?? 502, body.duration_ms) });
      },
    },
    {
      method: 'POST', path: '/_fake/up',
      handler: async () => {
        await deps.outage().up();
        return json(200, { outage: deps.outage().current });
      },
    },
    {
      method: 'POST', path: '/_fake/webhooks/hold',
      handler: () => {
        deps.dispatcher.hold();
        return json(200, { held: deps.dispatcher.heldCount });
      },
    },
    {
      method: 'POST', path: '/_fake/webhooks/release',
      handler: async (ctx) => json(200, { deliveries: await deps.dispatcher.release(read(releaseSchema, ctx.body).order ?? 'fifo') }),
    },
    {
      method: 'POST', path: '/_fake/tokens',
      handler: (ctx) => {
        const body = read(tokenSchema, ctx.body);
        const state = services.store.state;
        if ((body.user_id === undefined) === (body.agent_bot_id === undefined)) throw new ControlError('body: give exactly one of user_id, agent_bot_id');
        if (body.user_id !== undefined && !state.users.has(body.user_id)) throw new ControlError(`user_id: no user ${body.user_id}`);
        if (body.agent_bot_id !== undefined && !state.bots.has(body.agent_bot_id)) throw new ControlError(`agent_bot_id: no agent bot ${body.agent_bot_id}`);
        state.tokens.set(body.token, body.user_id !== undefined ? { type: 'User', id: body.user_id } : { type: 'AgentBot', id: body.agent_bot_id ?? 0 });
        services.store.save();
        return json(200, { token: body.token });
      },
    },
    {
      method: 'DELETE', path: '/_fake/tokens/:token',
      handler: (ctx) => {
        const revoked = services.store.state.tokens.delete(ctx.path.token ?? '');
        services.store.save();
        return json(revoked ? 200 : 404, revoked ? { revoked: true } : { error: 'no such token' });
      },
    },
    {
      method: 'POST', path: '/_fake/reset',
      handler: async (ctx) => {
        const body = read(resetSchema, ctx.body);
        let seed = deps.seed;
        if (body.seed !== undefined) {
          const parsed = parseSeed(body.seed);
          if ('problems' in parsed) throw new ControlError(parsed.problems.map((p) => `seed.${p}`).join('; '));
          seed = parsed.seed;
        }
        services.store.reset(seed, services.now());
        services.knobs.reset();
        deps.faults.clear();
        deps.dispatcher.reset();
        deps.deliveries.clear();
        deps.requests.clear();
        deps.limiter.reset();
        await deps.outage().up();
        return json(200, { reset: true });
      },
    },
  ];
}
