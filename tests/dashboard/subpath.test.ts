/**
 * The dashboard behind a real nginx on a sub-path, configured exactly as docs/operations.md says: the page, its
 * assets, its API calls, Socket.IO and the refresh cookie all work under /wa/ in a real browser.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import getPort from 'get-port';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ADMIN, ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startNginx, type RunningNginx } from '../ops/nginx-harness.js';
import { ensurePackages, removeTempDirs, SETUP_TIMEOUT_MS, tempDir } from '../ops/support.js';

/** The nginx location block of the "sub-path" paragraph of docs/operations.md. */
function documentedLocation(): string {
  const docs = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  const block = /\*\*The dashboard on a sub-path\*\*[\s\S]*?```nginx\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!block) throw new Error('docs/operations.md lost its sub-path nginx example; update this test');
  return block;
}

describe('the dashboard behind nginx on a sub-path', () => {
  let gw: TestGateway;
  let nginx: RunningNginx;
  let browser: TestBrowser;

  beforeAll(async () => {
    await ensurePackages('nginx');
    gw = await startTestGateway({ env: { PUBLIC_PATH_PREFIX: '/wa', TRUST_PROXY: '1' } });
    nginx = await startNginx(tempDir('dash-nginx-'), { upstreamPort: Number(new URL(gw.url).port), httpPort: await getPort(), extraServerConfig: documentedLocation() });
    browser = await launchBrowser();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await gw?.close();
    removeTempDirs();
  });

  it('signs in, goes live and stays signed in across a reload, all under /wa/', async () => {
    const { page } = browser;
    const requests: string[] = [];
    page.on('request', (req) => requests.push(new URL(req.url()).pathname));
    page.on('websocket', (ws) => requests.push(new URL(ws.url()).pathname));
    await page.goto(`${nginx.url}/wa/`);
    await page.getByTestId('sign-in-form').waitFor();
    expect(new URL(page.url()).pathname).toBe('/wa/dashboard/');
    await page.getByTestId('sign-in-username').fill(ADMIN.username);
    await page.getByTestId('sign-in-password').fill(ADMIN.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('numbers-table').waitFor();
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
    const cookies = await browser.context.cookies();
    expect(cookies.map((c) => [c.name, c.path])).toEqual([['wmp_refresh', '/wa/api/auth']]);

    await page.reload();
    await page.getByTestId('numbers-table').waitFor();
    await page.getByTestId('nav-system').click();
    await page.getByTestId('system-host').waitFor();
    expect(new URL(page.url()).pathname).toBe('/wa/dashboard/system');
    // Everything the page asked for went through the prefix.
    expect(requests.filter((p) => !p.startsWith('/wa/'))).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining(['/wa/api/auth/refresh', '/wa/api/devices', '/wa/socket.io/']));
  });
});
