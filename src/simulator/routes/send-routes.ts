/**
 * The `/send/*` routes without media (docs/binary-contract.md §7): message, contact, link, location, poll, and the two
 * presence routes. Each runs: validation (400, ozzo texts with sorted keys) → client / login checks →
 * account validation → send. Media sends are in send-media-routes.ts.
 */
import type { Services } from '../app.js';
import { toJid } from '../core/phone.js';
import type { Outgoing } from '../core/sender.js';
import type { Ctx } from '../http/context.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { TypedFields } from '../http/typed-fields.js';
import { assertDuration, assertInternational } from './send-validation.js';

/** ozzo `is.Latitude` / `is.Longitude`: a decimal number within range. */
const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const inRange = (text: string, max: number): boolean => DECIMAL.test(text) && Math.abs(Number(text)) <= max;

async function fieldsOf(ctx: Ctx, struct: string): Promise<TypedFields> {
  return new TypedFields(await ctx.body(), struct);
}

export function registerSendRoutes(scoped: Router, services: Services): void {
  const { sender, actions } = services;

  /** After validation: login checks, recipient check, then the send itself. */
  const deliver = async (ctx: Ctx, phone: string, out: Omit<Outgoing, 'jid'>): Promise<void> => {
    const jid = toJid(phone);
    sender.assertReady(ctx.slot);
    sender.assertRecipient(jid);
    const result = await sender.send(ctx.slot, { ...out, jid });
    sendOk(ctx.res, result.status, result);
  };

  scoped.on('POST', '/send/message', async (ctx) => {
    const fields = await fieldsOf(ctx, 'MessageRequest');
    const phone = fields.string('phone');
    const message = fields.string('message');
    validate([[phone !== '', 'phone', 'cannot be blank'], [message !== '', 'message', 'cannot be blank']]);
    assertInternational(phone);
    assertDuration(fields);
    await deliver(ctx, phone, { route: '/send/message', verb: 'Message sent to', content: message, message });
  });

  scoped.on('POST', '/send/contact', async (ctx) => {
    const fields = await fieldsOf(ctx, 'ContactRequest');
    const [phone, name, contactPhone] = [fields.string('phone'), fields.string('contact_name'), fields.string('contact_phone')];
    validate([
      [phone !== '', 'phone', 'cannot be blank'],
      [contactPhone !== '', 'contact_phone', 'cannot be blank'],
      [name !== '', 'contact_name', 'cannot be blank'],
    ]);
    assertInternational(phone);
    assertInternational(contactPhone, 'contact ');
    assertDuration(fields);
    const content = `👤 ${name}`;
    await deliver(ctx, phone, { route: '/send/contact', verb: 'Contact sent to', content, message: content });
  });

  scoped.on('POST', '/send/link', async (ctx) => {
    const fields = await fieldsOf(ctx, 'LinkRequest');
    const [phone, link, caption] = [fields.string('phone'), fields.string('link'), fields.string('caption')];
    validate([
      [phone !== '', 'phone', 'cannot be blank'],
      [link !== '', 'link', 'cannot be blank'],
      [link === '' || isUrl(link), 'link', 'must be a valid URL'],
      [caption !== '', 'caption', 'cannot be blank'],
    ]);
    assertInternational(phone);
    assertDuration(fields);
    // The binary fetches the page for a preview; the stand-in is offline and sends the link without one.
    await deliver(ctx, phone, { route: '/send/link', verb: 'Link sent to', content: `🔗 ${caption}`, message: `${caption}\n${link}` });
  });

  scoped.on('POST', '/send/location', async (ctx) => {
    const fields = await fieldsOf(ctx, 'LocationRequest');
    const [phone, latitude, longitude] = [fields.string('phone'), fields.string('latitude'), fields.string('longitude')];
    validate([
      [phone !== '', 'phone', 'cannot be blank'],
      [latitude !== '', 'latitude', 'cannot be blank'],
      [latitude === '' || inRange(latitude, 90), 'latitude', 'must be a valid latitude'],
      [longitude !== '', 'longitude', 'cannot be blank'],
      [longitude === '' || inRange(longitude, 180), 'longitude', 'must be a valid longitude'],
    ]);
    assertInternational(phone);
    assertDuration(fields);
    const content = `📍 ${latitude}, ${longitude}`;
    await deliver(ctx, phone, { route: '/send/location', verb: 'Send location success', content, message: content });
  });

  scoped.on('POST', '/send/poll', async (ctx) => {
    const fields = await fieldsOf(ctx, 'PollRequest');
    const options = fields.strings('options');
    // The binary checks the options before anything else, so that max_answer has something to compare to.
    if (options.length === 0) throw errors.validation('options: cannot be blank.');
    const [phone, question, maxAnswer] = [fields.string('phone'), fields.string('question'), fields.int('max_answer')];
    const blankOption = options.findIndex((option) => option === '');
    validate([
      [phone !== '', 'phone', 'cannot be blank'],
      [question !== '', 'question', 'cannot be blank'],
      [blankOption < 0, 'options', `(${blankOption}: cannot be blank.)`],
      [maxAnswer !== 0, 'max_answer', 'cannot be blank'],
      [maxAnswer === 0 || maxAnswer >= 1, 'max_answer', 'must be no less than 1'],
      [maxAnswer <= options.length, 'max_answer', `must be no greater than ${options.length}`],
    ]);
    assertInternational(phone);
    assertDuration(fields);
    if (new Set(options).size !== options.length) throw errors.validation('options should be unique');
    const content = `📊 ${question}`;
    const extra = JSON.stringify({ poll: { question, options, maxAnswer } });
    await deliver(ctx, phone, { route: '/send/poll', verb: 'Send poll success', content, extra, message: content });
  });

  scoped.on('POST', '/send/presence', async (ctx) => {
    const fields = await fieldsOf(ctx, 'PresenceRequest');
    const type = fields.string('type');
    // ozzo's In() lets an empty value through; the stand-in refuses it rather than guess what WhatsApp does.
    validate([[type === 'available' || type === 'unavailable', 'type', 'must be a valid value']]);
    sender.assertReady(ctx.slot);
    actions.add(ctx.slot.id, 'presence', '', '', { type });
    sendOk(ctx.res, `Send presence success ${type}`, { message_id: 'presence', status: `Send presence success ${type}` });
  });

  scoped.on('POST', '/send/chat-presence', async (ctx) => {
    const fields = await fieldsOf(ctx, 'ChatPresenceRequest');
    const [phone, action] = [fields.string('phone'), fields.string('action')];
    validate([
      [phone !== '', 'phone', 'cannot be blank'],
      [action !== '', 'action', 'cannot be blank'],
      [action === '' || action === 'start' || action === 'stop', 'action', 'must be a valid value'],
    ]);
    assertInternational(phone);
    const jid = toJid(phone);
    sender.assertReady(ctx.slot);
    actions.add(ctx.slot.id, 'chat_presence', jid, '', { action, state: action === 'start' ? 'composing' : 'paused' });
    const status = `Send chat presence ${action} typing success ${jid}`;
    sendOk(ctx.res, status, { message_id: `chat-presence-${action}`, status });
  });
}

/** ozzo `is.URL`: an absolute http(s) URL with a host (or a bare host name with a dot). */
export function isUrl(text: string): boolean {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.includes('.') && !/\s/.test(text);
  } catch {
    return false;
  }
}
