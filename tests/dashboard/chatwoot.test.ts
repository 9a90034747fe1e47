/**
 * A number's Chatwoot tab in real headless Chromium, against the real gateway with stand-in children and the fake
 * Chatwoot as its own process: a bad token is refused beside its field with nothing saved; the form binds the
 * number to a new inbox in Chatwoot and the page shows the binding (never the token); dead letters show in the
 * state, the queue and the bridge's log and are replayed one and all; unbinding asks first; a viewer sees none of it
 * and the API refuses them anyway.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createUser, grant, type TestUser } from '../helpers/access.js';
import { startFakeChatwoot, TOKENS, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { BRIDGE_ENV, cwMessages, deliver, SEED } from '../chatwoot/support.js';

const FRONT = '5511963000001';
const INBOX = 'Front desk WhatsApp';

let cw: FakeChatwoot;
let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let vic: TestUser;

const byTestId = (id: string) => page.getByTestId(id);
const bindingRows = () => gw.gateway.database.sqlite.prepare('SELECT phone_number, inbox_id FROM chatwoot_bindings').all() as { phone_number: string; inbox_id: number }[];
const inboxes = async () => ((await cw.state(1))['inboxes'] as { id: number; name: string; channel_type: string; webhook_url: string | null }[]);
const deadIds = async (): Promise<number[]> =>
  (await gw.request<{ deliveries: { id: number }[] }>('GET', `/api/chatwoot/deliveries?status=dead&phoneNumber=${FRONT}`)).body.deliveries.map((d) => d.id).sort((a, b) => a - b);

async function checkPage(name: string): Promise<void> {
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  await screenshot(page, name);
}

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: SEED });
  // No CHATWOOT_* defaults: the form has to carry the address, the account and the token.
  gw = await startTestGateway({ env: { ...BRIDGE_ENV, CHATWOOT_RETRY_PERIOD: '600' } });
  await registerRunning(gw, FRONT, undefined, { name: 'Front desk' });
  await pair(gw, FRONT);
  vic = await createUser(gw, 'viewer-vic', 'viewer');
  await grant(gw, FRONT, vic.id, 'read');
  browser = await launchBrowser();
  page = browser.page;
  await signIn(page, gw.url, ADMIN);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await cw?.stop();
});

describe('the Chatwoot tab in a real browser', () => {
  it('refuses a bad token beside its field and saves nothing', async () => {
    await byTestId(`open-${FRONT}`).click();
    await byTestId('tab-chatwoot').click();
    await byTestId('cw-bind-form').waitFor();
    // The token is write-only: a password field the browser neither fills nor keeps.
    await expect(byTestId('cw-apiToken').getAttribute('type')).resolves.toBe('password');
    await expect(byTestId('cw-apiToken').getAttribute('autocomplete')).resolves.toBe('off');
    await byTestId('cw-baseUrl').fill(cw.apiUrl);
    await byTestId('cw-accountId').fill('1');
    await byTestId('cw-apiToken').fill('not-a-real-token');
    await byTestId('cw-inboxName').fill(INBOX);
    await byTestId('cw-bind').click();
    const error = byTestId('cw-apiToken-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/^Chatwoot refused the token: .*Invalid Access Token/);
    await expect(byTestId('cw-apiToken').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(bindingRows()).toEqual([]);
    expect((await inboxes()).map((i) => i.name)).not.toContain(INBOX);
    expect((await gw.request('GET', `/api/devices/${FRONT}/chatwoot`)).status).toBe(404);
  });

  it('binds the number to a new inbox and shows the binding, never the token', async () => {
    await byTestId('cw-apiToken').fill(TOKENS.admin);
    await byTestId('cw-opt-signAgentName').click();
    await byTestId('cw-bind').click();
    await byTestId('cw-binding').waitFor();
    await page.getByText(`Bound to inbox ${INBOX}`).first().waitFor();

    const inbox = (await inboxes()).find((i) => i.name === INBOX);
    expect(inbox).toMatchObject({ channel_type: 'Channel::Api' });
    const shown = (await gw.request<{ webhookUrl: string; inboxId: number }>('GET', `/api/devices/${FRONT}/chatwoot`)).body;
    expect(inbox?.webhook_url).toBe(shown.webhookUrl);
    expect(bindingRows()).toEqual([{ phone_number: FRONT, inbox_id: inbox?.id }]);
    await expect(byTestId('cw-inbox').textContent()).resolves.toBe(`${INBOX} (#${inbox?.id})`);
    await expect(byTestId('cw-account').textContent()).resolves.toBe('1');
    await expect(byTestId('cw-baseUrl-shown').textContent()).resolves.toBe(cw.apiUrl);
    await expect(byTestId('cw-webhookUrl').textContent()).resolves.toBe(shown.webhookUrl);
    await expect(byTestId('cw-health').textContent()).resolves.toBe('Healthy');
    await expect(byTestId('cw-options').locator('[data-option="signAgentName"]').getAttribute('data-on')).resolves.toBe('true');
    await expect(byTestId('cw-options').locator('[data-option="pendingConversations"]').getAttribute('data-on')).resolves.toBe('false');
    expect(await page.content()).not.toContain(TOKENS.admin);
  });

  it('shows dead letters in the state, the queue and the log, and replays one and then all', async () => {
    await cw.down({ mode: 'error', status: 503 });
    await deliver(gw, FRONT, { from: '6281300000001', body: 'first while Chatwoot is down' });
    await deliver(gw, FRONT, { from: '6281300000002', body: 'second while Chatwoot is down' });
    await waitFor(async () => (await deadIds()).length >= 2, { what: 'two dead letters', timeoutMs: 20_000 });
    const dead = await deadIds();
    const refresh = page.getByRole('button', { name: 'Refresh' });
    await waitFor(async () => {
      await refresh.click();
      return (await byTestId('cw-health').textContent()) === 'Dead letters' && (await byTestId(`cw-delivery-status-${dead[0]}`).count()) === 1;
    }, { what: 'the dead letters on the page' });
    await expect(byTestId('cw-queue-to-chatwoot-dead').textContent()).resolves.toBe(String(dead.length));
    await expect(byTestId(`cw-delivery-status-${dead[0]}`).textContent()).resolves.toBe('Dead');
    await expect(byTestId(`cw-delivery-${dead[0]}`).textContent()).resolves.toMatch(/503/);
    await expect(byTestId('cw-replay-all-dead').textContent()).resolves.toBe(`Replay all dead (${dead.length})`);
    await checkPage('number-chatwoot');

    await cw.up();
    const [one, ...rest] = dead as [number, ...number[]];
    await byTestId(`cw-replay-${one}`).click();
    await waitFor(async () => (await byTestId(`cw-delivery-status-${one}`).textContent()) === 'Done', { what: 'the replayed step done', timeoutMs: 15_000 });
    await waitFor(async () => (await cwMessages(cw)).some((m) => m.content === 'first while Chatwoot is down'), { what: 'the first message in Chatwoot' });

    await waitFor(async () => {
      await refresh.click();
      return (await byTestId('cw-replay-all-dead').textContent()) === `Replay all dead (${rest.length})`;
    }, { what: 'the dead count after one replay' });
    await byTestId('cw-replay-all-dead').click();
    await expect(byTestId('confirm-dialog').textContent()).resolves.toContain(`Replay ${rest.length} dead deliveries?`);
    await byTestId('confirm-action').click();
    await waitFor(async () => (await byTestId('bulk-replay-progress').textContent()) === `${rest.length} of ${rest.length} queued again, 0 failed`, { what: 'every replay done' });
    await waitFor(async () => (await cwMessages(cw)).some((m) => m.content === 'second while Chatwoot is down'), { what: 'the second message in Chatwoot' });
    expect(await deadIds()).toEqual([]);
    await waitFor(async () => {
      await refresh.click();
      return (await byTestId('cw-health').textContent()) === 'Healthy';
    }, { what: 'healthy again on the page' });
  });

  it('unbinds after a confirmation: the binding goes, the inbox stops posting to the gateway', async () => {
    await byTestId('cw-unbind').click();
    await expect(byTestId('confirm-dialog').textContent()).resolves.toContain('Unbind Front desk from Chatwoot?');
    await byTestId('confirm-action').click();
    await byTestId('cw-bind-form').waitFor();
    await page.getByText('Unbound; the inbox no longer posts to the gateway.').waitFor();
    expect(bindingRows()).toEqual([]);
    expect((await gw.request('GET', `/api/devices/${FRONT}/chatwoot`)).status).toBe(404);
    expect((await inboxes()).find((i) => i.name === INBOX)?.webhook_url ?? '').toBe('');
  });

  it('speaks Brazilian Portuguese', async () => {
    await byTestId('language-select').selectOption('pt-BR');
    await page.getByText('Vincular a uma caixa de entrada do Chatwoot').waitFor();
    await expect(byTestId('cw-bind').textContent()).resolves.toContain('Vincular');
    await expect(page.locator('label[for="cw-apiToken"]').textContent()).resolves.toBe('Token de acesso da API');
    await byTestId('language-select').selectOption('en');
  });

  it('shows a viewer neither the tab nor its controls, and the API refuses them anyway', async () => {
    await byTestId('sign-out').click();
    await byTestId('sign-in-form').waitFor();
    await signIn(page, gw.url, vic);
    await page.goto(`${gw.url}/dashboard/numbers/${FRONT}?tab=chatwoot`);
    await byTestId('detail-state').waitFor();
    await byTestId('tab-timeline').waitFor();
    for (const id of ['tab-chatwoot', 'cw-bind-form', 'cw-binding', 'cw-bind', 'cw-unbind']) {
      expect({ id, count: await byTestId(id).count() }).toEqual({ id, count: 0 });
    }
    expect((await gw.request('GET', `/api/devices/${FRONT}/chatwoot`, { token: vic.token })).status).toBe(403);
    const put = await gw.request('PUT', `/api/devices/${FRONT}/chatwoot`, { token: vic.token, body: { baseUrl: cw.apiUrl, accountId: 1, apiToken: TOKENS.admin, createInbox: { name: 'Viewer inbox' } } });
    expect(put.status).toBe(403);
    expect(bindingRows()).toEqual([]);
  });

  it('reported no CSP violation and no page error', () => {
    expect(browser.console.filter((line) => /Content.Security.Policy|Refused to|pageerror/i.test(line))).toEqual([]);
  });
});
