/** `/_fake/info`, `/_fake/routes`, `/_fake/state`, `/_fake/messages`, `/_fake/attachments/:id`, `/_fake/deliveries`, `/_fake/requests`. */
import { json, type Reply } from '../http/reply.js';
import { messageDump, stateDump } from './state-dump.js';
import type { ControlDeps } from './control-deps.js';
import { pathInt, type ControlRoute } from './control-route.js';

const num = (text: string | null): number | undefined => (text === null || text === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));

export function inspectRoutes(deps: ControlDeps): ControlRoute[] {
  const { services } = deps;
  return [
    {
      method: 'GET', path: '/_fake/info',
      handler: () => json(200, {
        version: services.config.version.text,
        features: services.features,
        ...deps.addresses(),
        outage: deps.outage().current,
        held_deliveries: deps.dispatcher.heldCount,
        state_file: services.config.stateFile,
      }),
    },
    {
      method: 'GET', path: '/_fake/routes',
      handler: () => json(200, {
        routes: deps.routes().map((r) => ({ id: r.id, method: r.method, path: r.path, auth: r.auth, bots: r.bots ?? false, available: !r.feature || services.features[r.feature] })),
      }),
    },
    {
      method: 'GET', path: '/_fake/state',
      handler: (ctx) => json(200, stateDump(services.store.state, num(ctx.query.get('account_id')), ctx.query.get('bytes') === 'true')),
    },
    {
      method: 'GET', path: '/_fake/messages',
      handler: (ctx) => {
        const state = services.store.state;
        const accountId = num(ctx.query.get('account_id'));
        const displayId = num(ctx.query.get('conversation_id'));
        const afterId = num(ctx.query.get('after_id'));
        const messages = [...state.accounts.values()]
          .filter((a) => accountId === undefined || a.account.id === accountId)
          .flatMap((a) => [...a.messages.values()])
          .filter((m) => displayId === undefined || state.conversations.get(m.conversationInternalId)?.displayId === displayId)
          .filter((m) => afterId === undefined || m.id > afterId);
        return json(200, { messages: messages.map((m) => messageDump(state, m, ctx.query.get('bytes') === 'true')) });
      },
    },
    {
      method: 'GET', path: '/_fake/attachments/:id',
      handler: (ctx): Reply => {
        const attachment = services.store.state.attachments.get(pathInt(ctx, 'id'));
        if (!attachment) return json(404, { error: 'no such attachment' });
        return { status: 200, body: attachment.data, contentType: attachment.contentType, headers: { 'X-Filename': encodeURIComponent(attachment.filename) } };
      },
    },
    {
      method: 'GET', path: '/_fake/deliveries',
      handler: (ctx) => json(200, {
        deliveries: deps.deliveries.list({ event: ctx.query.get('event') ?? undefined, url: ctx.query.get('url') ?? undefined, since: num(ctx.query.get('since')) }),
      }),
    },
    {
      method: 'GET', path: '/_fake/requests',
      handler: (ctx) => json(200, { requests: deps.requests.list({ route: ctx.query.get('route') ?? undefined, since: num(ctx.query.get('since')) }) }),
    },
  ];
}
