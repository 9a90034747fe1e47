/** FC-4 … FC-10: contact search, filter, create (validations, contact_inbox), update (merge), conversations, contact_inboxes, merge. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { A, postMessage, seed } from './support.js';

interface ContactJson {
  id: number;
  name: string;
  phone_number: string | null;
  identifier: string | null;
  email: string | null;
  custom_attributes: Record<string, unknown>;
  additional_attributes: Record<string, unknown>;
  contact_inboxes?: { source_id: string; inbox: { id: number } }[];
}
type SearchPage = { meta: { count: number; current_page: number; has_more?: boolean }; payload: ContactJson[] };
type Created = { payload: { contact: ContactJson; contact_inbox: { inbox: { id: number } | null; source_id: string | null } } };

let cw: FakeChatwoot;
const create = (body: Record<string, unknown>) => cw.api<Created>('POST', `${A}/contacts`, body);

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: seed() });
  const people = [
    { name: 'Maria Silva', phone_number: '+5511988880001', email: 'Maria@Example.com', identifier: '5511988880001@s.whatsapp.net' },
    { name: 'MARIO Rossi', phone_number: '+390612345678', identifier: '123456789@lid' },
    { name: 'Jo_o Souza', phone_number: '+5511988880003' },
    { name: 'Nobody', custom_attributes: { wa_jid: 'x' } },
    { name: 'Group Chat', identifier: '120363000000000001@g.us', custom_attributes: { wa_jid: '120363000000000001@g.us' } },
  ];
  for (const person of people) expect((await create(person)).status).toBe(200);
});
afterAll(cleanupFakeChatwoots);

describe('FC-4 GET /contacts/search', () => {
  const search = (q: string, page?: number) => cw.api<SearchPage>('GET', `${A}/contacts/search?q=${encodeURIComponent(q)}${page ? `&page=${page}` : ''}`);

  it.each([
    ['substring of a name, any case', 'mari', ['Maria Silva', 'MARIO Rossi']],
    ['substring of a phone', '98888000', ['Maria Silva', 'Jo_o Souza']],
    ['email, any case', 'maria@example', ['Maria Silva']],
    ['identifier, case-sensitive substring', '@lid', ['MARIO Rossi']],
    ['identifier in another case does not match', '@LID', []],
    ['% in q is a wildcard', 'Jo%Souza', ['Jo_o Souza']],
    ['_ matches any one character', 'Jo_o', ['Jo_o Souza']],
    ['unresolved contacts (no phone, email or identifier) are never found', 'Nobody', []],
  ])('%s', async (_name, q, names) => {
    const res = await search(q);
    expect(res.status).toBe(200);
    expect(res.json.payload.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(res.json.meta).toEqual({ count: names.length, current_page: 1, has_more: false });
  });

  it('includes contact_inboxes', async () => {
    const res = await search('Maria');
    expect(res.json.payload[0]).toHaveProperty('contact_inboxes', []);
  });

  it('an empty q is 422 with the real message', async () => {
    const res = await search('  ');
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'Specify search string with parameter q' });
  });

  it('15 per page, has_more while there are more', async () => {
    for (let i = 0; i < 17; i++) await create({ name: `Pager ${i}`, phone_number: `+44770090${String(i).padStart(4, '0')}` });
    const first = await search('Pager');
    const second = await search('Pager', 2);
    expect(first.json.payload).toHaveLength(15);
    expect(first.json.meta).toEqual({ count: 17, current_page: 1, has_more: true });
    expect(second.json.payload).toHaveLength(2);
    expect(second.json.meta).toEqual({ count: 17, current_page: 2, has_more: false });
  });
});

describe('FC-5 POST /contacts/filter', () => {
  const filter = (payload: unknown) => cw.api<SearchPage>('POST', `${A}/contacts/filter`, { payload });
  const cond = (attribute_key: string, filter_operator: string, values: unknown[], query_operator: string | null = null) => ({ attribute_key, filter_operator, values, query_operator });

  it.each([
    ['phone equal_to, value normalised to +digits', [cond('phone_number', 'equal_to', ['5511988880001'])], ['Maria Silva']],
    ['phone equal_to is exact, not a substring', [cond('phone_number', 'equal_to', ['+55119888800'])], []],
    ['identifier equal_to', [cond('identifier', 'equal_to', ['123456789@lid'])], ['MARIO Rossi']],
    ['name contains', [cond('name', 'contains', ['rossi'])], ['MARIO Rossi']],
    ['custom attribute equal_to (resolved contacts only)', [cond('wa_jid', 'equal_to', ['120363000000000001@g.us'])], ['Group Chat']],
    ['AND binds tighter than OR', [cond('name', 'contains', ['maria'], 'AND'), cond('phone_number', 'equal_to', ['+000'], 'OR'), cond('identifier', 'equal_to', ['123456789@lid'])], ['MARIO Rossi']],
  ])('%s', async (_name, payload, names) => {
    const res = await filter(payload);
    expect(res.status).toBe(200);
    expect(res.json.payload.map((c) => c.name).sort()).toEqual(names);
    expect(res.json.meta).toEqual({ count: names.length, current_page: 1 });
  });

  it.each([
    ['an unknown attribute (an undefined custom attribute too)', [cond('not_defined', 'equal_to', ['x'])], /^Invalid attribute key - \[not_defined\]/],
    ['an operator the attribute does not allow', [cond('identifier', 'contains', ['x'])], /^Invalid operator\. The allowed operators for identifier are \[equal_to,not_equal_to\]\./],
  ])('%s is 422 {error}', async (_name, payload, message) => {
    const res = await filter(payload);
    expect(res.status).toBe(422);
    expect(Object.keys(res.json as object)).toEqual(['error']);
    expect((res.json as unknown as { error: string }).error).toMatch(message);
  });
});

describe('FC-6 POST /contacts', () => {
  it.each([
    ['a phone that is not E.164', { phone_number: '5511999' }, 'Phone number should be in e164 format', ['phone_number']],
    ['a phone taken in the account', { phone_number: '+5511988880001' }, 'Phone number has already been taken', ['phone_number']],
    ['an identifier taken in the account', { identifier: '123456789@lid' }, 'Identifier has already been taken', ['identifier']],
    ['an email taken, in another case', { email: 'MARIA@example.COM' }, 'Email has already been taken', ['email']],
    ['two failures at once', { email: 'bad', phone_number: '+0123' }, 'Email Invalid email, Phone number should be in e164 format', ['email', 'phone_number']],
  ])('%s is 422 {message, attributes}', async (_name, body, message, attributes) => {
    const res = await create({ name: 'Dup', ...body });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ message, attributes });
  });

  it('the E.164 rule is anchored at the end only, like the Ruby regex', async () => {
    expect((await create({ name: 'Odd', phone_number: 'tel:+15551234567' })).status).toBe(200);
  });

  it('the same phone is fine in another account', async () => {
    const res = await cw.api('POST', '/api/v1/accounts/2/contacts', { name: 'Maria elsewhere', phone_number: '+5511988880001' }, { token: 'other-token' });
    expect(res.status).toBe(200);
  });

  it('with inbox_id and source_id: a contact_inbox at once; the response carries both', async () => {
    const res = await create({ name: 'Linked', phone_number: '+5511977770001', inbox_id: 1, source_id: '5511977770001@s.whatsapp.net' });
    expect(res.status).toBe(200);
    expect(res.json.payload.contact_inbox).toMatchObject({ source_id: '5511977770001@s.whatsapp.net', inbox: { id: 1, channel_type: 'Channel::Api' } });
    expect(res.json.payload.contact.contact_inboxes).toEqual([{ source_id: '5511977770001@s.whatsapp.net', inbox: { id: 1, avatar_url: '', channel_id: 1, name: 'WhatsApp', channel_type: 'Channel::Api', provider: null } }]);
  });

  it('with inbox_id and no source_id: a random UUID contact_inbox', async () => {
    const res = await create({ name: 'Uuid', phone_number: '+5511977770002', inbox_id: 1 });
    expect(res.json.payload.contact_inbox.source_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('without inbox_id: contact_inbox is {inbox: null, source_id: null}', async () => {
    const res = await create({ name: 'Loose', phone_number: '+5511977770003' });
    expect(res.json.payload.contact_inbox).toEqual({ inbox: null, source_id: null });
  });

  it('a (inbox, source_id) owned by another contact is a 500, and nothing is saved', async () => {
    const res = await create({ name: 'Thief', phone_number: '+5511977770004', inbox_id: 1, source_id: '5511977770001@s.whatsapp.net' });
    expect(res.status).toBe(500);
    const found = await cw.api<SearchPage>('GET', `${A}/contacts/search?q=5511977770004`);
    expect(found.json.payload).toEqual([]);
  });

  it('an unknown inbox_id is a 404 and the contact is not saved', async () => {
    const res = await create({ name: 'Ghost', phone_number: '+5511977770005', inbox_id: 999 });
    expect(res.status).toBe(404);
    expect((await cw.api<SearchPage>('GET', `${A}/contacts/search?q=5511977770005`)).json.payload).toEqual([]);
  });
});

describe('FC-7 GET/PUT/PATCH /contacts/:id', () => {
  it('updates merge custom_attributes and additional_attributes; other fields are replaced', async () => {
    const made = await create({ name: 'Merge Me', phone_number: '+5511966660001', custom_attributes: { a: 1, b: 2 }, additional_attributes: { city: 'SP' } });
    const id = made.json.payload.contact.id;
    const put = await cw.api<{ payload: ContactJson }>('PUT', `${A}/contacts/${id}`, { name: 'Merged', custom_attributes: { b: 3, c: 4 }, additional_attributes: { company_name: 'Acme' } });
    expect(put.status).toBe(200);
    expect(put.json.payload).toMatchObject({ id, name: 'Merged', custom_attributes: { a: 1, b: 3, c: 4 }, additional_attributes: { city: 'SP', company_name: 'Acme' } });
    const patched = await cw.api<{ payload: ContactJson }>('PATCH', `${A}/contacts/${id}`, { phone_number: '+5511966660002' });
    expect(patched.json.payload).toMatchObject({ phone_number: '+5511966660002', custom_attributes: { a: 1, b: 3, c: 4 } });
    const shown = await cw.api<{ payload: ContactJson }>('GET', `${A}/contacts/${id}`);
    expect(shown.json.payload).toEqual(patched.json.payload);
  });

  it('an update that breaks a validation is 422 and changes nothing', async () => {
    const made = await create({ name: 'Keep', phone_number: '+5511966660003' });
    const id = made.json.payload.contact.id;
    const res = await cw.api('PATCH', `${A}/contacts/${id}`, { name: 'Changed', phone_number: '+5511988880001' });
    expect(res.status).toBe(422);
    expect((await cw.api<{ payload: ContactJson }>('GET', `${A}/contacts/${id}`)).json.payload.name).toBe('Keep');
  });
});

describe('FC-8 GET /contacts/:id/conversations', () => {
  it('at most 20, ordered by last_activity_at descending', async () => {
    const made = await create({ name: 'Busy', phone_number: '+5511955550001' });
    const contactId = made.json.payload.contact.id;
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) ids.push((await cw.api<{ id: number }>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contactId, source_id: `busy-${i}` })).json.id);
    // last_activity_at has millisecond resolution: let the clock move past the last creation first.
    const created = Date.now();
    await waitFor(() => Date.now() > created);
    await postMessage(cw, ids[3] ?? 0, { content: 'bump' });
    const res = await cw.api<{ payload: { id: number }[] }>('GET', `${A}/contacts/${contactId}/conversations`);
    expect(res.json.payload).toHaveLength(20);
    expect(res.json.payload[0]?.id).toBe(ids[3]);
    expect(res.json.payload[1]?.id).toBe(ids[21]);
  });
});

describe('FC-9 POST /contacts/:id/contact_inboxes', () => {
  it('creates {source_id, inbox}, returns an identical row again, and a source_id of another contact is a 500', async () => {
    const made = await create({ name: 'Inboxed', phone_number: '+5511944440001' });
    const id = made.json.payload.contact.id;
    const first = await cw.api<{ source_id: string; inbox: { id: number } }>('POST', `${A}/contacts/${id}/contact_inboxes`, { inbox_id: 1, source_id: 'ci-1' });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ source_id: 'ci-1', inbox: { id: 1, avatar_url: '', channel_id: 1, name: 'WhatsApp', channel_type: 'Channel::Api', provider: null } });
    const again = await cw.api('POST', `${A}/contacts/${id}/contact_inboxes`, { inbox_id: 1, source_id: 'ci-1' });
    expect(again.json).toEqual(first.json);
    const state = await cw.state(1);
    expect((state.contact_inboxes as { source_id: string }[]).filter((ci) => ci.source_id === 'ci-1')).toHaveLength(1);
    const other = await create({ name: 'Other', phone_number: '+5511944440002' });
    expect((await cw.api('POST', `${A}/contacts/${other.json.payload.contact.id}/contact_inboxes`, { inbox_id: 1, source_id: 'ci-1' })).status).toBe(500);
  });
});

describe('FC-10 POST /actions/contact_merge', () => {
  it('moves conversations, contact_inboxes, notes and message senders to the base, merges attributes, deletes the mergee', async () => {
    const base = (await create({ name: 'Base', identifier: '999@lid', custom_attributes: { keep: 'base', both: 'base' } })).json.payload.contact.id;
    const mergee = (await create({ name: 'Mergee', phone_number: '+5511933330001', email: 'm@x.test', custom_attributes: { both: 'mergee', extra: 1 } })).json.payload.contact.id;
    const conversation = (await cw.api<{ id: number }>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: mergee, source_id: '5511933330001@s.whatsapp.net' })).json.id;
    const incoming = await postMessage(cw, conversation, { content: 'from the mergee', message_type: 'incoming' });
    await cw.api('POST', `${A}/contacts/${mergee}/notes`, { content: 'a note' });
    const res = await cw.api<ContactJson>('POST', `${A}/actions/contact_merge`, { base_contact_id: base, mergee_contact_id: mergee });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: base, name: 'Base', identifier: '999@lid', phone_number: '+5511933330001', email: 'm@x.test', custom_attributes: { keep: 'base', both: 'base', extra: 1 } });
    expect((await cw.api('GET', `${A}/contacts/${mergee}`)).status).toBe(404);
    const shown = await cw.api<{ meta: { sender: { id: number } } }>('GET', `${A}/conversations/${conversation}`);
    expect(shown.json.meta.sender.id).toBe(base);
    const baseContact = await cw.api<{ payload: ContactJson }>('GET', `${A}/contacts/${base}`);
    expect(baseContact.json.payload.contact_inboxes?.map((ci) => ci.source_id)).toEqual(['5511933330001@s.whatsapp.net']);
    const notes = await cw.api<{ content: string }[]>('GET', `${A}/contacts/${base}/notes`);
    expect(notes.json.map((n) => n.content)).toEqual(['a note']);
    const messages = await cw.messages({ accountId: 1, conversationId: conversation });
    expect(messages.find((m) => m.id === incoming.id)?.sender).toEqual({ type: 'Contact', id: base });
  });
});
