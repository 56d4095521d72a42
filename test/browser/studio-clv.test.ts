// The CLV page in Chromium against the stored run and SQL on its rows: the parameters shown equal the fit
// run's stored estimates (and its missing standard errors show as missing), a degenerate fit says so, the
// churn and CLV tier counts and the histogram's total equal SQL counts, the first of the customers by CLV
// is the one with the highest CLV. axe: no serious violation; no console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator } from 'playwright-core';
import type { ServerFixture } from '../helpers/server.ts';
import { browserSkipReason, screenshot, seriousViolations, studioPage, studioFixture } from '../helpers/browser.ts';

const skip = browserSkipReason();
let fx: ServerFixture;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  if (!skip) ({ fx, base, browser, close: stop } = await studioFixture());
});
after(() => stop?.());

const n = (s: string) => Number(s.replace(/[,%\s]/g, ''));
async function rows(table: Locator): Promise<string[][]> {
  // the table may still be loading (its data comes in its own request): wait for its first row
  await table.locator('tbody tr').first().waitFor();
  return (await table.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
}
/** Shown to 4 significant digits (3 with rel 5e-3): within half a unit of the last digit. */
function close(shown: string, stored: number, what: string, rel = 1e-3) {
  const v = n(shown);
  assert.ok(Number.isFinite(v), `${what}: ${shown} is a number`);
  assert.ok(Math.abs(v - stored) <= rel * Math.abs(stored), `${what}: shown ${shown}, stored ${stored}`);
}

interface Stored { purchase: { name: string; params: Record<string, number>; standardErrors: Record<string, number | null> }; spend?: { params: Record<string, number>; standardErrors: Record<string, number | null> }; diagnostics?: { degenerate: boolean; weak: boolean } }

test('CLV: parameters equal the stored fit, a degenerate fit says so, tiers and the top customer equal SQL', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.viewer);
  await s.goto('clv');
  const fit = JSON.parse(String((await fx.ws.db.one<{ s: string }>('SELECT CAST(summary AS VARCHAR) AS s FROM runs WHERE run_id = ?', [fx.runs.clv]))!.s)) as Stored;
  const params = s.page.locator('table.params', { has: s.page.locator('caption', { hasText: `${fit.purchase.name} parameters` }) });
  await params.waitFor();
  const shown = await rows(params);
  assert.deepEqual(shown.map((r) => r[0]), Object.keys(fit.purchase.params));
  for (const r of shown) {
    close(r[1]!, fit.purchase.params[r[0]!]!, `estimate of ${r[0]}`);
    const se = fit.purchase.standardErrors[r[0]!];
    if (se === null || se === undefined) assert.equal(r[2], '–', `no standard error for ${r[0]}`);
    else close(r[2]!, se, `standard error of ${r[0]}`);
  }
  if (fit.spend) {
    const gg = await rows(s.page.locator('table.params', { has: s.page.locator('caption', { hasText: 'Gamma-Gamma' }) }));
    for (const r of gg) close(r[1]!, fit.spend.params[r[0]!]!, `Gamma-Gamma ${r[0]}`);
  }
  // the fixture's BG/NBD fit has no drop-out: the page must say it is degenerate, in words
  assert.equal(fit.diagnostics?.degenerate, true, 'the fixture fit is degenerate (the page is checked on it)');
  const note = s.page.getByRole('note', { name: /fit is degenerate/ });
  await note.waitFor();
  assert.match(await note.innerText(), /What it means:.*What to do:/s);
  assert.equal(await s.page.getByText('The fit is sound').count(), 0);

  // the tiers: counts per tier equal SQL on the prediction run's rows
  const pr = fx.runs['clv-predict'];
  const churn = await fx.ws.db.all<{ t: string; n: bigint }>('SELECT churn_tier AS t, count(*) AS n FROM clv_predictions WHERE run_id = ? GROUP BY 1', [pr]);
  const churnShown = await rows(s.page.locator('table.tiers-churn'));
  assert.deepEqual(new Map(churnShown.map((r) => [r[0]!, n(r[1]!)])), new Map(churn.map((c) => [c.t ?? '(no prediction)', Number(c.n)])));
  const tiers = await fx.ws.db.all<{ t: string | null; n: bigint }>('SELECT clv_tier AS t, count(*) AS n FROM clv_predictions WHERE run_id = ? GROUP BY 1', [pr]);
  const tiersShown = await rows(s.page.locator('table.tiers-clv'));
  assert.deepEqual(new Map(tiersShown.map((r) => [r[0]!, n(r[1]!)])), new Map(tiers.map((c) => [c.t ?? '(no CLV)', Number(c.n)])));
  assert.ok(tiers.length >= 4, 'the four CLV tiers');
  // the "not informative" churn tiers are explained
  if (churn.length === 1 && churn[0]!.t === 'not informative') await s.page.getByText(/P\(alive\) barely varies across customers in this run/).waitFor();

  // the histogram counts every customer with a CLV once
  const fig = s.page.locator('figure.chart', { has: s.page.locator('figcaption', { hasText: 'CLV distribution' }) });
  await fig.locator('summary').click();
  const bins = await rows(fig.locator('details table'));
  const withClv = Number((await fx.ws.db.one<{ n: bigint }>('SELECT count(clv) AS n FROM clv_predictions WHERE run_id = ?', [pr]))!.n);
  assert.equal(bins.reduce((a, b) => a + n(b[2]!), 0), withClv);
  await fig.locator('summary').click();

  // the first customer by CLV is the one with the highest CLV
  const top = (await fx.ws.db.one<{ id: string; clv: number }>('SELECT customer_id AS id, clv FROM clv_predictions WHERE run_id = ? AND clv IS NOT NULL ORDER BY clv DESC, customer_id LIMIT 1', [pr]))!;
  const list = s.page.locator('table', { has: s.page.locator('caption', { hasText: `Customers by CLV (run ${pr})` }) });
  const first = list.locator('tbody tr').first();
  assert.equal(await first.locator('td').first().innerText(), String(top.id));
  assert.equal(await first.getByRole('link').getAttribute('href'), `#/customers/${encodeURIComponent(String(top.id))}`);
  assert.equal(n(await first.locator('td').nth(1).innerText()), Math.round(top.clv));
  assert.equal(n(await s.page.locator('dl.kpis div', { hasText: 'highest CLV' }).locator('dd').innerText()), Math.round(top.clv));

  // the heat maps: a cell per (frequency, recency); a customer without repeat purchases is alive (P = 100 %)
  const heat = s.page.locator('figure.chart', { has: s.page.locator('figcaption', { hasText: 'P(alive) by frequency and recency' }) });
  await heat.locator('summary').click();
  const grid = await rows(heat.locator('details table'));
  const cols = (await heat.locator('details thead th').allInnerTexts()).length - 1;
  assert.ok(grid.length >= 2 && cols >= 2);
  assert.equal(await heat.locator('g[data-mark="cell"] rect').count(), grid.length * cols);
  assert.equal(grid[0]![1], '100.0%');
  await heat.locator('summary').click();

  assert.deepEqual(await seriousViolations(s.page), []);
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});

test('a fit with a holdout: its calibration figures equal the stored validation; Predict CLV from the page stores predictions whose tiers equal SQL', { skip }, async () => {
  const h = { authorization: `Bearer ${fx.tokens.analyst}`, 'content-type': 'application/json' };
  const res = await fetch(`${base}/runs/clv`, { method: 'POST', headers: h, body: JSON.stringify({ model: 'bgnbd', calibrationEnd: '2011-08-31' }) });
  assert.equal(res.status, 202);
  const job = (await res.json()) as { id: string };
  let status = 'queued';
  for (let i = 0; i < 600 && (status === 'queued' || status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    status = ((await (await fetch(`${base}/jobs/${job.id}`, { headers: h })).json()) as { status: string }).status;
  }
  assert.equal(status, 'succeeded');
  const row = (await fx.ws.db.one<{ id: number; s: string }>("SELECT run_id AS id, CAST(summary AS VARCHAR) AS s FROM runs WHERE kind = 'clv' ORDER BY run_id DESC LIMIT 1"))!;
  const fitRun = Number(row.id);
  const v = (JSON.parse(row.s) as { validation: { actualTotal: number; byFrequency: { frequency: string; customers: number; actualMean: number; predictedMean: number }[] } }).validation;
  assert.ok(v && v.byFrequency.length >= 3, 'the fit has a holdout validation');

  const s = await studioPage(browser, base, fx.tokens.analyst);
  await s.goto('clv');
  // the latest fit is shown; the picker offers the other
  assert.equal(await s.page.getByLabel('CLV fit').inputValue(), String(fitRun));
  const fig = s.page.locator('figure.chart', { has: s.page.locator('figcaption', { hasText: 'Calibration against holdout' }) });
  await fig.locator('summary').click();
  const shown = await rows(fig.locator('details table'));
  assert.deepEqual(shown.map((r) => [r[0], n(r[1]!)]), v.byFrequency.map((g) => [g.frequency, g.customers]));
  shown.forEach((r, i) => {
    close(r[2]!, v.byFrequency[i]!.actualMean, `made, ${r[0]}`, 5e-3);
    close(r[3]!, v.byFrequency[i]!.predictedMean, `expected, ${r[0]}`, 5e-3);
  });
  await s.page.getByText(`the ${v.byFrequency.reduce((a, g) => a + g.customers, 0).toLocaleString('en-US')} customers made ${v.actualTotal.toLocaleString('en-US')} purchases`).waitFor();

  // no predictions from this fit yet: the page offers them, and shows them once made
  await s.page.getByText('No predictions from this fit yet — Predict CLV').waitFor();
  await s.page.getByRole('button', { name: 'Predict CLV' }).click();
  const caption = s.page.locator('caption', { hasText: /^Customers by CLV \(run \d+\)$/ });
  await caption.waitFor({ timeout: 120_000 });
  const pr = Number(/run (\d+)/.exec(await caption.innerText())![1]);
  const params = JSON.parse(String((await fx.ws.db.one<{ p: string }>('SELECT CAST(params AS VARCHAR) AS p FROM runs WHERE run_id = ?', [pr]))!.p)) as { fitRunId: number };
  assert.equal(Number(params.fitRunId), fitRun);
  const tiers = await fx.ws.db.all<{ t: string | null; n: bigint }>('SELECT clv_tier AS t, count(*) AS n FROM clv_predictions WHERE run_id = ? GROUP BY 1', [pr]);
  assert.deepEqual(new Map((await rows(s.page.locator('table.tiers-clv'))).map((r) => [r[0]!, n(r[1]!)])), new Map(tiers.map((c) => [c.t ?? '(no CLV)', Number(c.n)])));
  // the docs' picture: a fit with a holdout and its predictions
  await fig.locator('summary').click();
  await s.page.evaluate('window.scrollTo(0, 0)');
  await screenshot(s.page, 'clv');
  assert.deepEqual(await seriousViolations(s.page), []);
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});
