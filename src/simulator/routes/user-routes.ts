/** `/user/check`, `/user/info` (docs/binary-contract.md §7): questions to WhatsApp, so they need a logged-in client. */
import type { Services } from '../app.js';
import { isOnWhatsApp, toJid } from '../core/phone.js';
import type { Ctx } from '../http/context.js';
import { validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';

export function registerUserRoutes(scoped: Router, services: Services): void {
  const { sender } = services;

  const userJid = (ctx: Ctx): string => {
    const phone = ctx.query.get('phone') ?? '';
    validate([[phone !== '', 'phone', 'cannot be blank']]);
    sender.assertReady(ctx.slot);
    return toJid(phone);
  };

  scoped
    .on('GET', '/user/check', (ctx) => {
      sendOk(ctx.res, 'Success check user', { is_on_whatsapp: isOnWhatsApp(userJid(ctx)) });
    })
    .on('GET', '/user/info', (ctx) => {
      const jid = userJid(ctx);
      const user = jid.split('@')[0] ?? '';
      const data = isOnWhatsApp(jid)
        ? [{ name: '', verified_name: '', status: 'Hey there! I am using WhatsApp.', picture_id: '',
            devices: [{ User: user, Agent: 0, Device: 'UNKNOWN', Server: 's.whatsapp.net', AD: true }] }]
        : null;
      sendOk(ctx.res, 'Success get user info', { data });
    });
}
