import type { CompatTenantRow, EmpresaIdType } from '../../db/schema.js';
import { isGroupJid, isLidJid, isPhoneJid, phoneOfJid } from '../../domain/jid.js';
import type { MessageView } from '../../conversations/views.js';

/**
 * The body Flask's `POST /webhook/whatsapp` takes, exactly as the legacy server posted it
 * (`{phone, message, message_type: 'texto', empresa_id}`), and the relay's optional fields when a flag adds
 * groups or media.
 */
export interface FlaskBody {
  readonly phone: string;
  readonly message: string;
  readonly message_type: string;
  readonly empresa_id: string | number;
  readonly media_url?: string | null;
  readonly media_filename?: string | null;
  readonly profile_name?: string | null;
  /** Group messages (FLASK_WEBHOOK_GROUPS): who wrote it, as bare digits (or an `@lid` WhatsApp did not resolve). */
  readonly participant?: string | null;
}

export interface FlaskOptions {
  readonly groups: boolean;
  readonly media: boolean;
  readonly defaultIdType: EmpresaIdType;
}

/** The relay's Portuguese message types (`message_type`). */
const MEDIA_TYPES: Partial<Record<MessageView['type'], string>> = { image: 'imagem', audio: 'audio', video: 'video', document: 'documento' };

/** `empresa_id` with the JSON type the tenant (or COMPAT_EMPRESA_ID_TYPE) says; a non-numeric id stays a string. */
export function empresaIdOf(tenant: Pick<CompatTenantRow, 'tenantId' | 'empresaIdType'>, defaultType: EmpresaIdType): string | number {
  const type = tenant.empresaIdType ?? defaultType;
  const number = Number(tenant.tenantId);
  return type === 'number' && /^[0-9]{1,15}$/.test(tenant.tenantId) && Number.isSafeInteger(number) ? number : tenant.tenantId;
}

/** A person as Flask knows them: bare digits; an `@lid` the store could not resolve to a phone stays as it is. */
function personOf(jid: string | null | undefined): string | null {
  if (!jid) return null;
  return phoneOfJid(jid) ?? (isLidJid(jid) ? jid : null);
}

/**
 * What Flask is told of a message the store just took, or null when it is none of Flask's business: only
 * incoming (never the number's own), live (not history), 1:1 text by default; groups and media by flag.
 * `chatId` is the store's merged chat: a person seen as `@lid` is their phone JID once WhatsApp revealed it.
 */
export function flaskBodyOf(message: MessageView, tenant: Pick<CompatTenantRow, 'tenantId' | 'empresaIdType'>, options: FlaskOptions, mediaUrl: (messageId: string) => string): FlaskBody | null {
  if (message.fromMe || message.source !== 'live' || message.deleted) return null;
  const group = isGroupJid(message.chatId);
  if (group ? !options.groups : !(isPhoneJid(message.chatId) || isLidJid(message.chatId))) return null;
  const mediaType = MEDIA_TYPES[message.type];
  if (message.type !== 'text' && !(options.media && mediaType)) return null;
  const phone = group ? message.chatId : personOf(message.chatId);
  if (!phone) return null;
  const body: FlaskBody = {
    phone,
    message: message.text ?? '',
    message_type: message.type === 'text' ? 'texto' : (mediaType ?? 'texto'),
    empresa_id: empresaIdOf(tenant, options.defaultIdType),
  };
  const extra: { -readonly [K in keyof FlaskBody]?: FlaskBody[K] } = {};
  if (group) extra.participant = personOf(message.sender?.jid) ?? personOf(message.sender?.lid);
  if (options.media) {
    extra.media_url = message.media ? mediaUrl(message.id) : null;
    extra.media_filename = message.media?.fileName ?? null;
  }
  if (group || options.media) extra.profile_name = message.sender?.name ?? null;
  return { ...body, ...extra };
}
