/** The compatibility layer's pure rules: inputs, the Flask body, the legacy answers, its settings. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { MessageView } from '../../src/conversations/views.js';
import { GatewayError } from '../../src/domain/errors.js';
import { compatErrors } from '../../src/compat/errors.js';
import { empresaIdOf, flaskBodyOf } from '../../src/compat/flask/flask-body.js';
import { legacyAnswer, ROUTES } from '../../src/compat/legacy/answers.js';
import { parseBaseUrl, parseNewTenant, parseSendBody, parseTenantId } from '../../src/compat/tenants/tenant-input.js';
import { recipientJid } from '../../src/messaging/recipient.js';
import { statusFor } from '../../src/http/error-handler.js';

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(env, '/x');
    return '';
  } catch (err) {
    return (err as ConfigError).problems.join('\n');
  }
};

describe('settings', () => {
  it('defaults: the legacy API off, loopback allowed, strings for empresa_id', () => {
    expect(loadConfig({}, '/x')).toMatchObject({ LEGACY_TENANT_API: 'off', LEGACY_TENANT_AUTO_CREATE: false, COMPAT_ALLOW: '127.0.0.1/32,::1/128', COMPAT_EMPRESA_ID_TYPE: 'string', FLASK_WEBHOOK_MEDIA: false });
    expect(loadConfig({ LEGACY_TENANT_AUTO_CREATE: 'true', LEGACY_TENANT_API_PREFIX: '/compat/v1' }, '/x')).toMatchObject({ LEGACY_TENANT_AUTO_CREATE: true, LEGACY_TENANT_API_PREFIX: '/compat/v1' });
  });

  it('refuses a bad allow-list entry, a bad prefix, and an unsigned Flask webhook in production', () => {
    expect(problems({ COMPAT_ALLOW: '127.0.0.1/32,10.0.0.0/99,localhost' })).toMatch(/COMPAT_ALLOW: 10\.0\.0\.0\/99[^\n]*\n.*COMPAT_ALLOW: localhost/);
    expect(problems({ LEGACY_TENANT_API_PREFIX: 'compat/' })).toMatch(/LEGACY_TENANT_API_PREFIX/);
    expect(problems({ LEGACY_TENANT_AUTO_CREATE: 'yes' })).toMatch(/LEGACY_TENANT_AUTO_CREATE/);
    expect(problems({ NODE_ENV: 'production', FLASK_URL: 'http://127.0.0.1:5000' })).toMatch(/FLASK_WEBHOOK_SECRET/);
  });
});

describe('tenant input', () => {
  it('takes ids as text or integers, and nothing that is not an id', () => {
    expect([parseTenantId('1'), parseTenantId(365), parseTenantId('acme-2'), parseTenantId(''), parseTenantId('../x'), parseTenantId(-1), parseTenantId(1.5), parseTenantId('x'.repeat(65))]).toEqual(['1', '365', 'acme-2', null, null, null, null, null]);
  });

  it('reads POST /tenants with its extension fields, naming the field at fault', () => {
    expect(parseNewTenant({ tenantId: 7, phone: 5511999990000, flaskUrl: 'http://127.0.0.1:5000/', empresaIdType: 'number' }, 'string')).toEqual({ tenantId: '7', phone: '5511999990000', flaskUrl: 'http://127.0.0.1:5000', empresaIdType: 'number' });
    const field = (body: Record<string, unknown>, type: 'string' | 'number' = 'string') => {
      try {
        parseNewTenant(body, type);
        return null;
      } catch (err) {
        return (err as { field?: string }).field;
      }
    };
    expect([field({}), field({ tenantId: '' }), field({ tenantId: 'a b' }), field({ tenantId: 1, phone: '12' }), field({ tenantId: 1, flaskUrl: 'ftp://x' }), field({ tenantId: 1, flaskUrl: 'http://x/?a=1' }), field({ tenantId: 1, empresaIdType: 'int' }), field({ tenantId: 'acme' }, 'number'), field({ tenantId: 1, extra: true })]).toEqual([
      'tenantId', 'tenantId', 'tenantId', 'phone', 'flaskUrl', 'flaskUrl', 'empresaIdType', 'tenantId', 'extra',
    ]);
    expect(parseBaseUrl('https://flask.example.com/app/')).toBe('https://flask.example.com/app');
  });

  it('reads the legacy send body: digits get @s.whatsapp.net, JIDs pass, anything else names its field', () => {
    expect(parseSendBody({ phone: '+5511988880000', message: 'oi' }, recipientJid)).toEqual({ recipient: '5511988880000@s.whatsapp.net', message: 'oi' });
    expect(parseSendBody({ phone: 5511988880000, message: 'oi' }, recipientJid).recipient).toBe('5511988880000@s.whatsapp.net');
    expect(parseSendBody({ phone: '120363000000000001@g.us', message: 'oi' }, recipientJid).recipient).toBe('120363000000000001@g.us');
    const field = (body: unknown) => {
      try {
        parseSendBody(body, recipientJid);
        return null;
      } catch (err) {
        return (err as { field?: string }).field;
      }
    };
    expect([field({}), field({ phone: '5511988880000' }), field({ message: 'x' }), field({ phone: 'abc', message: 'x' }), field({ phone: '5511988880000', message: 7 }), field(null), field([1])]).toEqual(['phone', 'message', 'phone', 'phone', 'message', 'phone', 'phone']);
  });
});

const view = (over: Partial<MessageView>): MessageView => ({
  id: 'm1', waId: 'w1', phoneNumber: '5511900000000', chatId: '5511988887777@s.whatsapp.net', chatJid: '5511988887777@s.whatsapp.net', chatType: 'direct', direction: 'in', fromMe: false,
  sender: { jid: '5511988887777@s.whatsapp.net', lid: null, name: 'Maria' }, type: 'text', text: 'Olá', media: null, content: {}, reactions: [], status: 'received', error: null, deleted: null,
  timestamp: '2026-01-01T00:00:00.000Z', sentAt: null, deliveredAt: null, readAt: null, editedAt: null, deletedAt: null, source: 'live', ...over,
});
const defaults = { groups: false, media: false, defaultIdType: 'string' as const };
const tenant = { tenantId: '1', empresaIdType: null };
const url = (id: string) => `https://gw/api/messages/${id}/media`;

describe('the Flask body', () => {
  it('is exactly the legacy body for an incoming 1:1 text', () => {
    expect(flaskBodyOf(view({}), tenant, defaults, url)).toEqual({ phone: '5511988887777', message: 'Olá', message_type: 'texto', empresa_id: '1' });
    expect(flaskBodyOf(view({ chatId: '88812345678901@lid' }), tenant, defaults, url)).toMatchObject({ phone: '88812345678901@lid' });
  });

  it('leaves out the number’s own messages, history, deleted ones, groups, broadcasts and media by default', () => {
    for (const over of [{ fromMe: true }, { source: 'backfill' as const }, { deleted: 'everyone' as const }, { chatId: '120363000000000001@g.us' }, { chatId: 'status@broadcast' }, { type: 'image' as const }, { type: 'reaction' as unknown as MessageView['type'] }]) {
      expect([over, flaskBodyOf(view(over), tenant, defaults, url)]).toEqual([over, null]);
    }
  });

  it('types empresa_id as configured; a non-numeric id stays a string', () => {
    expect([empresaIdOf({ tenantId: '7', empresaIdType: 'number' }, 'string'), empresaIdOf({ tenantId: '7', empresaIdType: null }, 'number'), empresaIdOf({ tenantId: 'acme', empresaIdType: null }, 'number'), empresaIdOf({ tenantId: '7', empresaIdType: 'string' }, 'number')]).toEqual([7, 7, 'acme', '7']);
  });
});

describe('legacy answers', () => {
  it('turns each error into the route’s legacy status and body', () => {
    const answer = (route: (typeof ROUTES)[keyof typeof ROUTES], err: unknown) => {
      const { status, body } = legacyAnswer(route, err, statusFor);
      return { status, body };
    };
    expect(answer(ROUTES.send, compatErrors.notConnected())).toEqual({ status: 500, body: { error: 'Erro ao enviar mensagem', details: 'Tenant não está conectado' } });
    expect(answer(ROUTES.createTenant, compatErrors.tenantExists('1'))).toEqual({ status: 500, body: { error: 'Erro ao criar tenant', details: 'Tenant 1 já existe' } });
    expect(answer(ROUTES.status, compatErrors.tenantNotFound('1'))).toEqual({ status: 404, body: { success: false, error: 'Tenant não encontrado' } });
    expect(answer(ROUTES.qr, compatErrors.qrTimeout())).toEqual({ status: 408, body: { success: false, error: 'Timeout ao gerar QR code. Tente novamente.', timeout: true } });
    expect(answer(ROUTES.tenantQr, compatErrors.qrTimeout())).toEqual({ status: 503, body: { success: false, error: 'Não foi possível gerar QR code. Tente novamente.' } });
    expect(answer(ROUTES.send, compatErrors.invalid('phone', 'é obrigatório')).body).toMatchObject({ error: 'Telefone e mensagem são obrigatórios', field: 'phone' });
    expect(answer(ROUTES.createTenant, compatErrors.invalid('flaskUrl', 'x')).body).toMatchObject({ error: 'Erro ao criar tenant', field: 'flaskUrl' });
    expect(answer(ROUTES.createTenant, { type: 'entity.parse.failed' })).toMatchObject({ status: 400, body: { error: 'tenantId é obrigatório' } });
    expect(answer(ROUTES.connect, new GatewayError('MAX_PROCESSES_REACHED', 'full'))).toEqual({ status: 409, body: { error: 'Erro ao conectar empresa', details: 'full' } });
    expect(answer(ROUTES.connect, new GatewayError('CHILD_ERROR', 'boom'))).toEqual({ status: 500, body: { error: 'Erro ao conectar empresa', details: 'boom' } });
    expect(answer(ROUTES.health, new Error('secret detail')).body['details']).not.toMatch(/secret/);
  });
});
