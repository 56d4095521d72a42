// The Audiences pages in Chromium on the Online Retail fixture: the list (sizes over snapshots, the count
// now, the overlap matrix, a CSV export with one row per member, webhooks for an admin and in words for a
// viewer); the editor (a misspelt field marked at its line and column with a did-you-mean, completion of an
// audience name by keyboard, explain for a member and a non-member); and "no orders in the last 3 months,
// in Germany" built with the visual builder only, saved, its count equal to the CLI's on the same workspace
// (the server is stopped first: DuckDB lets one process open the workspace).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { ServerFixture } from '../helpers/server.ts';
import { browserSkipReason, screenshot, seriousViolations, studioPage, studioFixture } from '../helpers/browser.ts';
import { audienceSql, prepareAudience } from '../../src/pipeline/audience.ts';

const BIN = resolve(import.meta.dirname, '../../bin/segmint.js');
const skip = browserSkipReason();
let fx: ServerFixture;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  if (!skip) ({ fx, base, browser, close: stop } = await studioFixture({ clv: false }));
});
after(() => stop?.());

/** The members of a rule, evaluated through the library (not the server's routes). */
async function members(where: string): Promise<Set<string>> {
  const p = await prepareAudience(fx.ws, 'check', where, { audiences: { lapsed: 'has no orders in last 90 days' } });
  const c = audienceSql(p, fx.ws.db.dialect);
  return new Set((await fx.ws.db.all<{ customer_id: unknown }>(c.sql, c.params)).map((r) => String(r.customer_id)));
}

const number = (s: string) => Number(s.replace(/[,\s]/g, ''));
const ruleText = (page: Page) => page.evaluate("document.getElementById('rule-text').value") as Promise<string>;

test('the list: sizes over snapshots, the count now, the overlap, a CSV export with a row per member', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.admin);
  await s.goto('audiences');
  const lapsed = await members('has no orders in last 90 days');
  const big = await members('rfm.monetary > 1000');
  assert.ok(lapsed.size > 0 && big.size > 0);
  for (const [name, set] of [['lapsed', lapsed], ['big-spenders', big]] as const) {
    const cell = s.page.locator(`td[data-count="${name}"]`);
    await cell.locator('div.hint').waitFor();
    assert.equal(number((await cell.innerText()).split('\n')[0]!), set.size, `${name}: the count now`);
    // two snapshots of the fixture: the trend names them
    const img = s.page.getByRole('img', { name: new RegExp(`^${name}: 2 snapshots, from ${set.size.toLocaleString('en-US')} customers`) });
    await img.waitFor();
  }
  // the overlap of the two
  await s.page.getByRole('checkbox', { name: 'Compare lapsed' }).check();
  await s.page.getByRole('checkbox', { name: 'Compare big-spenders' }).check();
  const matrix = s.page.locator('table.overlap');
  await matrix.locator('tbody tr').nth(1).waitFor();
  const both = [...lapsed].filter((id) => big.has(id)).length;
  const row = (await matrix.locator('tbody tr').first().locator('td').allInnerTexts()).map((t) => number(t.split('(')[0]!));
  assert.deepEqual(row, [lapsed.size, both]);
  // the export: the header and one row per member, downloaded with the token
  const [dl] = await Promise.all([s.page.waitForEvent('download'), s.page.getByRole('button', { name: 'Export lapsed as CSV' }).click()]);
  assert.equal(dl.suggestedFilename(), 'lapsed.csv');
  const lines = readFileSync((await dl.path())!, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'customer_id');
  assert.deepEqual(new Set(lines.slice(1)), lapsed);
  assert.deepEqual(await seriousViolations(s.page), []);
  await screenshot(s.page, 'audiences');
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});

test('webhooks: an admin subscribes (the secret shown once) and deletes; a viewer is told the role is too weak', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.admin);
  await s.goto('audiences');
  await s.page.getByRole('button', { name: 'Show the webhook subscriptions' }).click();
  await s.page.getByLabel('Audience', { exact: true }).selectOption('lapsed');
  await s.page.getByLabel('URL to call').fill('https://example.com/hooks/lapsed');
  await s.page.getByRole('button', { name: 'Subscribe' }).click();
  const secret = s.page.locator('.secret code');
  await secret.waitFor();
  assert.match(await secret.innerText(), /\S{16,}/);
  const rows = s.page.getByRole('table', { name: 'Webhook subscriptions' }).locator('tbody tr');
  // the list reloads after the subscription: wait for its row, then count
  await rows.filter({ hasText: 'https://example.com/hooks/lapsed' }).first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /lapsed\s+https:\/\/example\.com\/hooks\/lapsed\s+entered, exited\s+active/);
  await s.page.getByRole('button', { name: 'I have copied it' }).click();
  assert.equal(await s.page.locator('.secret').count(), 0);
  await s.page.getByRole('button', { name: /Delete the webhook to https:\/\/example\.com\/hooks\/lapsed/ }).click();
  await s.page.getByText('No webhook yet').waitFor();
  assert.deepEqual(s.errors, []);
  await s.page.context().close();

  const v = await studioPage(browser, base, fx.tokens.viewer);
  await v.goto('audiences');
  // the studio knows the token's role (GET /me): the button is disabled with the role it needs, /webhooks never asked
  await v.page.getByText('needs the admin role').waitFor();
  assert.ok(await v.page.getByRole('button', { name: 'Show the webhook subscriptions' }).isDisabled());
  assert.equal(await v.page.getByRole('button', { name: 'Subscribe' }).count(), 0);
  assert.deepEqual(v.errors, []);
  await v.page.context().close();
});

test('the text editor: a misspelt field marked at its place with a did-you-mean; completion offers an audience name', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.analyst);
  await s.goto('audiences/new');
  const area = s.page.getByLabel('Rule', { exact: true });
  await area.click();
  await s.page.keyboard.type("all(has orders, contry = 'Germany')");
  const problem = s.page.getByRole('list', { name: 'Problems in the rule' }).getByRole('listitem');
  await problem.first().waitFor();
  assert.equal(await problem.count(), 1);
  const text = await problem.first().innerText();
  assert.match(text, /^Line 1, column 17: customers have no trait contry; did you mean country\?/);
  assert.equal(await area.getAttribute('aria-invalid'), 'true');
  assert.equal(await s.page.locator('.rule-layer mark').innerText(), 'contry');
  // a click on the problem selects it in the text
  await problem.first().getByRole('button', { name: 'Line 1, column 17' }).click();
  assert.deepEqual(await s.page.evaluate("[document.activeElement.id, document.activeElement.selectionStart, document.activeElement.selectionEnd]"), ['rule-text', 16, 22]);
  assert.deepEqual(await seriousViolations(s.page), []);

  // completion: after `in audience '` the audience names, by keyboard
  await area.fill('');
  await area.click();
  await s.page.keyboard.type("all(country = 'Germany', not in audience '");
  const list = s.page.getByRole('listbox', { name: 'Completions: audiences' });
  await list.waitFor();
  const options = await list.getByRole('option').allInnerTexts();
  assert.deepEqual(options.map((o) => o.split(' ')[0]).sort(), ['big-spenders', 'lapsed']);
  const first = await area.getAttribute('aria-activedescendant');
  assert.equal(await s.page.locator(`#${first}`).getAttribute('aria-selected'), 'true');
  await s.page.keyboard.press('ArrowDown');
  const second = await area.getAttribute('aria-activedescendant');
  assert.notEqual(second, first);
  const chosen = (await s.page.locator(`#${second}`).innerText()).split(' ')[0]!;
  await s.page.keyboard.press('Enter');
  await list.waitFor({ state: 'detached' });
  assert.equal(await ruleText(s.page), `all(country = 'Germany', not in audience '${chosen}'`);
  await s.page.keyboard.type(')');
  await s.page.getByText('No problems.').waitFor();
  // products, most bought first, inside a value compared with product_id; Tab takes one and closes the quote
  await area.fill('');
  await area.click();
  await s.page.keyboard.type("has purchases where product_id = '");
  const products = s.page.getByRole('listbox', { name: 'Completions: products' });
  await products.getByRole('option').first().waitFor();
  const top = (await fx.ws.db.one<{ id: string }>('SELECT product_id AS id FROM transactions WHERE product_id IS NOT NULL GROUP BY product_id ORDER BY count(*) DESC, product_id LIMIT 1'))!.id;
  assert.match(await products.getByRole('option').first().innerText(), new RegExp(` ${top} `));
  await s.page.keyboard.press('Tab');
  await products.waitFor({ state: 'detached' });
  assert.equal(await ruleText(s.page), `has purchases where product_id = '${top}'`);
  // a rule with a row filter has no blocks: it says so and stays text
  await s.page.getByRole('button', { name: 'Builder' }).click();
  assert.match(await s.page.getByRole('alert').innerText(), /cannot be shown as blocks — row filters .* stays in text mode/);
  assert.equal(await s.page.getByRole('button', { name: 'Text' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await ruleText(s.page), `has purchases where product_id = '${top}'`);
  // Escape closes the list: a field being typed offers fields
  await area.fill('');
  await area.click();
  await s.page.keyboard.type('coun');
  const fields = s.page.getByRole('listbox', { name: 'Completions: fields' });
  await fields.getByRole('option', { name: /^country — customer trait/ }).waitFor();
  assert.deepEqual(await seriousViolations(s.page), []);
  await s.page.keyboard.press('Escape');
  await fields.waitFor({ state: 'detached' });
  assert.equal(await ruleText(s.page), 'coun');
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});

test('the routes the editor reads: products most bought first, by prefix, paged; fields the checker knows; a draft count bounded', { skip }, async () => {
  const h = { authorization: `Bearer ${fx.tokens.viewer}` };
  const vocab = async (q: string) => {
    const r = await fx.app.inject({ method: 'GET', url: `/audience-vocabulary?${q}`, headers: h });
    assert.equal(r.statusCode, 200, r.body);
    return JSON.parse(r.body) as { items: { value: string; label: string; scope?: string; type?: string }[]; next: number | null };
  };
  const top = await fx.ws.db.all<{ id: string; n: number | bigint }>('SELECT product_id AS id, count(*) AS n FROM transactions WHERE product_id IS NOT NULL GROUP BY product_id ORDER BY n DESC, product_id LIMIT 10');
  const p1 = await vocab('kind=products&limit=5');
  const p2 = await vocab(`kind=products&limit=5&offset=${p1.next}`);
  assert.equal(p1.next, 5);
  assert.deepEqual([...p1.items, ...p2.items].map((i) => i.value), top.map((t) => t.id));
  // a prefix matches the id or the description, case aside
  const heart = await vocab('kind=products&prefix=WHITE%20HANGING&limit=20');
  assert.ok(heart.items.length > 0);
  for (const i of heart.items) assert.ok(i.value.toLowerCase().startsWith('white hanging') || i.label.toLowerCase().startsWith('white hanging'), i.label);
  // fields: the customers' traits and the stored results, as the checker names them
  const fields = await vocab('kind=fields&limit=100');
  const traits = (await fx.ws.db.all<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'customers' AND column_name <> 'source_id'")).map((r) => r.name);
  assert.deepEqual(fields.items.filter((f) => f.scope === 'customer' && !f.value.includes('.')).map((f) => f.value).sort(), traits.sort());
  for (const f of ['rfm.segment', 'rfm.monetary', 'lrfmp.score', 'cluster.name']) assert.ok(fields.items.some((i) => i.value === f), f);
  assert.deepEqual((await vocab('kind=audiences&prefix=la')).items.map((i) => i.value), ['lapsed']);
  // the draft count: a rule of more than 20,000 characters is refused; a bad one gives its positions
  const post = (url: string, body: unknown) => fx.app.inject({ method: 'POST', url, headers: h, payload: body as Record<string, unknown> });
  assert.equal((await post('/audiences/count', { where: `country = '${'x'.repeat(20_001)}'` })).statusCode, 400);
  const bad = await post('/audiences/count', { where: "all(has orders, contry = 'Germany')" });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual((JSON.parse(bad.body) as { positions: { line: number; column: number }[] }).positions.map((p) => [p.line, p.column]), [[1, 17]]);
  const ok = JSON.parse((await post('/audiences/count', { where: 'has no orders in last 90 days' })).body) as { customers: number };
  assert.equal(ok.customers, (await members('has no orders in last 90 days')).size);
  // blocks that are not finished say where
  const unfinished = await post('/audiences/format', { blocks: { kind: 'group', op: 'all', items: [{ kind: 'field', field: '', op: '=', values: [] }] } });
  assert.equal(unfinished.statusCode, 400);
  assert.match(JSON.parse(unfinished.body).message, /^blocks\.items\[0\]\.field: expected a field name/);
  // a rule the blocks cannot show says why
  const seq = JSON.parse((await post('/audiences/parse', { where: "has purchases where category = 'x'" })).body) as { blocks?: unknown; reason?: string };
  assert.equal(seq.blocks, undefined);
  assert.match(seq.reason!, /row filters/);
});

/** What the builder test saw, for the CLI comparison at the end. */
let built: { where: string; shown: number } | undefined;

test('the builder: "no orders in the last 3 months, in Germany" with blocks only, saved; explain a member and a non-member', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.analyst);
  await s.goto('audiences/new');
  await s.page.getByLabel('Name').fill('germany-lapsed');
  await s.page.getByLabel('Description').fill('German customers without an order for 3 months');
  await s.page.getByRole('button', { name: 'Builder' }).click();
  await s.page.getByRole('button', { name: 'Add an orders condition to customers who match' }).click();
  const c1 = s.page.getByRole('group', { name: 'Condition 1' });
  await c1.getByLabel('Has').selectOption('no');
  await c1.getByLabel('When').selectOption('last');
  await c1.getByLabel('Number').fill('3');
  await c1.getByLabel('Unit').selectOption('months');
  await s.page.getByRole('button', { name: 'Add a field condition to customers who match' }).click();
  const c2 = s.page.getByRole('group', { name: 'Condition 2' });
  await c2.getByLabel('Field').fill('country');
  await c2.getByLabel('Value').fill('Germany');
  const produced = s.page.locator('#produced-text');
  await s.page.waitForFunction("document.getElementById('produced-text').textContent.includes('Germany')");
  const where = (await produced.innerText()).trim();
  assert.equal(where, "all(has no orders in last 3 months, country = 'Germany')");
  assert.equal(await s.page.locator('#rule-text').count(), 0, 'the builder, not the textarea');
  await s.page.getByText('No problems.').waitFor();
  await s.page.locator('#live-count .count-value').waitFor();
  const draft = number(await s.page.locator('#live-count .count-value').innerText());
  assert.deepEqual(await seriousViolations(s.page), []);
  await s.page.getByRole('button', { name: 'Save', exact: true }).click();
  await s.page.getByRole('heading', { level: 1, name: 'Audience germany-lapsed' }).waitFor();
  await s.page.locator('#live-count .count-value').waitFor();
  const shown = number(await s.page.locator('#live-count .count-value').innerText());
  assert.equal(shown, draft, 'the saved count is the draft count');
  const set = await members(where);
  assert.ok(set.size > 0, 'some German customers have not ordered for 3 months');
  assert.equal(shown, set.size);
  // a snapshot stored now (a job) holds that many customers, and the trend says so
  const snapshots = s.page.getByRole('region', { name: 'Snapshots' });
  await snapshots.getByText('germany-lapsed: no snapshot yet').waitFor();
  await s.page.getByRole('button', { name: 'Store a snapshot now' }).click();
  await s.page.getByText(new RegExp(`^Stored snapshot #\\d+: ${shown} customers`)).waitFor();
  await snapshots.getByText(`germany-lapsed: one snapshot, ${shown} customers as of`).waitFor();
  // explain: a member, then a customer who is not one
  const member = [...set][0]!;
  const other = (await fx.ws.db.one<{ id: string }>("SELECT min(customer_id) AS id FROM customers WHERE country = 'United Kingdom'"))!.id;
  await s.page.getByLabel('Customer id').fill(member);
  await s.page.getByRole('button', { name: 'Explain' }).click();
  await s.page.getByText(`Customer ${member} is in the audience`).waitFor();
  assert.deepEqual(await s.page.locator('.explain ul.tree ul > li > span:first-child').allInnerTexts(), ['✓ true', '✓ true']);
  // the saved text opens in the builder again
  await s.page.getByRole('button', { name: 'Builder' }).click();
  assert.equal(await s.page.getByRole('group', { name: 'Condition 2' }).getByLabel('Value').inputValue(), 'Germany');
  assert.equal((await s.page.locator('#produced-text').innerText()).trim(), where);
  assert.deepEqual(await seriousViolations(s.page), []);
  await screenshot(s.page, 'audience-editor');
  await s.page.getByRole('button', { name: 'Text' }).click();
  assert.equal(await ruleText(s.page), where);
  await s.page.getByLabel('Customer id').fill(String(other));
  await s.page.getByRole('button', { name: 'Explain' }).click();
  await s.page.getByText(`Customer ${other} is not in the audience`).waitFor();
  const marks = await s.page.locator('.explain ul.tree ul > li').allInnerTexts();
  assert.match(marks[1]!, /^✗ false country = 'Germany'/);
  assert.deepEqual(await seriousViolations(s.page), []);
  // delete: asked once more, then gone from the list
  await s.page.getByRole('button', { name: 'Delete…' }).click();
  await s.page.getByRole('group', { name: 'Confirm the deletion' }).getByRole('button', { name: 'Yes, delete' }).click();
  await s.page.getByRole('heading', { level: 1, name: 'Audiences' }).waitFor();
  await s.page.getByRole('link', { name: 'lapsed', exact: true }).waitFor();
  assert.equal(await s.page.getByRole('link', { name: 'germany-lapsed' }).count(), 0);
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
  built = { where, shown };
});

test("the builder's count equals the CLI's on the same workspace (the server stopped first)", { skip }, async () => {
  assert.ok(built, 'the builder test ran');
  // DuckDB lets one process open the workspace: the server and the fixture's connection close first
  await fx.app.close();
  fx.ws.close();
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'audience', 'eval', '--where', built.where, '--workspace', fx.dir, '--json', '--no-store'], { timeout: 120_000 });
  const r = JSON.parse(stdout) as { customers: number; where: string };
  assert.equal(r.where, built.where);
  assert.equal(r.customers, built.shown);
});
