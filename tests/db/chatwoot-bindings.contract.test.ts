/**
 * Chatwoot bindings on both dialects: one per number and one number per inbox, found by number, webhook path and
 * inbox; a bind commits its row, its history import and its audit row together (in place on the same inbox, afresh
 * on another); unbinding takes everything the bridge kept for that number and nothing of another's, with its audit
 * row; a webhook delivery and a command are taken once, also when two gateways receive the same one at once.
 */
import { describe, expect, it } from '@jest/globals';
import type { HistoryImport } from '../../src/db/ports/chatwoot-bindings.js';
import { auditOn } from '../helpers/access-stores.js';
import { A, B, binding, bindingStore, jobStore, otherGateway, stateStore, step, storedMessage } from '../helpers/chatwoot-stores.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('cwbind');
const CHAT = '5511988887777@s.whatsapp.net';
/** The history import from `fromKey` on: one step per stored message, in its chat's lane. */
const history = (phoneNumber: string, fromKey = 0): HistoryImport => ({
  fromKey,
  steps: (stored) => stored.map(({ id, chatKey }) => step({ phoneNumber, ref: id, lane: `chat:${chatKey}`, payload: { history: true } })),
});
const steps = async (d: TestDatabase, phoneNumber: string) => (await jobStore(d).list({ phoneNumber, limit: 100, offset: 0 })).rows.map((r) => [r.ref, r.lane]).reverse();
const contactOf = (phoneNumber: string) => ({ phoneNumber, chatKey: CHAT, contactId: 5, sourceId: `wamp:${CHAT}`, conversationId: 7, conversationStatus: 'open' });
const command = (deliveryKey: string) => ({ deliveryKey, verdict: 'accepted' as const, reason: null, command: 'erga 7 1', sender: '+5585999999999', accountId: 1, inboxId: 7, conversationId: 3, phoneNumber: null });

describe.each(DIALECTS)('Chatwoot bindings on %s', (dialect) => {
  it('are found by number, webhook path and inbox, listed oldest first, and changed in place', async () => {
    const bindings = bindingStore(await open(dialect));
    const a = await bindings.insert({ ...binding(A), createdAt: 10, updatedAt: 10 });
    await bindings.insert({ ...binding(B), createdAt: 20, updatedAt: 20 });
    expect(a).toMatchObject({ phoneNumber: A, hookId: `hook-${A}`, inboxId: 1, outwardOnly: false, importPending: false, webhookSecret: null, options: binding(A).options });
    expect(await bindings.get(A)).toEqual(a);
    expect(await bindings.byHook(`hook-${A}`)).toEqual(a);
    expect(await bindings.byHook('hook-\u0000')).toBeUndefined();
    expect(await bindings.byInbox('https://chatwoot.example.com', 1, 1)).toEqual(a);
    expect(await bindings.byInbox('https://chatwoot.example.com', 2, 1)).toBeUndefined();
    expect((await bindings.list()).map((b) => b.phoneNumber)).toEqual([A, B]);
    const changed = await bindings.update(A, { importPending: true, options: { ...a.options, ignoreChats: ['x@g.us'] } });
    expect(changed).toMatchObject({ importPending: true, options: { ignoreChats: ['x@g.us'] }, createdAt: 10 });
    expect(changed!.updatedAt).toBeGreaterThan(10);
    expect(await bindings.update('5511999999999', { importPending: true })).toBeUndefined();
  });

  it('are unique: a number has one binding and an inbox one number, also when two gateways bind at once', async () => {
    const d = await open(dialect);
    const bindings = bindingStore(d);
    await bindings.insert(binding(A));
    expect(await refusal(bindings.insert({ ...binding(A), hookId: 'other', inboxId: 50 }))).toMatch(/unique|duplicate/i);
    expect(await refusal(bindings.insert({ ...binding(B), inboxId: 1 }))).toMatch(/unique|duplicate/i);
    expect(await refusal(bindings.insert({ ...binding(B), hookId: `hook-${A}` }))).toMatch(/unique|duplicate/i);
    const theirs = otherGateway(d).bindings;
    const race = await Promise.allSettled([bindings.insert({ ...binding(B), inboxId: 9 }), theirs.insert({ ...binding('5511900000003'), inboxId: 9 })]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await bindings.list()).filter((b) => b.inboxId === 9)).toHaveLength(1);
  });

  it('go with everything the bridge kept for their number, and nothing of another number', async () => {
    const d = await open(dialect);
    const [bindings, state, jobs] = [bindingStore(d), stateStore(d), jobStore(d)];
    for (const phone of [A, B]) {
      await bindings.insert(binding(phone));
      await state.putContact({ phoneNumber: phone, chatKey: '1@s.whatsapp.net', contactId: 5, sourceId: 'wamp:1@s.whatsapp.net', conversationId: 7, conversationStatus: 'open' });
      await state.intendPost(phone, 'wamp:w1', 7);
      await state.putLink({ phoneNumber: phone, storeId: 'm1', waId: 'w1', conversationId: 7, messageId: 70, origin: 'whatsapp', synced: {} });
      await jobs.enqueue(step({ ref: 'm1', phoneNumber: phone }));
      await bindings.receive(`delivery:${phone}:1`, phone);
    }
    expect(await bindings.deleteAll(A)).toBe(true);
    expect(await bindings.deleteAll(A)).toBe(false);
    expect(await bindings.get(A)).toBeUndefined();
    expect(await state.contact(A, '1@s.whatsapp.net')).toBeUndefined();
    expect(await state.post(A, 'wamp:w1')).toBeUndefined();
    expect(await state.link(A, 'm1')).toBeUndefined();
    expect((await jobs.list({ phoneNumber: A, limit: 10, offset: 0 })).total).toBe(0);
    expect(await bindings.receive(`delivery:${A}:1`, A)).toBe(true);
    expect(await bindings.get(B)).toBeDefined();
    expect(await state.contact(B, '1@s.whatsapp.net')).toBeDefined();
    expect(await state.link(B, 'm1')).toBeDefined();
    expect((await jobs.list({ phoneNumber: B, limit: 10, offset: 0 })).total).toBe(1);
    expect(await bindings.receive(`delivery:${B}:1`, B)).toBe(false);
  });

  it('bind in one commit with the history import and the audit row; the same inbox again is a change in place, another inbox starts afresh', async () => {
    const d = await open(dialect);
    const [bindings, state] = [bindingStore(d), stateStore(d)];
    const audit = auditOn(d);
    await storedMessage(d, 1024, CHAT);
    await storedMessage(d, 2048, 'g1@g.us', 'out-1');
    await storedMessage(d, 4096, CHAT);
    await storedMessage(d, 4096 + 1, CHAT, null, B);
    const first = audit.link('chatwoot.bind');
    const made = await bindings.bind({ row: { ...binding(A), importPending: false }, history: history(A, 2048) }, first);
    expect(made.row).toMatchObject({ phoneNumber: A, inboxId: 1, inboxName: 'Support', importPending: false });
    expect(made.queued.map((j) => j.ref)).toEqual(['out-1', `m${(4096).toString(36)}`]);
    expect(await steps(d, A)).toEqual([
      ['out-1', 'chat:g1@g.us'],
      [`m${(4096).toString(36)}`, `chat:${CHAT}`],
    ]);
    expect(first.ids).toEqual([1]);
    await state.putContact(contactOf(A));

    // The same inbox: changed in place, its creation time and import flag kept, nothing queued, nothing forgotten.
    const again = await bindings.bind({ row: { ...binding(A), inboxName: 'Renamed', importPending: true }, history: history(A) }, audit.link('chatwoot.bind'));
    expect(again.row).toMatchObject({ inboxName: 'Renamed', importPending: false, createdAt: made.row.createdAt });
    expect(again.queued).toEqual([]);
    expect(await steps(d, A)).toHaveLength(2);
    expect(await state.contact(A, CHAT)).toBeDefined();

    // Another inbox: what the bridge kept for the old one goes, the import runs again.
    const moved = await bindings.bind({ row: { ...binding(A), inboxId: 50, importPending: true }, history: null }, audit.link('chatwoot.bind'));
    expect(moved.row).toMatchObject({ inboxId: 50, importPending: true });
    expect(await state.contact(A, CHAT)).toBeUndefined();
    expect(await steps(d, A)).toEqual([]);
    expect(await bindings.byInbox('https://chatwoot.example.com', 1, 1)).toBeUndefined();
    expect((await audit.rows()).map((r) => r.action)).toEqual(['chatwoot.bind', 'chatwoot.bind', 'chatwoot.bind']);
  });

  it('write nothing for a bind onto an inbox another number has: no row, no step, no audit row, the old binding kept', async () => {
    const d = await open(dialect);
    const [bindings, state] = [bindingStore(d), stateStore(d)];
    const audit = auditOn(d);
    await storedMessage(d, 1024, CHAT, null, B);
    await bindings.bind({ row: binding(A), history: null });
    await bindings.bind({ row: binding(B), history: null });
    await state.putContact(contactOf(B));
    const refused = audit.link('chatwoot.bind');
    expect(await refusal(bindings.bind({ row: { ...binding(B), inboxId: 1 }, history: history(B) }, refused))).toMatch(/unique|duplicate/i);
    expect(refused.ids).toEqual([]);
    expect(await audit.rows()).toEqual([]);
    expect(await bindings.get(B)).toMatchObject({ inboxId: 2 });
    expect(await state.contact(B, CHAT)).toBeDefined();
    expect(await steps(d, B)).toEqual([]);
  });

  it('decide on the binding as another gateway left it: its bind of the same inbox is a change in place with no second import', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [bindingStore(d), otherGateway(d).bindings];
    await storedMessage(d, 1024, CHAT);
    await storedMessage(d, 2048, CHAT);
    expect((await mine.bind({ row: binding(A), history: history(A) })).queued).toHaveLength(2);
    const again = await theirs.bind({ row: { ...binding(A), inboxName: 'Theirs' }, history: history(A) });
    expect(again).toMatchObject({ row: { inboxName: 'Theirs' }, queued: [] });
    expect((await mine.list()).map((b) => [b.phoneNumber, b.inboxName])).toEqual([[A, 'Theirs']]);
    expect(await steps(d, A)).toHaveLength(2);
  });

  it('unbind with the audit row in the same commit, and write none when there was nothing to unbind', async () => {
    const d = await open(dialect);
    const bindings = bindingStore(d);
    const audit = auditOn(d);
    await bindings.bind({ row: binding(A), history: null });
    const unbind = audit.link('chatwoot.unbind');
    expect(await bindings.deleteAll(A, unbind)).toBe(true);
    expect(unbind.ids).toEqual([1]);
    const again = audit.link('chatwoot.unbind');
    expect(await bindings.deleteAll(A, again)).toBe(false);
    expect(again.ids).toEqual([]);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['chatwoot.unbind']);
  });

  it('take a webhook delivery once, also when two gateways receive it at once, and forget old receipts', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [bindingStore(d), otherGateway(d).bindings];
    const taken = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? theirs : mine).receive(`message:${A}:42`, A)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await mine.receive(`message:${A}:43`, A)).toBe(true);
    expect(await mine.pruneReceipts(Date.now() - 60_000)).toBe(0);
    expect(await mine.pruneReceipts(Date.now() + 60_000)).toBe(2);
    expect(await theirs.receive(`message:${A}:42`, A)).toBe(true);
  });

  it('log a command delivery once (a copy runs nothing), oldest first', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [bindingStore(d), otherGateway(d).bindings];
    const logged = await Promise.all([mine.logCommand(command('d1')), theirs.logCommand(command('d1'))]);
    expect(logged.filter(Boolean)).toHaveLength(1);
    expect(await mine.logCommand({ ...command('d2'), verdict: 'refused', reason: 'not authorised' })).toBe(true);
    const rows = await mine.commands();
    expect(rows.map((r) => [r.deliveryKey, r.verdict, r.reason])).toEqual([
      ['d1', 'accepted', null],
      ['d2', 'refused', 'not authorised'],
    ]);
    expect(rows[0]).toMatchObject({ command: 'erga 7 1', sender: '+5585999999999', accountId: 1, inboxId: 7, conversationId: 3, phoneNumber: null });
    expect(await mine.commands(1)).toHaveLength(1);
  });

  it('log a command with its audit row in one commit, and a copy (also on another gateway at once) with none', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [bindingStore(d), otherGateway(d).bindings];
    const audit = auditOn(d);
    const links = [audit.link('chatwoot.command'), audit.link('chatwoot.command')];
    const logged = await Promise.all([mine.logCommand(command('d1'), links[0]), theirs.logCommand(command('d1'), links[1])]);
    expect(logged.filter(Boolean)).toHaveLength(1);
    expect(links.flatMap((l) => l.ids)).toEqual([1]);
    expect(await mine.logCommand(command('d1'), audit.link('chatwoot.command'))).toBe(false);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['chatwoot.command']);
    expect(await mine.commands()).toHaveLength(1);
  });
});
