/**
 * Reading a message from request params, JSON or multipart alike (text fields arrive as strings there, and
 * `content_attributes` as a JSON string). Invalid enum values and unparsable JSON are 422 `{error}`, as every
 * StandardError of the messages controller is.
 */
import type { Services } from '../app.js';
import { errors } from '../domain/errors.js';
import { CONTENT_TYPES, MESSAGE_TYPES, type ContentType, type JsonObject, type MessageType, type SenderRef } from '../domain/records.js';
import { bool, files, int, obj, str, strOrNull, type Params } from '../http/params.js';
import type { Principal } from '../services/access.js';
import type { MessageInput } from '../services/messages.js';

export function messageType(value: unknown, fallback: MessageType): MessageType {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number' && MESSAGE_TYPES[value]) return MESSAGE_TYPES[value];
  if (typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value)) return value as MessageType;
  throw errors.unprocessable(`'${String(value)}' is not a valid message_type`);
}

function contentType(value: unknown): ContentType {
  if (value === undefined || value === null || value === '') return 'text';
  if (typeof value === 'string' && (CONTENT_TYPES as readonly string[]).includes(value)) return value as ContentType;
  throw errors.unprocessable(`'${String(value)}' is not a valid content_type`);
}

export function contentAttributes(value: unknown): JsonObject {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw errors.unprocessable(`unexpected token at '${value}'`);
    }
    return obj(parsed) ?? {};
  }
  return obj(value) ?? {};
}

/** The Application API's message params; the sender is the token's owner, or the bot named by sender_type/sender_id. */
export function applicationMessage(s: Services, principal: Principal, accountId: number, params: Params): Omit<MessageInput, 'sender'> & { sender: SenderRef } {
  let sender = s.access.senderOf(principal);
  if (str(params, 'sender_type') === 'AgentBot') {
    const bot = s.store.state.bots.get(int(params.sender_id) ?? -1);
    if (bot && (bot.accountId === null || bot.accountId === accountId)) sender = { type: 'AgentBot', id: bot.id };
  }
  return {
    content: strOrNull(params, 'content') ?? null,
    messageType: messageType(params.message_type, 'outgoing'),
    private: bool(params.private) ?? false,
    contentType: contentType(params.content_type),
    contentAttributes: contentAttributes(params.content_attributes),
    sourceId: strOrNull(params, 'source_id') ?? null,
    sender,
    files: files(params.attachments),
  };
}
