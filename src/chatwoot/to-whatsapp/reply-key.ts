/**
 * The Idempotency-Key an agent's reply is sent with: `chatwoot:<account>:<conversation>:<message>:<part>`. The
 * outbox sends a key once, so a webhook delivered twice, a replayed step or a restart mid-send sends nothing
 * twice; and the bridge recognises its own sends by it (never posted back to Chatwoot).
 */
export interface ReplyKey {
  readonly accountId: number;
  readonly conversationId: number;
  readonly messageId: number;
  readonly part: number;
}

const KEY = /^chatwoot:([0-9]{1,12}):([0-9]{1,12}):([0-9]{1,15}):([0-9]{1,3})$/;

export function replyKey(key: ReplyKey): string {
  return `chatwoot:${key.accountId}:${key.conversationId}:${key.messageId}:${key.part}`;
}

export function parseReplyKey(value: string | null | undefined): ReplyKey | null {
  const match = KEY.exec(value ?? '');
  if (!match) return null;
  return { accountId: Number(match[1]), conversationId: Number(match[2]), messageId: Number(match[3]), part: Number(match[4]) };
}
