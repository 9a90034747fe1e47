/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` (installed by the project's own script,
 * never by `playwright install`) driven by playwright-core, a fresh profile per run, axe-core injected on demand.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT } from './gateway.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every console message and page error, for "no CSP violation" checks. */
  readonly console: string[];
  close(): Promise<void>;
}

/** Installs Chromium if missing (as the nginx tests install nginx), then launches it with a throwaway profile. */
export async function launchBrowser(options: { locale?: string } = {}): Promise<TestBrowser> {
  execFileSync(path.join(ROOT, 'scripts', 'dev', 'ensure-packages.sh'), ['chromium'], { stdio: 'inherit' });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    locale: options.locale ?? 'en-US',
    viewport: { width: 1360, height: 900 },
    env: { ...process.env, HOME: profile } as Record<string, string>,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const console: string[] = [];
  page.on('console', (msg: ConsoleMessage) => console.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => console.push(`pageerror: ${err.message}`));
  return {
    context,
    page,
    console,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. The script is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (an injected <script> would rightly be refused).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE}\n;0`);
  // A string, not a function: the test is compiled without the DOM's types.
  const result = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Signs in through the page's own form and waits for the numbers page. */
export async function signIn(page: Page, baseUrl: string, user: { username: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/`);
  await page.getByTestId('sign-in-username').fill(user.username);
  await page.getByTestId('sign-in-password').fill(user.password);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('numbers-table').waitFor();
}

/**
 * Every run saves its screenshots under test-output/ (ignored by git); `UPDATE_SCREENSHOTS=1 npm run jest --
 * tests/dashboard` writes them to docs/screenshots/ instead, which the README shows, so a plain test run never
 * changes tracked files.
 */
export const SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? path.join(ROOT, 'docs', 'screenshots') : path.join(ROOT, 'test-output', 'screenshots');

/** A full-page PNG (toasts of earlier steps dismissed first, so the page itself shows). */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const toasts = page.locator('[data-testid^="toast-"] button');
  while ((await toasts.count()) > 0) await toasts.first().click();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
