/**
 * The dashboard's chats in real headless Chromium against the real gateway with stand-in children: the unified
 * inbox filling live, a conversation that reads itself, sends through the outbox (a double click sends once) and
 * shows the receipts move, images inline from blob: URLs and other files as downloads, search with highlights,
 * a reconnect that resumes without a gap, the unread figures, and all of it in Portuguese.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { childClient, pair, registerRunning } from '../realtime/sim.js';

const PHONE = '5511960000001';
const OTHER = '5511960000002';
const CARLA = '5511977001111';
const CARLA_JID = `${CARLA}@s.whatsapp.net`;
const DORA = '5511977002222';

let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
const mediaRequests: { url: string; auth: boolean }[] = [];

const byTestId = (id: string) => page.getByTestId(id);
const chatItem = (phone: string, jid: string) => page.locator(`[data-testid="chat-item"][data-phone="${phone}"][data-chat="${jid}"]`);
const bubble = (text: string) => byTestId('message').filter({ hasText: text });

async function checkPage(name: string): Promise<void> {
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  await screenshot(page, name);
}

/** WhatsApp delivers a message to a number through its stand-in (`/_sim/incoming`). */
async function incoming(phone: string, body: Record<string, unknown>): Promise<string[]> {
  const res = await childClient(gw, phone).request<{ ids: string[] }>('POST', '/_sim/incoming', { body });
  return res.results?.ids ?? [];
}

function pngBase64(): string {
  const png = new PNG({ width: 24, height: 16 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([16, 128, 96, 255], i);
  return PNG.sync.write(png).toString('base64');
}

/** Records every status the page shows for the outgoing bubble with this text, in order. */
async function watchStatuses(text: string): Promise<void> {
  await page.evaluate(`(() => {
    window.__statuses = [];
    const look = () => {
      for (const el of document.querySelectorAll('[data-testid="message"][data-direction="out"]')) {
        if (!el.textContent.includes(${JSON.stringify(text)})) continue;
        const status = el.getAttribute('data-status');
        if (window.__statuses.at(-1) !== status) window.__statuses.push(status);
      }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  })()`);
}

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0', SIM_ACK_DELAY_MS: '400' } });
  await registerRunning(gw, PHONE, undefined, { name: 'Front desk' });
  await registerRunning(gw, OTHER, undefined, { name: 'Back office' });
  await pair(gw, PHONE);
  await pair(gw, OTHER);
  browser = await launchBrowser();
  page = browser.page;
  page.on('request', (req) => {
    if (/\/api\/messages\/[^/]+\/media$/.test(req.url())) mediaRequests.push({ url: req.url(), auth: (req.headers()['authorization'] ?? '').startsWith('Bearer ') });
  });
  await signIn(page, gw.url, ADMIN);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe('chats in a real browser', () => {
  it('shows an incoming message live in the unified inbox, with the unread count everywhere', async () => {
    await byTestId('nav-chats').click();
    await byTestId('chats-empty').waitFor();
    await page.evaluate('window.__sameDocument = true');
    await incoming(PHONE, { from: CARLA, from_name: 'Carla', body: 'Hello, I want a refund for order 77' });
    await incoming(OTHER, { from: DORA, from_name: 'Dora', body: 'Is the shop open on Sunday?' });
    const carla = chatItem(PHONE, CARLA_JID);
    await carla.waitFor();
    await chatItem(OTHER, `${DORA}@s.whatsapp.net`).waitFor();
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await expect(carla.getByTestId('chat-preview').textContent()).resolves.toBe('Hello, I want a refund for order 77');
    await expect(carla.getAttribute('data-unread')).resolves.toBe('1');
    await expect(carla.textContent()).resolves.toContain('on Front desk');
    await waitFor(async () => (await byTestId('nav-unread').textContent())?.endsWith('2'), { what: 'two unread in the navigation' });
    // A second message moves the count and the order live.
    await incoming(PHONE, { from: CARLA, from_name: 'Carla', body: 'It arrived broken' });
    await waitFor(async () => (await carla.getAttribute('data-unread')) === '2', { what: 'two unread in Carla\'s chat' });
    await expect(byTestId('chat-item').first().getAttribute('data-chat')).resolves.toBe(CARLA_JID);
    await checkPage('chats-inbox');

    await byTestId('chats-unread').click();
    await byTestId('chats-number').selectOption(OTHER);
    await page.waitForURL(`**/dashboard/chats/${OTHER}`);
    await waitFor(async () => (await byTestId('chat-item').count()) === 1 && (await byTestId('chat-item').first().getAttribute('data-phone')) === OTHER, { what: "the other number's chats only" });
    await byTestId('chats-number').selectOption('');
    await page.waitForURL('**/dashboard/chats');
    await byTestId('chats-unread').click();
    await waitFor(async () => (await byTestId('chat-item').count()) === 2, { what: 'both chats again' });
  });

  it('opens a chat, marks it read, and shows the unread column on the numbers page', async () => {
    await chatItem(PHONE, CARLA_JID).click();
    await byTestId('conversation').waitFor();
    await bubble('It arrived broken').waitFor();
    await expect(byTestId('conversation-title').textContent()).resolves.toBe('Carla');
    await waitFor(async () => (await chatItem(PHONE, CARLA_JID).getAttribute('data-unread')) === '0', { what: 'the chat read' });
    const chat = await gw.request<{ unread: number }>('GET', `/api/devices/${PHONE}/chats/${CARLA_JID}`);
    expect(chat.body.unread).toBe(0);
    const receipts = await childClient(gw, PHONE).request<{ actions: { kind: string; chat_jid: string }[] }>('GET', '/_sim/actions?kind=read');
    expect(receipts.results?.actions.filter((a) => a.chat_jid === CARLA_JID)).toHaveLength(2);

    await byTestId('nav-numbers').click();
    await waitFor(async () => (await byTestId(`unread-${PHONE}`).textContent()) === '0', { what: 'no unread left on the number whose chat was read' });
    await expect(byTestId(`unread-${OTHER}`).textContent()).resolves.toBe('1');
    await page.goBack();
    await byTestId('conversation').waitFor();
  });

  it('sends from the chat view through the outbox: a double click sends once, and the ticks move to delivered', async () => {
    const text = 'Sorry to hear that, a refund is on its way';
    await watchStatuses(text);
    await byTestId('composer-text').fill(text);
    await byTestId('composer-send').dblclick();
    await waitFor(async () => ((await page.evaluate('window.__statuses')) as string[]).some((s) => s === 'delivered' || s === 'read'), { what: 'the message delivered' });
    const seen = (await page.evaluate('window.__statuses')) as string[];
    expect(seen.indexOf('delivered')).toBeGreaterThan(seen.indexOf('sent'));
    expect(seen.indexOf('sent')).toBeGreaterThanOrEqual(0);
    expect(['queued', 'sending', 'sent']).toContain(seen[0]);
    await expect(byTestId('composer-text').inputValue()).resolves.toBe('');
    const sent = await childClient(gw, PHONE).request<{ sent: { message?: string; phone: string }[] }>('GET', '/_sim/sent');
    expect(sent.results?.sent.filter((s) => s.message === text)).toEqual([expect.objectContaining({ phone: CARLA_JID })]);
    const outbox = gw.gateway.database.sqlite.prepare("SELECT count(*) AS n FROM messages WHERE payload LIKE ?").get(`%${text}%`) as { n: number };
    expect(outbox.n).toBe(1);
    await expect(bubble(text).getByTestId('message-status').textContent()).resolves.toMatch(/^(Delivered|Read)$/);
    // The inbox shows the reply as the chat's last message, with its tick.
    await expect(chatItem(PHONE, CARLA_JID).getByTestId('chat-preview').textContent()).resolves.toBe(text);
  });

  it('shows an incoming image inline from a blob: URL fetched with the token, and other files as downloads', async () => {
    await incoming(PHONE, { type: 'image', from: CARLA, from_name: 'Carla', caption: 'the broken box', data_base64: pngBase64() });
    const [docId] = await incoming(PHONE, { type: 'document', from: CARLA, from_name: 'Carla', filename: 'receipt-77.pdf', data_base64: Buffer.from('%PDF-1.4 receipt 77').toString('base64') });
    expect(docId).toBeTruthy();
    const image = bubble('the broken box').getByTestId('media-image');
    await image.waitFor();
    await expect(image.getAttribute('src')).resolves.toMatch(/^blob:/);
    await expect(image.getAttribute('alt')).resolves.toBe('the broken box');
    await waitFor(async () => (await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) === 24, { what: 'the image decoded' });
    expect(mediaRequests.length).toBeGreaterThan(0);
    expect(mediaRequests.every((r) => r.auth && !/token|eyJ/.test(r.url))).toBe(true);

    // With auto-download on (the binary's default) WhatsApp's file name is not in the webhook: the file is named
    // after its kind and message, with the extension of its type.
    const doc = byTestId('message').filter({ hasText: 'Document' });
    const storeId = await doc.getAttribute('data-id');
    const download = doc.getByTestId('media-download');
    await expect(download.textContent()).resolves.toContain(`document-${storeId}.pdf`);
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe(`document-${storeId}.pdf`);
    expect(fs.readFileSync(await file.path()).toString()).toBe('%PDF-1.4 receipt 77');
    await checkPage('chat-conversation');
  });

  it('sends a file from the composer, shown with its status', async () => {
    await byTestId('composer-attach').setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: Buffer.from(pngBase64(), 'base64') });
    await expect(byTestId('composer-file').textContent()).resolves.toContain('label.png');
    await byTestId('composer-text').fill('return label');
    await byTestId('composer-send').click();
    await bubble('return label').and(page.locator('[data-status="delivered"], [data-status="read"]')).waitFor();
    const sent = await childClient(gw, PHONE).request<{ sent: { route: string; caption?: string }[] }>('GET', '/_sim/sent');
    expect(sent.results?.sent.filter((s) => s.caption === 'return label')).toEqual([expect.objectContaining({ route: '/send/image' })]);
  });

  it('resumes after a reconnect without a gap or a repeat', async () => {
    await page.context().setOffline(true);
    await byTestId('connection-state').and(page.locator('[data-state="reconnecting"]')).waitFor();
    await incoming(PHONE, { from: CARLA, from_name: 'Carla', body: 'while you were away', count: 3 });
    await page.context().setOffline(false);
    await byTestId('connection-state').and(page.locator('[data-state="live"]')).waitFor({ timeout: 20_000 });
    await waitFor(async () => (await bubble('while you were away').count()) === 3, { what: 'the three messages sent while offline' });
    // Nothing twice: every message id is on the page once.
    const ids = (await byTestId('message').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))) as string[];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('finds messages with highlighted snippets and opens a hit in its chat', async () => {
    await byTestId('search-input').fill('refund');
    await byTestId('search-submit').click();
    await byTestId('search-hit').first().waitFor();
    await expect(byTestId('search-hit').count()).resolves.toBe(2);
    await expect(byTestId('search-snippet').first().locator('mark').first().textContent()).resolves.toBe('refund');
    await checkPage('chats-search');
    const hit = byTestId('search-hit').last();
    const id = await hit.getAttribute('data-id');
    await hit.click();
    await page.locator(`[data-testid="message"][data-id="${id}"]`).waitFor();
    expect(new URL(page.url()).searchParams.get('around')).toBe(id);
    await expect(page.locator(`[data-testid="message"][data-id="${id}"]`).textContent()).resolves.toContain('refund for order 77');
    await byTestId('search-clear').click();
    await byTestId('chat-list').waitFor();
  });

  it('switches the chats to Brazilian Portuguese', async () => {
    await byTestId('language-select').selectOption('pt-BR');
    await expect(byTestId('nav-chats').textContent()).resolves.toMatch(/^Conversas/);
    await expect(byTestId('composer-send').textContent()).resolves.toContain('Enviar');
    await expect(bubble('Sorry to hear that').getByTestId('message-status').textContent()).resolves.toMatch(/^(Entregue|Lida)$/);
    await expect(byTestId('chats-unread').locator('..').textContent()).resolves.toContain('Só não lidas');
    await checkPage('chats-pt-BR');
    await byTestId('language-select').selectOption('en');
  });

  it('reported no CSP violation and no page error', () => {
    expect(browser.console.filter((line) => /Content.Security.Policy|Refused to/i.test(line))).toEqual([]);
    expect(browser.console.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  });
});
