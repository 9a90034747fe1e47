/**
 * What the Chatwoot bridge knows of Chatwoot's side, on both dialects: one contact per chat (its conversation and
 * status kept for the reopen policy), each created message written before the call and settled after (so an
 * unanswered create is looked for, not repeated), one link per stored message, and the history an import reads.
 */
import { describe, expect, it } from '@jest/globals';
import { A, B, stateStore, storedMessage } from '../helpers/chatwoot-stores.js';
import { DIALECTS, dialectDatabases } from '../helpers/dialects.js';

const open = dialectDatabases('cwstate');
const CHAT = '5511988887777@s.whatsapp.net';
const contact = (phoneNumber: string, over: Record<string, unknown> = {}) => ({ phoneNumber, chatKey: CHAT, contactId: 5, sourceId: `wamp:${CHAT}`, conversationId: null, conversationStatus: null, ...over });

describe.each(DIALECTS)('Chatwoot state on %s', (dialect) => {
  it('keeps one contact per chat: a second put changes it, its conversation and status follow Chatwoot', async () => {
    const d = await open(dialect);
    const state = stateStore(d);
    const first = await state.putContact(contact(A));
    await state.putContact(contact(B, { contactId: 99 }));
    const again = await state.putContact(contact(A, { contactId: 6 }));
    expect(again).toMatchObject({ phoneNumber: A, chatKey: CHAT, contactId: 6, createdAt: first.createdAt });
    await state.setConversation(A, CHAT, 31, 'open');
    expect(await state.contactOfConversation(A, 31)).toMatchObject({ chatKey: CHAT, contactId: 6, conversationId: 31, conversationStatus: 'open' });
    expect(await state.contactOfConversation(B, 31)).toBeUndefined();
    await state.setConversationStatus(A, 31, 'resolved');
    // A state kept by another store object (a restarted gateway) reads the same.
    expect(await stateStore(d).contact(A, CHAT)).toMatchObject({ conversationId: 31, conversationStatus: 'resolved' });
    await state.setConversation(A, CHAT, null, null);
    expect(await state.contact(A, CHAT)).toMatchObject({ conversationId: null, conversationStatus: null });
    await state.deleteContact(A, CHAT);
    expect(await state.contact(A, CHAT)).toBeUndefined();
    expect(await state.contact(B, CHAT)).toMatchObject({ contactId: 99 });
    expect(await state.contact(A, 'x\u0000y')).toBeUndefined();
  });

  it('writes each create before the call, with the newest message known there, and settles it after', async () => {
    const state = stateStore(await open(dialect));
    await state.intendPost(A, 'wamp:w1', 7);
    expect(await state.post(A, 'wamp:w1')).toMatchObject({ conversationId: 7, messageId: null, afterId: 0 });
    await state.settlePost(A, 'wamp:w1', 700);
    await state.intendPost(A, 'wamp:w2', 8);
    await state.settlePost(A, 'wamp:w2', 900);
    await state.intendPost(A, 'wamp:w3', 7);
    // Unanswered: look for it after message 700 of conversation 7 (900 is another conversation's).
    expect(await state.post(A, 'wamp:w3')).toMatchObject({ conversationId: 7, messageId: null, afterId: 700 });
    expect(await state.postedMessage(A, 700)).toBe(true);
    expect(await state.postedMessage(A, 701)).toBe(false);
    expect(await state.postedMessage(B, 700)).toBe(false);
    // A second attempt (after the conversation changed) keeps one row per source id.
    await state.intendPost(A, 'wamp:w3', 8);
    expect(await state.post(A, 'wamp:w3')).toMatchObject({ conversationId: 8, afterId: 900 });
    expect(await state.post(B, 'wamp:w3')).toBeUndefined();
  });

  it('keeps one link per stored message, found by its WhatsApp id too, with what Chatwoot shows of it', async () => {
    const state = stateStore(await open(dialect));
    await state.putLink({ phoneNumber: A, storeId: 'm1', waId: null, conversationId: 7, messageId: 70, origin: 'chatwoot', synced: {} });
    await state.updateLink(A, 'm1', { waId: 'W1' });
    await state.updateLink(A, 'm1', { synced: { status: 'delivered', reactions: ['a|👍'], editedAt: null } });
    expect(await state.link(A, 'm1')).toMatchObject({ waId: 'W1', conversationId: 7, messageId: 70, origin: 'chatwoot', synced: { status: 'delivered', reactions: ['a|👍'], editedAt: null } });
    expect(await state.linkByWaId(A, 'W1')).toMatchObject({ storeId: 'm1' });
    expect(await state.linkByWaId(B, 'W1')).toBeUndefined();
    await state.putLink({ phoneNumber: A, storeId: 'm1', waId: 'W1', conversationId: 8, messageId: 80, origin: 'whatsapp', synced: { deleted: true } });
    expect(await state.link(A, 'm1')).toMatchObject({ conversationId: 8, messageId: 80, origin: 'chatwoot', synced: { deleted: true } });
    await state.putLink({ phoneNumber: B, storeId: 'm1', waId: 'W1', conversationId: 1, messageId: 10, origin: 'whatsapp', synced: {} });
    expect(await state.link(B, 'm1')).toMatchObject({ messageId: 10 });
  });

  it('reads the store’s messages of a number from a key on, oldest first, by their public ids', async () => {
    const d = await open(dialect);
    const state = stateStore(d);
    await storedMessage(d, 4096, CHAT);
    await storedMessage(d, 2048, 'g1@g.us', 'out-1');
    await storedMessage(d, 1024, CHAT);
    await storedMessage(d, 5000, CHAT, null, B);
    expect(await state.storedSince(A, 2048)).toEqual([
      { id: 'out-1', chatKey: 'g1@g.us' },
      { id: `m${(4096).toString(36)}`, chatKey: CHAT },
    ]);
    expect(await state.storedSince(A, 0)).toHaveLength(3);
    expect(await state.storedSince(A, 10_000)).toEqual([]);
  });
});
