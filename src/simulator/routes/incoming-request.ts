/**
 * Reads a `/_sim/incoming` body into an IncomingRequest: who sends (a phone number or JID, a `@lid` JID,
 * or this number's own phone with `is_from_me`), in which chat (the sender's, or `chat_id`: a group, a
 * recipient), and the kind-specific fields, with defaults so a test names only what it cares about.
 */
import { INCOMING_TYPES, TARGET_FIELDS, type IncomingRequest, type IncomingType, type Party } from '../core/incoming.js';
import { isMediaKind } from '../core/media.js';
import type { ContactCard } from '../core/message-content.js';
import { isGroupJid, isLidJid, toJid, toLid } from '../core/phone.js';
import type { Slot } from '../core/slot.js';
import { fieldBool, fieldNumber, fieldString, fieldStrings } from '../http/body.js';
import { validate } from '../http/errors.js';

const DEFAULT_FROM = '6289876543210';
const MAX_COUNT = 10_000;
const MAX_MEDIA_BYTES = 100_000_000;

type Fields = Record<string, unknown>;

function contactCards(fields: Fields): ContactCard[] {
  const list = fields.contacts;
  if (!Array.isArray(list)) return [{ name: 'Alice', phone: '6281234567890' }, { name: 'Bob', phone: '6281398765432' }];
  return list.map((item) => {
    const card = (item ?? {}) as Fields;
    return { name: fieldString(card, 'name'), phone: fieldString(card, 'phone').replace(/^\+/, '') };
  });
}

function parties(slot: Slot, fields: Fields, isFromMe: boolean): { sender: Party; chat: Party } {
  const fromRaw = fieldString(fields, 'from') || DEFAULT_FROM;
  const fromLid = fieldString(fields, 'from_lid');
  const name = fieldString(fields, 'from_name') || fieldString(fields, 'push_name') || 'Sim Contact';
  let sender: Party;
  if (isFromMe) sender = { jid: slot.record.jid, lid: fromLid ? toLid(fromLid) : undefined, name: slot.record.displayName };
  else if (isLidJid(fromRaw)) sender = { jid: fromRaw, lid: fromRaw, name };
  else sender = { jid: toJid(fromRaw), lid: fromLid ? toLid(fromLid) : undefined, name };
  const chatRaw = fieldString(fields, 'chat_id');
  const chatLid = fieldString(fields, 'chat_lid');
  const chatName = fieldString(fields, 'chat_name');
  if (chatRaw === '') return { sender, chat: { jid: sender.jid, lid: sender.lid, name: chatName || sender.name } };
  const jid = toJid(chatRaw);
  const group = isGroupJid(jid);
  const lid = chatLid ? toLid(chatLid) : isLidJid(jid) ? jid : !group && jid === sender.jid ? sender.lid : undefined;
  return { sender, chat: { jid, lid, name: chatName || (group || isFromMe ? '' : sender.name) } };
}

export function readIncoming(slot: Slot, fields: Fields): IncomingRequest {
  const type = (fieldString(fields, 'type') || 'text') as IncomingType;
  const count = fieldNumber(fields, 'count') ?? 1;
  const isFromMe = fieldBool(fields, 'is_from_me');
  const targetKey = TARGET_FIELDS[type];
  const targetId = targetKey ? fieldString(fields, targetKey) : '';
  const timestamp = fieldString(fields, 'timestamp');
  const at = timestamp === '' ? undefined : new Date(timestamp);
  const dataBase64 = fieldString(fields, 'data_base64');
  const size = fieldNumber(fields, 'size');
  const latitude = fieldNumber(fields, 'latitude') ?? -6.2088;
  const longitude = fieldNumber(fields, 'longitude') ?? 106.8456;
  const options = fieldStrings(fields, 'options');
  const maxAnswer = fieldNumber(fields, 'max_answer') ?? 1;
  validate([
    [INCOMING_TYPES.includes(type), 'type', `must be one of ${INCOMING_TYPES.join(', ')}`],
    [Number.isInteger(count) && count >= 1 && count <= MAX_COUNT, 'count', `must be between 1 and ${MAX_COUNT}`],
    [!targetKey || targetId !== '', targetKey ?? '', 'cannot be blank'],
    [!isFromMe || fieldString(fields, 'chat_id') !== '', 'chat_id', 'cannot be blank when is_from_me is set'],
    [at === undefined || !Number.isNaN(at.getTime()), 'timestamp', 'must be an RFC 3339 time'],
    [size === undefined || (Number.isInteger(size) && size >= 0 && size <= MAX_MEDIA_BYTES), 'size', `must be between 0 and ${MAX_MEDIA_BYTES}`],
    [dataBase64 === '' || /^[A-Za-z0-9+/]*={0,2}$/.test(dataBase64), 'data_base64', 'must be base64'],
    [Number.isFinite(latitude) && Math.abs(latitude) <= 90, 'latitude', 'must be a valid latitude'],
    [Number.isFinite(longitude) && Math.abs(longitude) <= 180, 'longitude', 'must be a valid longitude'],
    [Number.isInteger(maxAnswer) && maxAnswer >= 1, 'max_answer', 'must be an integer of at least 1'],
    [!isGroupJid(toJid(fieldString(fields, 'from') || DEFAULT_FROM)), 'from', 'must be a person, not a group (put the group in chat_id)'],
  ]);
  const { sender, chat } = parties(slot, fields, isFromMe);
  const contacts = type === 'contact' && fieldString(fields, 'contact_name') !== ''
    ? [{ name: fieldString(fields, 'contact_name'), phone: fieldString(fields, 'contact_phone').replace(/^\+/, '') }]
    : contactCards(fields);
  return {
    type, sender, chat, isFromMe, count, at,
    body: fieldString(fields, 'body') || (type === 'edited' ? 'edited message' : 'Hello from the stand-in'),
    caption: fieldString(fields, 'caption'),
    filename: fieldString(fields, 'filename') || 'document.pdf',
    data: isMediaKind(type) && dataBase64 !== '' ? Buffer.from(dataBase64, 'base64') : undefined,
    size,
    location: { latitude, longitude, name: fieldString(fields, 'location_name'), address: fieldString(fields, 'address') },
    contacts,
    poll: { question: fieldString(fields, 'question') || 'Sim poll?', options: options.length > 0 ? options : ['Yes', 'No'], maxAnswer },
    selected: fieldStrings(fields, 'selected_options'),
    reaction: fields.reaction === '' ? '' : fieldString(fields, 'reaction') || '👍',
    targetId,
    revokedFromMe: fieldBool(fields, 'revoked_from_me'),
    repliedToId: fieldString(fields, 'replied_to_id'),
    quotedBody: fieldString(fields, 'quoted_body'),
    forwarded: fieldBool(fields, 'forwarded'),
    viewOnce: fieldBool(fields, 'view_once'),
  };
}
