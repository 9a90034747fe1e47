import type { MessageView } from '../../conversations/views.js';
import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ChatwootJobRow, ChatwootLinkRow, StoredMessageRow, SyncedState } from '../../db/schema.js';
import type { ActiveBinding, Bindings } from '../bindings/bindings.js';
import { ChatwootError } from '../client/errors.js';
import type { MessageDraft } from '../client/types.js';
import type { StepOutcome } from '../queue/job-queue.js';
import { parseReplyKey } from '../to-whatsapp/reply-key.js';
import { ignores } from './chat-filter.js';
import type { ChatFacts, ContactSync } from './contacts.js';
import { postOnce } from './post-once.js';
import { CW_STATUS, draftOf, fileNameOf, messageSourceId, statusRank } from './render.js';
import type { StoreReader } from './store-reader.js';

export interface MessageSyncDeps {
  readonly bindings: Bindings;
  readonly state: ChatwootStateStore;
  readonly store: StoreReader;
  readonly contacts: ContactSync;
  readonly maxAttachmentBytes: number;
}

const DONE: StepOutcome = { kind: 'done' };

/**
 * The `message` step: make Chatwoot show one stored message as it is now. New → posted once (contact and
 * conversation found or made, attachments as multipart with their types, replies threaded); already there → each
 * change not shown yet: an edit (a threaded note), a deletion (deleted in Chatwoot), new reactions, a better
 * status (delivered, read, failed with the reason). What is shown is written after each call, so a retry repeats
 * nothing. Agents' own replies (sent through the outbox with our Idempotency-Key) are never posted back.
 */
export class MessageSync {
  constructor(private readonly deps: MessageSyncDeps) {}

  readonly handle = async (job: ChatwootJobRow): Promise<StepOutcome> => {
    const binding = this.deps.bindings.get(job.phoneNumber);
    const found = this.deps.store.message(job.ref);
    if (!binding || !found || found.row.phoneNumber !== job.phoneNumber) return DONE;
    const { row, view } = found;
    if (ignores(binding.options, view.chatId)) return DONE;
    const link = (await this.linkOf(binding, row)) ?? (await this.agentReplyLink(binding, row));
    if (!link) return this.create(binding, row, view);
    await this.reflect(binding, link, row, view);
    return DONE;
  };

  private async linkOf(binding: ActiveBinding, row: StoredMessageRow): Promise<ChatwootLinkRow | undefined> {
    const byId = await this.deps.state.link(binding.phoneNumber, row.id);
    if (byId) return byId;
    // The same WhatsApp message stored again under another id (a history copy gave way): it is the same message.
    return row.waId ? this.deps.state.linkByWaId(binding.phoneNumber, row.waId) : undefined;
  }

  /** A message the outbox sent for an agent: the reply step links it, but this step may run first. */
  private async agentReplyLink(binding: ActiveBinding, row: StoredMessageRow): Promise<ChatwootLinkRow | undefined> {
    if (row.source !== 'api') return undefined;
    const reply = parseReplyKey(this.deps.store.idempotencyKeyOf(row.id));
    if (!reply || reply.accountId !== binding.row.accountId) return undefined;
    return this.deps.state.putLink({ phoneNumber: binding.phoneNumber, storeId: row.id, waId: row.waId, conversationId: reply.conversationId, messageId: reply.messageId, origin: 'chatwoot', synced: {} });
  }

  private async create(binding: ActiveBinding, row: StoredMessageRow, view: MessageView): Promise<StepOutcome> {
    // Ours and not sent yet (queued), or never sent: its next status change brings it back here.
    if (!row.waId) return DONE;
    // Gone before it was ever shown: nothing to show.
    if (view.deleted) return DONE;
    const { conversationId } = await this.conversation(binding, view);
    const draft = await this.withFile(draftOf(view, binding.options, messageSourceId(row.waId)), row, view);
    const messageId = await this.post(binding, view, conversationId, draft);
    const link = await this.deps.state.putLink({
      phoneNumber: binding.phoneNumber,
      storeId: row.id,
      waId: row.waId,
      conversationId,
      messageId,
      origin: 'whatsapp',
      // The text already is the edited one; reactions and the status it has are shown next, as changes.
      synced: { editedAt: row.editedAt, deleted: false, reactions: [], status: view.direction === 'out' ? 'sent' : null },
    });
    await this.reflect(binding, link, row, view);
    return DONE;
  }

  private async reflect(binding: ActiveBinding, link: ChatwootLinkRow, row: StoredMessageRow, view: MessageView): Promise<void> {
    if (!link.waId && row.waId) await this.deps.state.updateLink(binding.phoneNumber, link.storeId, { waId: row.waId });
    let synced: SyncedState = link.synced;
    const save = async (patch: SyncedState) => {
      synced = { ...synced, ...patch };
      await this.deps.state.updateLink(binding.phoneNumber, link.storeId, { synced });
    };
    if (view.deleted === 'everyone' && !synced.deleted) {
      await this.ignoreMissing(binding.client.deleteMessage(link.conversationId, link.messageId));
      await save({ deleted: true });
      return;
    }
    if (link.origin === 'whatsapp' && row.editedAt && row.editedAt !== synced.editedAt && row.waId) {
      const draft = draftOf(view, binding.options, `${messageSourceId(row.waId)}:edit:${row.editedAt}`, { in_reply_to: link.messageId });
      await postOnce(this.deps.state, binding, link.conversationId, { ...draft, content: `✏️ ${draft.content ?? ''}`.trim() });
      await save({ editedAt: row.editedAt });
    }
    const shown = new Set(synced.reactions ?? []);
    for (const reaction of view.reactions) {
      const key = `${reaction.sender}|${reaction.emoji}`;
      if (shown.has(key) || !row.waId) continue;
      const own = reaction.sender === '' || reaction.sender.startsWith(`${binding.phoneNumber}@`);
      await postOnce(this.deps.state, binding, link.conversationId, {
        content: reaction.emoji,
        messageType: own ? 'outgoing' : 'incoming',
        private: own && binding.options.ownMessages === 'private_note',
        sourceId: `${messageSourceId(row.waId)}:reaction:${key}`,
        contentAttributes: { external_echo: true, in_reply_to: link.messageId, is_reaction: true },
      });
      shown.add(key);
      await save({ reactions: [...shown] });
    }
    if (view.direction === 'out') await this.reflectStatus(binding, { ...link, synced }, view);
  }

  /** Delivered, read, failed (with the reason): forward only, as Chatwoot itself never goes back from read. */
  private async reflectStatus(binding: ActiveBinding, link: ChatwootLinkRow, view: MessageView): Promise<void> {
    const status = CW_STATUS[view.status];
    if (!status || statusRank(status) <= statusRank(link.synced.status)) return;
    if (status === 'sent') {
      // Chatwoot's own starting status: nothing to tell it.
      await this.deps.state.updateLink(binding.phoneNumber, link.storeId, { synced: { ...link.synced, status } });
      return;
    }
    await this.ignoreMissing(binding.client.updateMessageStatus(link.conversationId, link.messageId, status, status === 'failed' ? (view.error ?? 'not delivered to WhatsApp') : undefined));
    await this.deps.state.updateLink(binding.phoneNumber, link.storeId, { synced: { ...link.synced, status } });
  }

  private async conversation(binding: ActiveBinding, view: MessageView): Promise<{ conversationId: number }> {
    const chat = this.deps.store.chat(binding.phoneNumber, view.chatId);
    const facts: ChatFacts = { chatKey: view.chatId, altJid: chat?.altJid ?? null, name: chat?.name ?? (view.direction === 'in' && view.chatType === 'direct' ? (view.sender?.name ?? null) : null) };
    try {
      return await this.deps.contacts.conversationFor(binding, facts);
    } catch (err) {
      // Deleted in Chatwoot since we made it: made again on the retry.
      if (err instanceof ChatwootError && err.status === 404) await this.deps.contacts.forgetContact(binding.phoneNumber, view.chatId);
      throw err;
    }
  }

  private async post(binding: ActiveBinding, view: MessageView, conversationId: number, draft: MessageDraft): Promise<number> {
    try {
      return await postOnce(this.deps.state, binding, conversationId, draft);
    } catch (err) {
      if (err instanceof ChatwootError && err.status === 404) {
        await this.deps.contacts.forgetConversation(binding.phoneNumber, view.chatId);
        throw new ChatwootError('http', `conversation ${conversationId} is gone in Chatwoot; a new one is opened on the retry`, 503);
      }
      throw err;
    }
  }

  /** The message's file as a multipart attachment; a file WhatsApp no longer has (or too large) becomes a line of text. */
  private async withFile(draft: MessageDraft, row: StoredMessageRow, view: MessageView): Promise<MessageDraft> {
    if (!view.media) return draft;
    const file = await this.deps.store.mediaOf(row, this.deps.maxAttachmentBytes);
    if (!file.ok) {
      if (file.retry) throw new ChatwootError('network', `the file of message ${row.id} cannot be fetched now: ${file.reason}`);
      return { ...draft, content: [draft.content, `(${view.media.kind}: ${file.reason})`].filter(Boolean).join('\n') };
    }
    const mime = view.media.mime && view.media.mime !== 'application/octet-stream' ? view.media.mime : file.mime;
    return { ...draft, attachments: [{ fileName: file.fileName ?? fileNameOf(view, mime), mime, bytes: file.bytes }] };
  }

  private async ignoreMissing(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (err) {
      // The message (or its conversation) was deleted in Chatwoot: nothing left to update.
      if (err instanceof ChatwootError && err.status === 404) return;
      throw err;
    }
  }
}
