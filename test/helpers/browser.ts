/**
 * The studio in a real browser: Debian's Chromium driven by playwright-core (never `playwright install`),
 * a server of the test's workspace listening on loopback, pages signed in with a token, axe-core run on a
 * page for accessibility, and screenshots written where SEGMINT_STUDIO_SCREENSHOTS points (docs/studio/).
 * In CI Chromium must be there (.ci/run installs it): a missing browser fails the test instead of skipping.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serverFixture, type ServerFixture } from './server.ts';

export const CHROMIUM = process.env.SEGMINT_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here (undefined when they can); in CI a missing browser is an error. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) throw new Error(`Chromium is not at ${CHROMIUM}: .ci/run installs Debian's chromium; browser tests must run in CI`);
  return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Starts the app on a free loopback port; returns its base address. */
export async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return address.replace('[::1]', '127.0.0.1');
}

export interface StudioPage {
  page: Page;
  /** uncaught errors and console errors of the page, to assert empty */
  errors: string[];
  /** opens a view of the studio: goto('value') → /studio/#/value */
  goto(hash: string): Promise<void>;
}

/** A new page signed in with `token` (kept in the tab's sessionStorage, as the sign-in form does). */
export async function studioPage(browser: Browser, base: string, token: string, viewport = { width: 1280, height: 900 }): Promise<StudioPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, baseURL: base });
  await context.addInitScript(`sessionStorage.setItem('segmint-token', ${JSON.stringify(token)})`);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return {
    page, errors,
    goto: async (hash: string) => {
      await page.goto(`${base}/studio/#/${hash.replace(/^#?\/?/, '')}`);
      await page.locator('main h1').first().waitFor();
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  // the page's own code, as text: this file is type-checked for Node, where document is not declared
  const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** A full-page PNG in $SEGMINT_STUDIO_SCREENSHOTS/<name>.png when that is set (the docs' pictures). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SEGMINT_STUDIO_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** A property of the focused element (id, textContent …), read in the page. */
export async function focused(page: Page, prop: 'id' | 'textContent' | 'tagName'): Promise<string | null> {
  return (await page.evaluate(`document.activeElement ? document.activeElement.${prop} : null`)) as string | null;
}

export interface StudioFixture {
  /** the server fixture's workspace (test/helpers/server.ts), its app listening on loopback */
  fx: ServerFixture;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The small server workspace served on a loopback port, and Chromium: what most studio tests start from. */
export async function studioFixture(options: { clv?: boolean } = {}): Promise<StudioFixture> {
  const fx = await serverFixture(options);
  try {
    const base = await listen(fx.app);
    const browser = await launchBrowser();
    return { fx, base, browser, close: async () => { await browser.close(); await fx.close(); } };
  } catch (e) {
    await fx.close();
    throw e;
  }
}
