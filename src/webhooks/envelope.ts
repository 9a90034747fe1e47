import type { RecordedEvent } from '../events/feed-message.js';
import { isObject } from '../events/normalize.js';

/**
 * The body every outbound webhook carries. `id` is unique per event (also in `X-Event-Id`, for deduplication:
 * delivery is at-least-once); `seq` numbers the events of one number; `type` is the child's webhook event
 * (`message`, `message.ack`, `group.participants`, …) or a gateway event (`device.state`, `device.session`).
 */
export interface OutboundEnvelope {
  readonly id: string;
  readonly type: string;
  readonly phoneNumber: string;
  readonly seq: number;
  readonly timestamp: string;
  readonly payload: Record<string, unknown>;
}

export function outboundEnvelope(event: RecordedEvent): OutboundEnvelope {
  const { message } = event;
  return {
    id: message.eventId,
    type: message.event,
    phoneNumber: event.phoneNumber,
    seq: message.seq,
    timestamp: message.at,
    payload: payloadOf(event),
  };
}

function payloadOf({ message }: RecordedEvent): Record<string, unknown> {
  switch (message.type) {
    case 'message':
    case 'ack':
      return message.payload;
    case 'raw': {
      // A webhook event without a shape of its own: the child's payload, untouched.
      const raw = isObject(message.raw) ? message.raw : {};
      return isObject(raw['payload']) ? raw['payload'] : raw;
    }
    case 'status':
      return { change: message.change, from: message.from, to: message.to, reason: message.reason };
    case 'ready':
      return { change: 'session', to: 'logged_in', jid: message.jid };
    case 'logged_out':
      return { change: 'session', to: 'logged_out' };
    case 'qr':
      return { qr: message.qr, expiresAt: message.expiresAt };
    case 'outgoing': {
      const { messageId, status, to, waMessageId, error, via, content } = message;
      return { messageId, status, to, waMessageId, error, via, ...(content ? { content } : {}) };
    }
    case 'chat':
      return { change: message.change, chatId: message.chatId };
    case 'bound':
      return { change: 'bound', pendingId: message.pendingId };
    case 'sync': {
      const { type: _type, seq: _seq, eventId: _eventId, phoneNumber: _phone, source: _source, event: _event, at: _at, ...progress } = message;
      return { ...progress };
    }
  }
}
