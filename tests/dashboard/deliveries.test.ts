/**
 * The dashboard's webhook deliveries page in real headless Chromium, against the real gateway with stand-in
 * children and a real receiver: the backlog per endpoint, the log across numbers with filters, one delivery's
 * body, and replays of the selected and of every dead delivery, shown as they progress and then delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { incoming, pair, registerRunning } from '../realtime/sim.js';

const FRONT = '5511961000001';
const BACK = '5511961000002';

let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let receiver: Receiver;

const byTestId = (id: string) => page.getByTestId(id);
const count = (sql: string, ...args: unknown[]) => (gw.gateway.database.sqlite.prepare(sql).get(...args) as { n: number }).n;
const deadIds = (phone?: string): number[] =>
  (gw.gateway.database.sqlite.prepare(`SELECT id FROM webhook_deliveries WHERE status = 'dead'${phone ? ' AND phone_number = ?' : ''} ORDER BY id`).all(...(phone ? [phone] : [])) as { id: number }[]).map((r) => r.id);

async function checkPage(name: string): Promise<void> {
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  await screenshot(page, name);
}

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respond = () => 503;
  gw = await startTestGateway({ env: { WEBHOOK_RETRY_BASE_DELAY: '100', WEBHOOK_RETRY_MAX_DELAY: '200', WEBHOOK_RETRY_PERIOD: '600', HISTORY_SYNC_DAYS: '0' } });
  for (const [phone, name] of [[FRONT, 'Front desk'], [BACK, 'Back office']] as const) {
    await registerRunning(gw, phone, undefined, { name, webhookUrl: receiver.url });
    await pair(gw, phone);
  }
  // WhatsApp messages for both numbers; the receiver refuses them until each delivery gives up (dead).
  await incoming(gw, FRONT, 'order 1', 3);
  await incoming(gw, BACK, 'order 2', 2);
  await waitFor(() => deadIds(FRONT).length >= 3 && deadIds(BACK).length >= 2 && count("SELECT count(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'failed')") === 0, {
    what: 'every delivery dead',
    timeoutMs: 30_000,
  });
  browser = await launchBrowser();
  page = browser.page;
  await signIn(page, gw.url, ADMIN);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await receiver?.close();
});

describe('webhook deliveries in a real browser', () => {
  it('shows the backlog per endpoint and the dead deliveries of every number, with their bodies', async () => {
    await byTestId('nav-deliveries').click();
    const dead = deadIds();
    await waitFor(async () => (await byTestId('backlog-dead').first().textContent()) === String(dead.length), { what: 'the dead count in the backlog' });
    await expect(byTestId('backlog-status').textContent()).resolves.toBe('Degraded');
    // The button's count is a query of its own, answered after the backlog's or before it.
    await waitFor(async () => (await byTestId('replay-all-dead').textContent()) === `Replay all dead (${dead.length})`, { what: 'the dead count on the replay button' });
    await byTestId('deliveries-filter').selectOption('dead');
    for (const id of dead) await expect(byTestId(`delivery-status-${id}`).textContent()).resolves.toBe('Dead');
    // Both numbers' deliveries are listed, each with its number.
    await expect(byTestId(`delivery-${deadIds(BACK)[0]}`).textContent()).resolves.toContain('Back office');
    await expect(byTestId(`delivery-${deadIds(FRONT)[0]}`).textContent()).resolves.toContain('Front desk');
    await byTestId('deliveries-number').selectOption(BACK);
    await waitFor(async () => (await page.locator('[data-testid^="delivery-status-"]').count()) === deadIds(BACK).length, { what: 'only the back office deliveries' });
    await byTestId('deliveries-number').selectOption('');
    await waitFor(async () => (await page.locator('[data-testid^="delivery-status-"]').count()) === dead.length, { what: 'every dead delivery again' });
    await checkPage('deliveries');

    const first = dead[0] as number;
    await byTestId(`details-${first}`).click();
    const body = JSON.parse((await byTestId('delivery-body').textContent()) ?? '{}') as { type?: string; phoneNumber?: string };
    const stored = JSON.parse((gw.gateway.database.sqlite.prepare('SELECT body FROM webhook_deliveries WHERE id = ?').get(first) as { body: string }).body) as Record<string, unknown>;
    expect(body).toEqual(stored);
    await expect(byTestId('delivery-details').textContent()).resolves.toContain(receiver.url);
    await page.keyboard.press('Escape');
    await byTestId('delivery-details').waitFor({ state: 'detached' });
  });

  it('replays the selected deliveries, which then arrive', async () => {
    receiver.respond = () => 200;
    const [a, b] = deadIds(FRONT) as [number, number];
    await byTestId(`select-delivery-${a}`).click();
    await byTestId(`select-delivery-${b}`).click();
    await expect(byTestId('replay-selected').textContent()).resolves.toBe('Replay selected (2)');
    await byTestId('replay-selected').click();
    await byTestId('confirm-action').click();
    await waitFor(async () => (await byTestId('bulk-replay-progress').textContent()) === '2 of 2 queued again, 0 failed', { what: 'the progress of two replays' });
    await waitFor(() => count("SELECT count(*) AS n FROM webhook_deliveries WHERE id IN (?, ?) AND status = 'delivered'", a, b) === 2, { what: 'both delivered' });
    expect(deadIds()).not.toContain(a);
    // The page shows them as delivered (the filter still says dead: they have left it).
    await byTestId('deliveries-filter').selectOption('delivered');
    await waitFor(async () => (await byTestId(`delivery-status-${a}`).textContent()) === 'Delivered' && (await byTestId(`delivery-status-${b}`).textContent()) === 'Delivered', { what: 'both shown delivered' });
  });

  it('replays every dead delivery with per-delivery progress, and the backlog empties', async () => {
    const dead = deadIds();
    expect(dead.length).toBeGreaterThan(0);
    await waitFor(async () => (await byTestId('replay-all-dead').textContent()) === `Replay all dead (${dead.length})`, { what: 'the dead count after the first replay' });
    await byTestId('replay-all-dead').click();
    await expect(page.getByTestId('confirm-dialog').textContent()).resolves.toContain(`Replay ${dead.length} dead deliveries?`);
    await byTestId('confirm-action').click();
    await waitFor(async () => (await byTestId('bulk-replay-progress').textContent()) === `${dead.length} of ${dead.length} queued again, 0 failed`, { what: 'every replay done' });
    await page.getByText(`${dead.length} deliveries queued again.`).waitFor();
    await waitFor(() => deadIds().length === 0 && count("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'") === 0, { what: 'everything delivered' });
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await page.getByText('Nothing is waiting: every delivery went through.').count()) === 1;
    }, { what: 'the backlog empty on the page' });
    await expect(byTestId('replay-all-dead').isDisabled()).resolves.toBe(true);
  });

  it('speaks Brazilian Portuguese', async () => {
    await byTestId('language-select').selectOption('pt-BR');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Entregas de webhook');
    await expect(byTestId('replay-all-dead').textContent()).resolves.toBe('Reenviar todas as mortas (0)');
    await byTestId('language-select').selectOption('en');
  });

  it('reported no CSP violation and no page error', () => {
    expect(browser.console.filter((line) => /Content.Security.Policy|Refused to|pageerror/i.test(line))).toEqual([]);
  });
});
