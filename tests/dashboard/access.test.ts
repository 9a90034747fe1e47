/**
 * Access control in the dashboard, in real headless Chromium against the real gateway with stand-in children:
 * an admin manages accounts and API keys (a key's secret is seen once), a number's owner shares it, the audit log
 * is filtered and paged by cursor and exported, and a viewer sees no control it may not use while the API refuses
 * those calls anyway.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createUser, login, type TestUser } from '../helpers/access.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';

const OLGAS = '5511962000001';
const ADMINS = '5511962000002';

let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let olga: TestUser;
let ana: TestUser;
let vic: TestUser;

const byTestId = (id: string) => page.getByTestId(id);

async function checkPage(name: string): Promise<void> {
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  await screenshot(page, name);
}

async function switchUser(user: { username: string; password: string }): Promise<void> {
  await byTestId('sign-out').click();
  await byTestId('sign-in-form').waitFor();
  await signIn(page, gw.url, user);
}

const asKey = (key: string) => fetch(`${gw.url}/api/devices`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0' } });
  olga = await createUser(gw, 'owner-olga');
  ana = await createUser(gw, 'agent-ana');
  vic = await createUser(gw, 'viewer-vic', 'viewer');
  await registerRunning(gw, OLGAS, olga.token, { name: "Olga's shop" });
  await registerRunning(gw, ADMINS, undefined, { name: 'Head office' });
  await pair(gw, OLGAS);
  browser = await launchBrowser();
  page = browser.page;
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await signIn(page, gw.url, ADMIN);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe('access control in a real browser', () => {
  it('lets an admin create an account, change its role and disable it', async () => {
    await byTestId('nav-users').click();
    await byTestId('user-username').fill('temp-tom');
    await byTestId('user-password').fill('temp-tom-password-1');
    await byTestId('user-role').selectOption('user');
    await byTestId('user-submit').click();
    await page.getByText('User temp-tom was created.').waitFor();
    const tom = byTestId('user-temp-tom');
    await expect(tom.getAttribute('data-role')).resolves.toBe('user');
    expect((await gw.request('POST', '/api/auth/login', { body: { username: 'temp-tom', password: 'temp-tom-password-1' }, token: null })).status).toBe(200);

    await byTestId('user-role-temp-tom').selectOption('viewer');
    await page.getByText('temp-tom is now viewer.').waitFor();
    const users = await gw.request<{ users: { username: string; role: string; disabled: boolean }[] }>('GET', '/api/users');
    expect(users.body.users.find((u) => u.username === 'temp-tom')).toMatchObject({ role: 'viewer', disabled: false });

    await byTestId('user-toggle-temp-tom').click();
    await waitFor(async () => (await tom.getAttribute('data-disabled')) === 'true', { what: 'tom disabled' });
    expect((await gw.request('POST', '/api/auth/login', { body: { username: 'temp-tom', password: 'temp-tom-password-1' }, token: null })).status).toBe(401);
    // The admin's own row has no disable button (the last admin cannot lock everyone out).
    expect(await byTestId('user-toggle-admin').count()).toBe(0);
    await checkPage('users-roles');
  });

  it('creates an API key and shows its secret once, then rotates and revokes it', async () => {
    await byTestId('nav-keys').click();
    await byTestId('keys-empty').waitFor();
    await byTestId('key-name').fill('crm-reader');
    await byTestId('key-preset').selectOption('read-only');
    await byTestId('key-days').fill('30');
    await byTestId('key-create').click();
    const secret = await byTestId('key-secret').inputValue();
    expect(secret).toMatch(/^wmg_[a-z]+_[a-z2-7]{8}_\S{20,}$/);
    await byTestId('key-copy').click();
    await byTestId('key-copy').getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await checkPage('key-secret');
    await byTestId('key-secret-done').click();
    await byTestId('key-secret').waitFor({ state: 'detached' });

    const id = secret.split('_')[2] as string;
    await expect(byTestId(`key-hint-${id}`).textContent()).resolves.toBe(`${secret.split('_').slice(0, 3).join('_')}_…${secret.slice(-4)}`);
    await expect(byTestId(`key-${id}`).textContent()).resolves.toContain('numbers:read, messages:read, media:read, events:subscribe');
    // Gone from the page for good: not in the DOM now, nor after a reload (the list has no secret to show).
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await byTestId(`key-${id}`).waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await asKey(secret)).toBe(200);
    await checkPage('keys');

    await byTestId(`key-rotate-${id}`).click();
    await byTestId('confirm-action').click();
    const rotated = await byTestId('key-secret').inputValue();
    expect(rotated).not.toBe(secret);
    expect(rotated.startsWith(`${secret.split('_').slice(0, 3).join('_')}_`)).toBe(true);
    await byTestId('key-secret-done').click();
    // The old secret keeps working through the grace period; the new one works at once.
    expect([await asKey(secret), await asKey(rotated)]).toEqual([200, 200]);
    await expect(byTestId(`key-${id}`).textContent()).resolves.toContain('old secret valid until');

    await byTestId(`key-revoke-${id}`).click();
    await expect(byTestId('confirm-dialog').textContent()).resolves.toContain('This cannot be undone.');
    await byTestId('confirm-action').click();
    await waitFor(async () => (await byTestId(`key-status-${id}`).textContent()) === 'Revoked', { what: 'the key shown revoked' });
    expect([await asKey(secret), await asKey(rotated)]).toEqual([401, 401]);
    expect(await byTestId(`key-revoke-${id}`).count()).toBe(0);
  });

  it("lets a number's owner share it by user name and change the level", async () => {
    await switchUser(olga);
    await byTestId(`open-${OLGAS}`).click();
    await byTestId('tab-sharing').click();
    await byTestId('grants-empty').waitFor();
    await byTestId('grant-username').fill('agent-ana');
    await byTestId('grant-level').selectOption('agent');
    await byTestId('grant-submit').click();
    await page.getByText('agent-ana may now use this number as agent.').waitFor();
    await byTestId('grant-level-agent-ana').selectOption('operator');
    await page.getByText('agent-ana is now operator on this number.').waitFor();
    await byTestId('grant-username').fill('viewer-vic');
    await byTestId('grant-level').selectOption('read');
    await byTestId('grant-submit').click();
    await byTestId('grant-viewer-vic').waitFor();
    const access = await gw.request<{ numbers: { phoneNumber: string; level: string }[] }>('GET', '/api/access', { token: ana.token });
    expect(access.body.numbers).toEqual([{ phoneNumber: OLGAS, level: 'operator' }]);
    // An unknown name is the API's refusal, in plain words, beside the form.
    await byTestId('grant-username').fill('nobody-at-all');
    await byTestId('grant-submit').click();
    await expect(byTestId('grant-error').textContent()).resolves.toBe('user nobody-at-all does not exist');
    await checkPage('number-sharing');
    // Olga sees no admin pages, and her number's audit log has the grants.
    expect(await byTestId('nav-users').count()).toBe(0);
    expect(await byTestId('nav-system').count()).toBe(0);
    await byTestId('nav-audit').click();
    await byTestId('audit-action').fill('grant.*');
    await byTestId('audit-apply').click();
    // Three grants and the refused one, newest first.
    await waitFor(async () => (await byTestId('audit-entry').count()) === 4, { what: 'the four grant rows' });
    const rows = await byTestId('audit-entry').evaluateAll((list) => list.map((r) => [r.getAttribute('data-action'), r.getAttribute('data-result')]));
    expect(rows).toEqual([['grant.set', 'error'], ['grant.set', 'ok'], ['grant.set', 'ok'], ['grant.set', 'ok']]);
    await expect(byTestId('audit-entry-actor').first().textContent()).resolves.toBe('owner-olga');
  });

  it('pages the audit log by cursor, filters it by result, actor, number and time, and exports it', async () => {
    await switchUser(ADMIN);
    // 60 refused calls (a bad token each): more than one page of the log.
    for (let i = 0; i < 60; i++) expect((await gw.request('GET', '/api/devices', { token: 'not-a-token' })).status).toBe(401);
    await byTestId('nav-audit').click();
    await byTestId('audit-result').selectOption('denied');
    await byTestId('audit-apply').click();
    await waitFor(async () => (await byTestId('audit-entry').count()) === 50, { what: 'the first page' });
    await byTestId('audit-more').click();
    await waitFor(async () => (await byTestId('audit-entry').count()) > 50, { what: 'the second page' });
    const ids = (await byTestId('audit-entry').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))))) as number[];
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    const denied = (gw.gateway.database.sqlite.prepare("SELECT count(*) AS n FROM audit_events WHERE result = 'denied'").get() as { n: number }).n;
    expect(ids.length).toBe(denied);
    const results = await byTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-result')));
    expect(new Set(results)).toEqual(new Set(['denied']));

    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('audit-export').click()]);
    const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; result: string });
    expect(lines.map((l) => l.id)).toEqual([...ids].reverse());

    // Olga's actions on her number only; then a time window in the future holds nothing.
    await byTestId('audit-result').selectOption('');
    await byTestId('audit-actor').fill('owner-olga');
    await byTestId('audit-number').selectOption(OLGAS);
    await byTestId('audit-apply').click();
    await waitFor(async () => (await byTestId('audit-entry').count()) > 0 && (await byTestId('audit-entry').evaluateAll((rows) => rows.every((r) => r.textContent?.includes('owner-olga')))), { what: "only Olga's rows" });
    await checkPage('audit');
    await byTestId('audit-from').fill('2099-01-01T00:00');
    await byTestId('audit-apply').click();
    await byTestId('audit-empty').waitFor();
    await byTestId('audit-verify').click();
    await expect(byTestId('audit-verdict').textContent()).resolves.toMatch(/^The chain is intact: \d+ entries checked\.$/);
  });

  it('shows a viewer no control it may not use, and the API refuses them anyway', async () => {
    await switchUser(vic);
    await byTestId(`number-row-${OLGAS}`).waitFor();
    for (const id of ['add-number', `select-${OLGAS}`, 'bulk-start', `pair-${OLGAS}`, 'nav-deliveries', 'nav-audit', 'nav-users', 'nav-system']) {
      expect({ id, count: await byTestId(id).count() }).toEqual({ id, count: 0 });
    }
    // A viewer may still keep API keys of its own.
    expect(await byTestId('nav-keys').count()).toBe(1);
    await byTestId(`open-${OLGAS}`).click();
    await byTestId('detail-state').waitFor();
    for (const id of ['detail-start', 'detail-stop', 'detail-restart', 'detail-logout', 'detail-delete', 'tab-logs', 'tab-webhooks', 'tab-sharing']) {
      expect({ id, count: await byTestId(id).count() }).toEqual({ id, count: 0 });
    }
    await byTestId('tab-queue').click();
    await byTestId('queue-readonly').waitFor();
    await expect(byTestId('queue-save').isDisabled()).resolves.toBe(true);
    await checkPage('viewer-number');
    await page.goto(`${gw.url}/dashboard/audit`);
    await byTestId('not-found').waitFor();

    // The server refuses what the page hides: a restart with the viewer's own token, recorded as denied.
    const token = await login(gw, vic.username, vic.password);
    const restart = await gw.request<{ error: { code: string; message: string } }>('POST', `/api/devices/${OLGAS}/restart`, { token });
    expect(restart.status).toBe(403);
    expect(restart.body.error.code).toBe('FORBIDDEN');
    await waitFor(() => gw.gateway.database.sqlite.prepare("SELECT 1 FROM audit_events WHERE result = 'denied' AND action = 'number.restart' AND http_status = 403 AND actor_id = ?").get(vic.id), {
      what: 'the denied restart in the audit log',
    });
  });

  it('speaks Brazilian Portuguese on the keys page', async () => {
    await page.goto(`${gw.url}/dashboard/keys`);
    await byTestId('keys-table').waitFor();
    await byTestId('language-select').selectOption('pt-BR');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Chaves de API');
    await expect(byTestId('key-create').textContent()).resolves.toContain('Criar uma chave');
    await byTestId('language-select').selectOption('en');
  });

  it('reported no CSP violation and no page error', () => {
    expect(browser.console.filter((line) => /Content.Security.Policy|Refused to|pageerror/i.test(line))).toEqual([]);
  });
});
