/**
 * What the store keeps beside its chats, on both dialects: `@lid` aliases (one chat per person), annotations
 * (reactions, votes, edits, deletions, early receipts) and each number's backfill record.
 */
import { describe, expect, it } from '@jest/globals';
import type { AnnotationRow, SyncRow } from '../../src/db/schema.js';
import { conversationStores, incoming, person } from '../helpers/conversation-stores.js';
import { DIALECTS, dialectDatabases } from '../helpers/dialects.js';

const open = dialectDatabases('notes');
const A = '5511900000001';
const B = '5511900000002';
const reaction = (actor: string, emoji: string, at: number, targetWaId = '3A01'): AnnotationRow => ({ phoneNumber: A, targetWaId, kind: 'reaction', actor, value: { emoji }, at });

describe.each(DIALECTS)('conversation aliases on %s', (dialect) => {
  it('learn an @lid once, say when it is new or names another person, and merge its chat into the phone JID', async () => {
    const { aliases, chats, chatReads } = conversationStores(await open(dialect));
    expect(await aliases.jidOf(A, '77@lid')).toBeUndefined();
    expect(await aliases.put(A, '77@lid', '5511800000001@s.whatsapp.net')).toBe(true);
    expect(await aliases.put(A, '77@lid', '5511800000001@s.whatsapp.net')).toBe(false);
    expect(await aliases.jidOf(A, '77@lid')).toBe('5511800000001@s.whatsapp.net');
    expect(await aliases.jidOf(B, '77@lid')).toBeUndefined();
    expect(await aliases.put(A, '77@lid', '5511800000002@s.whatsapp.net')).toBe(true);
    expect(await aliases.jidOf(A, '77@lid')).toBe('5511800000002@s.whatsapp.net');

    // A chat first seen as its @lid joins the phone JID's chat once the pair is known (what ChatIdentities does).
    const fromLid = await chats.bump({ phoneNumber: A, chatKey: '78@lid', altJid: null, type: 'direct', name: 'Carla' }, incoming(10));
    const target = await chats.bump(person(A, '5511800000003'), incoming(20));
    expect(await aliases.put(A, '78@lid', target.chatKey)).toBe(true);
    await chats.delete(A, '78@lid');
    await chats.update(A, target.chatKey, { altJid: '78@lid', name: target.name ?? fromLid.name, unread: target.unread + fromLid.unread, updatedAt: 30 });
    const list = await chatReads.list({ phoneNumbers: [A], limit: 10 });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ chatKey: target.chatKey, altJid: '78@lid', name: 'Carla', unread: 2 });
    expect(await chatReads.byAlt(A, '78@lid')).toEqual(list[0]);
    expect(await aliases.deleteForNumber(A)).toBe(2);
    expect(await aliases.jidOf(A, '78@lid')).toBeUndefined();
  });
});

describe.each(DIALECTS)('conversation annotations on %s', (dialect) => {
  it('keep one reaction per person (the newest wins) and take one back only when it is not newer', async () => {
    const { annotations, annotationReads } = conversationStores(await open(dialect));
    expect(await annotations.put(reaction('ana', '👍', 10))).toBe(true);
    expect(await annotations.put(reaction('bia', '❤️', 20))).toBe(true);
    expect(await annotations.put(reaction('ana', '😂', 30))).toBe(true);
    expect(await annotations.put(reaction('ana', '😮', 25))).toBe(false);
    expect(await annotationReads.forTargets(A, ['3A01'])).toEqual([reaction('bia', '❤️', 20), reaction('ana', '😂', 30)]);
    expect(await annotations.remove(A, '3A01', 'reaction', 'ana', 29)).toBe(false);
    expect(await annotations.remove(A, '3A01', 'reaction', 'ana', 30)).toBe(true);
    expect(await annotations.forTargets(A, ['3A01'])).toEqual([reaction('bia', '❤️', 20)]);
    expect(await annotationReads.forTargets(B, ['3A01'])).toEqual([]);
    expect(await annotationReads.forTargets(A, [])).toEqual([]);
  });

  it('keep edits, deletions, votes and early receipts of several targets, whether or not the target is stored', async () => {
    const { annotations, annotationReads } = conversationStores(await open(dialect));
    const edit: AnnotationRow = { phoneNumber: A, targetWaId: '3A02', kind: 'edit', actor: '', value: { text: 'olá, de novo ✓' }, at: 40 };
    const vote: AnnotationRow = { phoneNumber: A, targetWaId: '3A03', kind: 'vote', actor: 'ana', value: { options: ['b', 'a'] }, at: 50 };
    const receipt: AnnotationRow = { phoneNumber: A, targetWaId: '3A04', kind: 'receipt', actor: 'read', value: {}, at: 60 };
    for (const row of [edit, vote, receipt, reaction('ana', '👍', 70, '3A02')]) expect(await annotations.put(row)).toBe(true);
    expect(await annotations.put({ ...edit, value: { text: 'older' }, at: 35 })).toBe(false);
    expect(await annotationReads.forTargets(A, ['3A02', '3A03', '3A04', '3A99'])).toEqual([edit, vote, receipt, reaction('ana', '👍', 70, '3A02')]);
    expect(await annotations.deleteReceiptsBefore(61)).toBe(1);
    expect(await annotations.deleteBefore(45)).toBe(1);
    expect(await annotationReads.forTargets(A, ['3A02', '3A03', '3A04'])).toEqual([vote, reaction('ana', '👍', 70, '3A02')]);
    expect(await annotations.deleteForNumber(A)).toBe(2);
  });
});

describe.each(DIALECTS)('backfill records on %s', (dialect) => {
  it('keep a number’s progress, list the unfinished ones, and go with the number', async () => {
    const { syncs, syncReads } = conversationStores(await open(dialect));
    const row: SyncRow = {
      phoneNumber: A,
      state: 'queued',
      since: 1_700_000_000_000,
      until: 1_700_086_400_000,
      chats: null,
      chatIndex: 0,
      offset: 0,
      messagesSeen: 0,
      messagesAdded: 0,
      error: null,
      requestedAt: 1_700_086_400_000,
      startedAt: null,
      finishedAt: null,
      lastDoneAt: null,
      updatedAt: 1_700_086_400_000,
    };
    expect(await syncReads.get(A)).toBeUndefined();
    await syncs.put(row);
    await syncs.put({ ...row, phoneNumber: B, state: 'done', finishedAt: 5 });
    const running = await syncs.update(A, { state: 'running', chats: ['1@s.whatsapp.net', '2@g.us'], chatIndex: 1, offset: 100, messagesSeen: 150, messagesAdded: 120 });
    expect(running).toEqual({ ...row, state: 'running', chats: ['1@s.whatsapp.net', '2@g.us'], chatIndex: 1, offset: 100, messagesSeen: 150, messagesAdded: 120 });
    expect(await syncReads.get(A)).toEqual(running);
    expect(await syncs.unfinished()).toEqual([running]);
    expect(await syncs.update('5511900000009', { state: 'failed' })).toBeUndefined();
    await syncs.put({ ...row, state: 'failed', error: 'the child refused' });
    expect(await syncs.get(A)).toMatchObject({ state: 'failed', error: 'the child refused', chats: null, offset: 0 });
    expect(await syncs.unfinished()).toEqual([]);
    await syncs.deleteForNumber(A);
    expect(await syncReads.get(A)).toBeUndefined();
    expect(await syncReads.get(B)).toMatchObject({ state: 'done' });
  });
});
