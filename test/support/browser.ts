// Real-browser tests: playwright-core driving Debian's chromium. Without
// chromium the test is skipped with the reason (and fails in CI).
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { onCleanup } from '#test/support/cleanup';
import { needs } from '#test/support/servers';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

let shared: Promise<Browser> | null = null;

/** The file's browser (launched once), or null when the test was skipped. */
export async function launchBrowser(t: TestContext): Promise<Browser | null> {
  if (!needs(t, fs.existsSync(CHROMIUM), `chromium (${CHROMIUM}; apt-get install chromium)`)) return null;
  shared ??= chromium
    .launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
    .then((browser) => {
      onCleanup(() => browser.close());
      return browser;
    });
  return shared;
}

/** A new page in a fresh context (own cookies), with errors surfaced. */
export async function newPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Signs in through the login form. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
