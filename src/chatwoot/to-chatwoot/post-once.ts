import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ActiveBinding } from '../bindings/bindings.js';
import type { MessageDraft } from '../client/types.js';

/**
 * Creates a Chatwoot message at most once per source id (Chatwoot never deduplicates on `source_id`): the attempt
 * is written first; an attempt whose answer never came (timeout, gateway killed) is settled by looking for its
 * source id in the conversation (`GET …/messages?after=`) before anything is posted again.
 */
export async function postOnce(state: ChatwootStateStore, binding: ActiveBinding, conversationId: number, draft: MessageDraft): Promise<number> {
  const phone = binding.phoneNumber;
  const earlier = await state.post(phone, draft.sourceId);
  if (earlier?.messageId) return earlier.messageId;
  if (earlier) {
    const found = await findBySource(binding, earlier.conversationId, earlier.afterId, draft.sourceId);
    if (found !== null) {
      await state.settlePost(phone, draft.sourceId, found);
      return found;
    }
  }
  await state.intendPost(phone, draft.sourceId, conversationId);
  const created = await binding.client.createMessage(conversationId, draft);
  await state.settlePost(phone, draft.sourceId, created.id);
  return created.id;
}

async function findBySource(binding: ActiveBinding, conversationId: number, afterId: number, sourceId: string): Promise<number | null> {
  let after = afterId;
  // `after` answers at most 100 at a time; an attempt is rarely more than a page behind.
  for (let page = 0; page < 10; page++) {
    const messages = await binding.client.messages(conversationId, after > 0 ? after : undefined);
    const hit = messages.find((m) => m.source_id === sourceId);
    if (hit) return hit.id;
    if (after === 0 || messages.length < 100) return null;
    after = Math.max(...messages.map((m) => m.id));
  }
  return null;
}
