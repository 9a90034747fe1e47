/**
 * Chatwoot bindings on both dialects: one per number and one number per inbox, found by number, webhook path and
 * inbox; unbinding takes everything the bridge kept for that number and nothing of another's; a webhook delivery
 * and a command are taken once, also when two gateways receive the same one at once.
 */
import { describe, expect, it } from '@jest/globals';
import { A, B, binding, bindingStore, jobStore, otherGateway, stateStore, step } from '../helpers/chatwoot-stores.js';
import { DIALECTS, dialectDatabases, refusal } from '../helpers/dialects.js';

const open = dialectDatabases('cwbind');
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
});
