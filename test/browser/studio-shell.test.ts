// The studio's frame in Chromium: served at /studio/ without a token, sign-in with a token (a wrong one is
// refused in words), the navigation reaches every page, the keyboard reaches the content, and axe-core
// finds no serious or critical violation on the sign-in form and the overview.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ServerFixture } from '../helpers/server.ts';
import { browserSkipReason, focused, seriousViolations, studioPage, studioFixture } from '../helpers/browser.ts';

const skip = browserSkipReason();
let fx: ServerFixture;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  if (!skip) ({ fx, base, browser, close: stop } = await studioFixture({ clv: false }));
});
after(() => stop?.());

test('the studio is served at /studio/ without a token and / leads there; its data needs one', { skip }, async () => {
  const root = await fetch(`${base}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/studio/');
  const page = await fetch(`${base}/studio/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="app">/);
  assert.equal((await fetch(`${base}/studio/../segmint.yaml`)).status, 404);
  assert.equal((await fetch(`${base}/studio/%2e%2e/%2e%2e/segmint.yaml`)).status, 404);
  assert.equal((await fetch(`${base}/workspace`)).status, 401);
});

test('sign-in: a wrong token is refused in words, the right one opens the overview with the counts', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/studio/`);
  await page.getByLabel('API token').waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await page.getByLabel('API token').fill('sgm_not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /not valid/);
  await page.getByLabel('API token').fill(fx.tokens.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  const customers = await page.locator('dl.stats div', { hasText: 'customers' }).locator('dd').innerText();
  const expected = (await fx.ws.db.one<{ n: number | bigint }>('SELECT count(*) AS n FROM customers'))!.n;
  assert.equal(customers.replace(/,/g, ''), String(expected));
  await context.close();
});

test('every page of the navigation opens, the keyboard reaches the content, no serious accessibility violation on the overview', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.viewer);
  await s.goto('overview');
  assert.deepEqual(await seriousViolations(s.page), []);
  for (const [link, heading] of [['Value', /Value/], ['Clusters', /Clusters/], ['CLV', /lifetime value|CLV/i], ['Audiences', /Audiences/], ['Overview', /Overview/]] as const) {
    await s.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: link, exact: true }).click();
    await s.page.getByRole('heading', { level: 1, name: heading }).waitFor();
    assert.equal(await s.page.getByRole('link', { name: link, exact: true }).getAttribute('aria-current'), 'page');
  }
  // a page followed from the navigation has the focus on its heading (announced by screen readers)
  assert.equal(await focused(s.page, 'tagName'), 'H1');
  // on a fresh visit the first Tab shows the skip link; following it puts the focus in the content
  await s.goto('overview');
  await s.page.reload();
  await s.page.locator('main h1').first().waitFor();
  await s.page.keyboard.press('Tab');
  assert.equal(await focused(s.page, 'textContent'), 'Skip to content');
  await s.page.keyboard.press('Enter');
  assert.equal(await focused(s.page, 'id'), 'main');
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});
