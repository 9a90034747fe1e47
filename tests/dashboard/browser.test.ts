/**
 * The dashboard end to end in real headless Chromium, against the real gateway with stand-in children: what an
 * operator does and sees, from sign-in to sign-out everywhere. Screenshots of the main pages go to test-output/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { launchBrowser, screenshot, seriousViolations, type TestBrowser } from '../helpers/browser.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const PHONE = '5511970000001';
const OTHER = '5511970000002';

let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let receiver: Receiver;
const documents: { url: string; status: number; csp: string | undefined; frame: string | undefined }[] = [];
const qrRequests: string[] = [];

const byTestId = (id: string) => page.getByTestId(id);

/** axe-core on the page as it is now: no serious or critical violation; then a screenshot for the README. */
async function checkPage(name: string): Promise<void> {
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  await screenshot(page, name);
}

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respond = () => 500;
  gw = await startTestGateway({
    env: {
      // Short-lived QR codes so a rotation happens within the test; deliveries that fail die within a second.
      SIM_QR_DURATION_SEC: '4',
      QR_CODE_TIMEOUT: '5000',
      WEBHOOK_RETRY_BASE_DELAY: '100',
      WEBHOOK_RETRY_MAX_DELAY: '200',
      WEBHOOK_RETRY_PERIOD: '800',
      RESOURCE_SAMPLE_INTERVAL: '300',
    },
  });
  browser = await launchBrowser();
  page = browser.page;
  page.on('response', (res) => {
    if (res.request().resourceType() === 'document') documents.push({ url: res.url(), status: res.status(), csp: res.headers()['content-security-policy'], frame: res.headers()['x-frame-options'] });
  });
  page.on('request', (req) => {
    if (/\/api\/devices\/\d+\/qr$/.test(req.url())) qrRequests.push(req.url());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await receiver?.close();
});

describe('the dashboard in a real browser', () => {
  it('opens at / (redirected to /dashboard/) and signs in, keeping the token out of storage and URLs', async () => {
    await page.goto(gw.url);
    await byTestId('sign-in-form').waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard/');
    await checkPage('sign-in');

    await byTestId('sign-in-username').fill(ADMIN.username);
    await byTestId('sign-in-password').fill('wrong password');
    await byTestId('sign-in-submit').click();
    await expect(byTestId('sign-in-error').textContent()).resolves.toBe('invalid username or password');

    await byTestId('sign-in-password').fill(ADMIN.password);
    await byTestId('sign-in-submit').click();
    await byTestId('numbers-table').waitFor();
    await expect(byTestId('current-user').textContent()).resolves.toContain('admin');

    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    expect(page.url()).not.toMatch(/token|eyJ/);
    const [cookie, ...others] = await browser.context.cookies();
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({ name: 'wmp_refresh', path: '/api/auth', httpOnly: true, sameSite: 'Strict', secure: false });
    // The page cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('stays signed in across a reload (refresh cookie, token only in memory)', async () => {
    await page.reload();
    await byTestId('numbers-table').waitFor();
    expect(await byTestId('sign-in-form').count()).toBe(0);
    await byTestId('connection-state').and(page.locator('[data-state="live"]')).waitFor();
  });

  it('adds a number, shows its QR as soon as the child has one, and rotates it when it expires, pushed by the server', async () => {
    await byTestId('add-number').click();
    await byTestId('add-phone').fill(PHONE);
    await byTestId('add-name').fill('Front desk');
    await checkPage('add-number');
    await byTestId('add-submit').click();
    await page.waitForURL(`**/dashboard/numbers/${PHONE}/pair`);

    const qr = byTestId('qr-image');
    await qr.waitFor();
    const first = await qr.getAttribute('src');
    expect(first).toMatch(/^data:image\/png;base64,/);
    await expect(byTestId('pair-state').textContent()).resolves.toBe('Waiting for scan');
    await expect(byTestId('qr-countdown').textContent()).resolves.toMatch(/^New code in [1-5] s$/);
    await checkPage('pair-qr');

    // The code expires after 4 s; the next one arrives by Socket.IO without the page asking.
    await waitFor(async () => (await qr.getAttribute('src')) !== first, { what: 'a new QR code' });
    expect(qrRequests).toHaveLength(1);
    await expect(byTestId('pair-state').textContent()).resolves.toBe('Waiting for scan');
  });

  it('shows the linked account without a reload once the phone scans the code', async () => {
    await page.evaluate('window.__sameDocument = true');
    await gw.gateway.supervisor.runner(PHONE)?.client?.request('POST', '/_sim/pair', { body: { push_name: 'Front desk phone' } });
    await byTestId('pair-linked').waitFor();
    await expect(byTestId('pair-state').textContent()).resolves.toBe(`Linked as ${PHONE}@s.whatsapp.net`);
    await expect(byTestId('pair-jid').textContent()).resolves.toBe(`${PHONE}@s.whatsapp.net`);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    // The gateway stopped rotating codes for a linked number.
    expect(gw.gateway.supervisor.runner(PHONE)?.session).toBe('logged_in');
  });

  it('lists numbers live: a number registered through the API appears and goes online without a reload', async () => {
    await page.getByRole('link', { name: 'Numbers', exact: true }).click();
    await byTestId(`number-row-${PHONE}`).waitFor();
    await expect(byTestId(`session-${PHONE}`).getAttribute('data-session')).resolves.toBe('logged_in');
    const res = await gw.request('POST', '/api/devices', { body: { phoneNumber: OTHER, name: 'Back office', autoStart: false } });
    expect(res.status).toBe(201);
    // Registered by someone else: its first event (a state change on start) makes the page list it.
    await gw.request('POST', `/api/devices/${OTHER}/start`);
    await byTestId(`number-row-${OTHER}`).waitFor();
    await byTestId(`state-${OTHER}`).and(page.locator('[data-state="running"]')).waitFor();
    await byTestId('numbers-search').fill('front');
    await waitFor(async () => (await byTestId(`number-row-${OTHER}`).count()) === 0, { what: 'search to hide the other number' });
    await byTestId('numbers-search').fill('');
    await checkPage('numbers');
  });

  it('bulk-stops and starts numbers with per-number progress', async () => {
    await byTestId(`select-${OTHER}`).click();
    await byTestId('bulk-stop').click();
    await byTestId('confirm-action').click();
    await byTestId(`progress-${OTHER}`).and(page.locator('[data-status="ok"]')).waitFor();
    await byTestId(`state-${OTHER}`).and(page.locator('[data-state="stopped"]')).waitFor();
    expect(gw.gateway.supervisor.runner(OTHER)?.state).toBe('stopped');
    await byTestId('bulk-start').click();
    await byTestId(`state-${OTHER}`).and(page.locator('[data-state="running"]')).waitFor();
  });

  it('shows a killed child: the state changes, the restart and the timeline entry with the signal', async () => {
    await byTestId(`open-${PHONE}`).click();
    await byTestId('detail-state').waitFor();
    const pid = Number(await byTestId('detail-pid').textContent());
    expect(isAlive(pid)).toBe(true);
    // Record every state the badge shows, to prove the page saw the crash, not only the end result.
    await page.evaluate(`(() => {
      window.__states = [];
      const badge = () => document.querySelector('[data-testid="detail-state"]');
      new MutationObserver(() => window.__states.push(badge()?.getAttribute('data-state'))).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    })()`);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => Number(await byTestId('detail-pid').textContent()) > 0 && Number(await byTestId('detail-pid').textContent()) !== pid, { what: 'a new process' });
    await byTestId('detail-state').and(page.locator('[data-state="running"]')).waitFor();
    const seen = (await page.evaluate('window.__states')) as string[];
    expect(seen).toContain('backoff');
    expect(seen.at(-1)).toBe('running');
    await expect(byTestId('detail-restarts').textContent()).resolves.toBe('1');
    const crash = byTestId('timeline-entry').and(page.locator('[data-type="crashed"]')).first();
    await crash.waitFor();
    await expect(crash.textContent()).resolves.toContain('signal SIGKILL');
    await byTestId('timeline-entry').first().and(page.locator('[data-type="ready"]')).waitFor();
    await checkPage('number-timeline');
  });

  it('replays a dead webhook delivery from the delivery log', async () => {
    await byTestId('tab-webhooks').click();
    await byTestId('webhook-url').fill(receiver.url);
    await byTestId('webhook-save').click();
    await page.getByText('Webhook settings saved.').waitFor();
    // A restart (confirmed) makes state events; the receiver refuses them until they are dead-lettered.
    await byTestId('detail-restart').click();
    await byTestId('confirm-action').click();
    await waitFor(() => receiver.hits.length > 0, { what: 'a first delivery attempt' });
    const deadId = await waitFor(
      () => (gw.gateway.database.sqlite.prepare("SELECT id FROM webhook_deliveries WHERE status = 'dead' AND phone_number = ? ORDER BY id LIMIT 1").get(PHONE) as { id: number } | undefined)?.id,
      { what: 'a dead delivery' },
    );
    await byTestId('deliveries-filter').selectOption('dead');
    await byTestId(`delivery-status-${deadId}`).waitFor();
    await expect(byTestId(`delivery-status-${deadId}`).textContent()).resolves.toBe('Dead');
    await checkPage('number-webhooks');

    receiver.respond = () => 200;
    await byTestId(`replay-${deadId}`).click();
    await page.getByText(`Delivery ${deadId} is queued again.`).waitFor();
    await receiver.waitFor((hit) => hit.status === 200);
    await byTestId('deliveries-filter').selectOption('delivered');
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await byTestId(`delivery-status-${deadId}`).textContent()) === 'Delivered';
    }, { what: 'the replayed delivery to show as delivered' });
  });

  it('monitors events live, replays them from a sequence number, tails the log live; queue and charts', async () => {
    await byTestId('tab-events').click();
    await byTestId('events-since').fill('0');
    await byTestId('events-replay').click();
    await waitFor(async () => (await byTestId('event-row').count()) > 3, { what: 'stored events' });
    await expect(byTestId('event-row').last().getAttribute('data-seq')).resolves.toBe('1');
    const events = await byTestId('event-row').count();
    await gw.request('POST', `/api/devices/${PHONE}/restart`);
    await waitFor(async () => (await byTestId('event-row').count()) > events, { what: 'live events' });
    await checkPage('number-events');
    for (const tab of ['queue', 'charts', 'logs'] as const) {
      await byTestId(`tab-${tab}`).click();
      await page.locator('[role="tabpanel"][data-state="active"]').waitFor();
      if (tab === 'charts') await byTestId('chart-rss').waitFor();
      if (tab === 'logs') await page.getByText('Server started on').first().waitFor();
      await checkPage(`number-${tab}`);
    }
    // The log view is live: a restart's lines arrive without the page asking.
    const started = () => byTestId('log-lines').getByText(/started pid \d+ on port/).count();
    const before = await started();
    await gw.request('POST', `/api/devices/${PHONE}/restart`);
    await waitFor(async () => (await started()) > before, { what: 'the restart in the live log' });
  });

  it('shows the system and users pages to an admin', async () => {
    await byTestId('nav-system').click();
    await byTestId('system-host').waitFor();
    await byTestId('system-restore').waitFor();
    await byTestId('system-cluster').getByText('This gateway runs on one host (CLUSTER_MODE=off).').waitFor();
    await checkPage('system');
    await byTestId('nav-users').click();
    await byTestId('user-username').fill('desk-agent');
    await byTestId('user-password').fill('short');
    await byTestId('user-submit').click();
    // The browser's own check (minlength) stops it; a valid one goes through.
    expect(await byTestId('user-desk-agent').count()).toBe(0);
    await byTestId('user-password').fill('a-long-enough-password');
    await byTestId('user-submit').click();
    await byTestId('user-desk-agent').waitFor();
    await page.getByText('User desk-agent was created.').waitFor();
    await checkPage('users');
  });

  it('switches to Brazilian Portuguese, kept for the user on the server', async () => {
    await byTestId('nav-numbers').click();
    await byTestId('language-select').selectOption('pt-BR');
    await expect(byTestId('nav-numbers').textContent()).resolves.toBe('Números');
    expect(await page.evaluate('document.documentElement.lang')).toBe('pt-BR');
    await waitFor(async () => (await gw.request<{ settings: { language?: string } }>('GET', '/api/me')).body.settings.language === 'pt-BR', { what: 'the choice saved server-side' });
    await page.reload();
    await byTestId('nav-numbers').getByText('Números', { exact: true }).waitFor();
    await byTestId(`number-row-${PHONE}`).waitFor();
    await checkPage('numbers-pt-BR');
    await byTestId('language-select').selectOption('en');
    await expect(byTestId('nav-numbers').textContent()).resolves.toBe('Numbers');
  });

  it('signs out everywhere: every session of the user ends, here and elsewhere', async () => {
    // A second browser session of the same user, signed in outside this page.
    const other = await fetch(`${gw.url}/api/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dashboard-request': '1' }, body: JSON.stringify(ADMIN) });
    expect(other.status).toBe(200);
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const otherToken = ((await other.json()) as { token: string }).token;
    expect((await gw.request('GET', '/api/devices', { token: otherToken })).status).toBe(200);

    await byTestId('sign-out-everywhere').click();
    await byTestId('confirm-action').click();
    await byTestId('sign-in-form').waitFor();
    expect((await gw.request('GET', '/api/devices', { token: otherToken })).status).toBe(401);
    const refresh = await fetch(`${gw.url}/api/auth/refresh`, { method: 'POST', headers: { cookie: otherCookie, 'x-dashboard-request': '1' } });
    expect(refresh.status).toBe(401);
    await page.reload();
    await byTestId('sign-in-form').waitFor();
  });

  it('shows a non-admin user only their own numbers and no admin pages', async () => {
    await byTestId('sign-in-username').fill('desk-agent');
    await byTestId('sign-in-password').fill('a-long-enough-password');
    await byTestId('sign-in-submit').click();
    await byTestId('numbers-empty').waitFor();
    expect(await byTestId(`number-row-${PHONE}`).count()).toBe(0);
    expect(await byTestId('nav-system').count()).toBe(0);
    expect(await byTestId('nav-users').count()).toBe(0);
    await page.goto(`${gw.url}/dashboard/users`);
    await byTestId('not-found').waitFor();
    await byTestId('sign-out').click();
    await byTestId('sign-in-form').waitFor();
  });

  it('served every page with a strict CSP and no framing, and the browser reported no CSP violation', () => {
    const pages = documents.filter((doc) => doc.status === 200);
    expect(pages.length).toBeGreaterThan(3);
    for (const doc of pages) {
      expect(doc.csp).toContain("script-src 'self'");
      expect(doc.csp).toContain("frame-ancestors 'none'");
      expect(doc.csp).not.toContain('unsafe-inline');
      expect(doc.frame).toBe('DENY');
    }
    expect(browser.console.filter((line) => /Content.Security.Policy|Refused to/i.test(line))).toEqual([]);
    expect(browser.console.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  });
});
