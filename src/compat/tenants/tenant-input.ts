import type { EmpresaIdType } from '../../db/schema.js';
import { parsePhoneNumber, type PhoneNumber } from '../../domain/phone.js';
import { compatErrors } from '../errors.js';

/** Tenant ids are the Flask app's `empresa_id`s: they appear in URLs, messages and the audit log. */
const TENANT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/** A tenant id from a URL segment or a body field (`1` and `"1"` are the same tenant); null when it is no id. */
export function parseTenantId(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  return typeof text === 'string' && TENANT_ID.test(text) ? text : null;
}

export interface NewTenantInput {
  readonly tenantId: string;
  /** Known up front (an extension of ours); otherwise the tenant is pending until a phone pairs. */
  readonly phone: PhoneNumber | null;
  readonly flaskUrl: string | null;
  readonly empresaIdType: EmpresaIdType | null;
}

/** `POST /tenants` `{tenantId, phone?, flaskUrl?, empresaIdType?}`: throws INVALID naming the field. */
export function parseNewTenant(body: Record<string, unknown>, defaultIdType: EmpresaIdType): NewTenantInput {
  const raw = body['tenantId'];
  if (raw === undefined || raw === null || raw === '') throw compatErrors.invalid('tenantId', 'é obrigatório');
  const tenantId = parseTenantId(raw);
  if (!tenantId) throw compatErrors.invalid('tenantId', 'use de 1 a 64 letras, dígitos, ".", "_" ou "-"');
  let phone: PhoneNumber | null = null;
  if (body['phone'] !== undefined && body['phone'] !== null) {
    phone = parsePhoneNumber(typeof body['phone'] === 'number' ? String(body['phone']) : body['phone']);
    if (!phone) throw compatErrors.invalid('phone', 'não é um número de telefone (8 a 15 dígitos)');
  }
  let flaskUrl: string | null = null;
  if (body['flaskUrl'] !== undefined && body['flaskUrl'] !== null) {
    flaskUrl = parseBaseUrl(body['flaskUrl']);
    if (!flaskUrl) throw compatErrors.invalid('flaskUrl', 'deve ser uma URL http(s) sem query, como http://127.0.0.1:5000');
  }
  let empresaIdType: EmpresaIdType | null = null;
  if (body['empresaIdType'] !== undefined && body['empresaIdType'] !== null) {
    if (body['empresaIdType'] !== 'string' && body['empresaIdType'] !== 'number') throw compatErrors.invalid('empresaIdType', 'deve ser "string" ou "number"');
    empresaIdType = body['empresaIdType'];
  }
  if ((empresaIdType ?? defaultIdType) === 'number' && !INTEGER.test(tenantId)) {
    throw compatErrors.invalid('tenantId', 'deve ser um número inteiro quando empresa_id é enviado como número');
  }
  const unknown = Object.keys(body).filter((key) => !['tenantId', 'phone', 'flaskUrl', 'empresaIdType'].includes(key));
  if (unknown.length > 0) throw compatErrors.invalid(unknown[0] ?? 'body', 'campo desconhecido');
  return { tenantId, phone, flaskUrl, empresaIdType };
}

/** The Flask base URL, without a trailing slash (the webhook path is appended); null when it is not one. */
export function parseBaseUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 1024) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) return null;
  return url.toString().replace(/\/+$/, '');
}

/** The legacy send body `{phone, message}`: the recipient's JID (digits get `@s.whatsapp.net`) and the text. */
export function parseSendBody(body: unknown, recipientJid: (input: string) => string | null): { recipient: string; message: string } {
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const phone = object['phone'];
  const message = object['message'];
  const present = (v: unknown) => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number';
  if (!present(phone) || !present(message)) throw compatErrors.invalid(!present(phone) ? 'phone' : 'message', 'é obrigatório');
  if (typeof message !== 'string') throw compatErrors.invalid('message', 'deve ser um texto');
  if (message.length > 65_536) throw compatErrors.invalid('message', 'tem mais de 65536 caracteres');
  const recipient = recipientJid(String(phone));
  if (!recipient) throw compatErrors.invalid('phone', 'não é um número de telefone (8 a 15 dígitos) nem um JID do WhatsApp');
  return { recipient, message };
}
