import type { ListPosition } from '../db/repositories/conversations.js';

/**
 * Opaque keyset cursors: a position in a list, never an offset, so messages arriving in between never shift a
 * page. Inside, base64url of `<kind>.<fields>`; a cursor is only valid for the kind of list it came from.
 */
export type CursorKind = 'messages' | 'chats' | 'search';

const TAG: Record<CursorKind, string> = { messages: 'm', chats: 'c', search: 's' };
const MAX_LENGTH = 400;

const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function decode(kind: CursorKind, cursor: string): string[] | null {
  if (cursor.length === 0 || cursor.length > MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const [tag, ...fields] = Buffer.from(cursor, 'base64url').toString('utf8').split('\u0001');
  return tag === TAG[kind] ? fields : null;
}

const KEY = /^[0-9a-z]{1,12}$/;

/** A message position (messages and search pages walk the same time-ordered key). */
export function keyCursor(kind: 'messages' | 'search', key: number): string {
  return encode(`${TAG[kind]}\u0001${key.toString(36)}`);
}

export function parseKeyCursor(kind: 'messages' | 'search', cursor: string): number | null {
  const fields = decode(kind, cursor);
  const [key] = fields ?? [];
  if (fields?.length !== 1 || !key || !KEY.test(key)) return null;
  const value = parseInt(key, 36);
  return Number.isSafeInteger(value) ? value : null;
}

export function chatCursor(position: ListPosition): string {
  return encode([TAG.chats, position.lastKey.toString(36), position.phoneNumber, position.chatKey].join('\u0001'));
}

export function parseChatCursor(cursor: string): ListPosition | null {
  const fields = decode('chats', cursor);
  if (fields?.length !== 3) return null;
  const [key = '', phoneNumber = '', chatKey = ''] = fields;
  if (!KEY.test(key) || !/^[0-9]{8,15}$/.test(phoneNumber) || chatKey.length === 0 || chatKey.length > 100) return null;
  const lastKey = parseInt(key, 36);
  return Number.isSafeInteger(lastKey) ? { lastKey, phoneNumber, chatKey } : null;
}
