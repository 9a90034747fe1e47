/** Derived conversation values used by both the message and the conversation views. */
import type { Conversation } from '../domain/records.js';
import type { State } from '../store/state.js';

/** Incoming messages newer than the agent's last visit (`unread_incoming_messages`). */
export function unreadCount(state: State, conversation: Conversation): number {
  const since = conversation.agentLastSeenAt;
  return state.messagesOf(conversation).filter((m) => m.messageType === 'incoming' && (since === null || m.createdAt > since)).length;
}

export function sourceIdOf(state: State, conversation: Conversation): string | null {
  return state.contactInboxes.get(conversation.contactInboxId)?.sourceId ?? null;
}
