import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { startSample, type RunningSample } from './support/start-sample.js';

/** Debian's `chromium` package; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const hasChromium = existsSync(CHROMIUM);
const describeInChromium = hasChromium
  ? describe
  : (name: string, body: () => void) => describe.skip(`${name} (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`, body);

describeInChromium('the sample in headless Chromium', () => {
  let sample: RunningSample;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    sample = await startSample();
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'nest-sessions-chromium-')); // a fresh user data dir: no cookies from earlier runs
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      viewport: { width: 1280, height: 860 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await sample?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const alerts = () => page.locator('[data-flash]');

  it('signs in, sees the flash once, fills the cart, signs out and keeps the theme', async () => {
    await page.goto(`${sample.url}/`);
    await expect(page.title()).resolves.toBe('Home · nest-sessions sample');

    // Sign in through the nav link and the form.
    await page.click('header >> text=Sign in');
    await page.fill('input[name=name]', 'Ada');
    await page.fill('input[name=password]', 'demo');
    await Promise.all([page.waitForURL(`${sample.url}/account`), page.click('form.form button[type=submit]')]);
    await expect(alerts().allInnerTexts()).resolves.toEqual([expect.stringContaining('Welcome, Ada! You are signed in.')]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Hello, Ada');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'signed-in.png'), fullPage: true });

    // Reload: the flash is gone, still signed in.
    await page.reload();
    await expect(alerts().count()).resolves.toBe(0);
    await expect(page.locator('.whoami').innerText()).resolves.toBe('Signed in as Ada');

    // Fill the cart.
    await page.click('nav >> text=Cart');
    for (const [i, sku] of ['beans', 'mug', 'beans'].entries()) {
      await page.click(`[data-testid=add-${sku}]`);
      await page.waitForSelector(`[data-testid=cart-count]:text-is("${i + 1}")`);
    }
    await expect(page.locator('[data-testid=cart-count]').innerText()).resolves.toBe('3');
    await expect(page.locator('[data-testid=cart-total]').innerText()).resolves.toBe('€33.00');

    // Pick the dark theme (the named prefs session), then sign out.
    await page.click('button[name=theme][value=dark]');
    await page.waitForSelector('html[data-theme=dark]');
    await Promise.all([page.waitForURL(`${sample.url}/`), page.click('header >> button:has-text("Sign out")')]);

    await expect(alerts().allInnerTexts()).resolves.toEqual([expect.stringContaining('You are signed out.')]);
    await expect(page.getAttribute('html', 'data-theme')).resolves.toBe('dark');
    await expect(page.locator('.whoami').count()).resolves.toBe(0);
    await expect(page.locator('[data-testid=cart-count]').count()).resolves.toBe(0);
    const cookies = await context.cookies(sample.url);
    expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['prefs', 'sid']);
    expect(cookies.every((cookie) => cookie.httpOnly && cookie.sameSite === 'Lax')).toBe(true);
  }, 60_000);
});
