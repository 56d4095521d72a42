// The Clusters page in Chromium on the server fixture: the sizes it shows equal the stored rows; a cluster is
// labelled (name and note) in the page; clustering is run again from the page with another seed and the same
// k; the label and note are then on the cluster of the new run that matches — checked here independently, by
// the distances between the two runs' stored model centroids and by the customers the clusters share.
// axe-core finds no serious or critical violation; the page logs no error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ServerFixture } from '../helpers/server.ts';
import { browserSkipReason, seriousViolations, studioPage, screenshot, studioFixture } from '../helpers/browser.ts';

const skip = browserSkipReason();
let fx: ServerFixture;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  if (!skip) ({ fx, base, browser, close: stop } = await studioFixture({ clv: false }));
});
after(() => stop?.());

/** The stored model of a cluster run: centroids in the scaled space, and the preprocessing that scaled them. */
async function storedModel(runId: number): Promise<{ centroids: number[][]; steps: { name: string; center: number; scale: number }[] }> {
  const r = await fx.ws.db.one<{ s: string }>('SELECT CAST(summary AS VARCHAR) AS s FROM runs WHERE run_id = ?', [runId]);
  const s = JSON.parse(r!.s) as { model: { centroids: number[][]; preprocessing: { steps: { name: string; center: number; scale: number }[] } } };
  return { centroids: s.model.centroids, steps: s.model.preprocessing.steps };
}

const sizes = async (runId: number) => new Map((await fx.ws.db.all<{ c: number; n: number | bigint }>('SELECT cluster AS c, count(*) AS n FROM run_clusters WHERE run_id = ? GROUP BY 1', [runId])).map((r) => [Number(r.c), Number(r.n)]));

test('Clusters page: label a cluster, re-run clustering with another seed from the page, the label and note are on the matching cluster', { skip }, async () => {
  const a = fx.runs.cluster;
  const s = await studioPage(browser, base, fx.tokens.analyst, { width: 1280, height: 1000 });
  await s.goto('clusters');
  const page = s.page;
  await page.getByRole('heading', { name: 'Personas and labels' }).waitFor();
  await page.getByRole('heading', { name: new RegExp(`^Run ${a}\\b.*: 3 clusters`) }).waitFor();

  // the table of clusters: each size equals the stored rows
  const stored = await sizes(a);
  const rows = page.getByRole('table', { name: `Clusters of run ${a}` }).locator('tbody tr');
  assert.equal(await rows.count(), 3);
  const shown = (await rows.locator('td:nth-child(2)').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
  assert.deepEqual([...shown].sort((x, y) => x - y), [...stored.values()].sort((x, y) => x - y));
  assert.match(await page.locator('#k-choice-h ~ p').first().innerText(), /k = 3 was given/);
  for (const h of ['Profiles: how each cluster differs from all customers', 'Snake plot: standardised features per cluster', 'Clusters on two principal components']) {
    assert.equal(await page.getByRole('img', { name: new RegExp(`^${h}`) }).count(), 1, h);
  }

  // label the middle-sized cluster in the page
  const labelled = [...stored].sort((x, y) => x[1] - y[1])[1]![0];
  const card = page.locator(`section[aria-labelledby="cluster-${labelled}-h"]`);
  await card.getByText('Label this cluster').click();
  const form = card.getByRole('form', { name: `Label cluster ${labelled}` });
  await form.getByLabel('Name').fill('Win-back list');
  await form.getByLabel('Note').fill('Call them before every launch');
  await form.getByLabel('Owner').fill('ann');
  await form.getByLabel('Actionable').check();
  await form.getByRole('button', { name: 'Save label' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.getByRole('heading', { level: 3, name: 'Win-back list' }).waitFor();
  const saved = JSON.parse((await fx.app.inject({ method: 'GET', url: `/runs/${a}/clusters`, headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).body) as { items: { cluster: number; label: { name?: string; note?: string } | null }[] };
  const label = saved.items.find((i) => i.cluster === labelled)!.label;
  assert.deepEqual({ name: label?.name, note: label?.note }, { name: 'Win-back list', note: 'Call them before every launch' });

  // run clustering again from the page: the same k, another seed
  const run = page.getByRole('form', { name: 'Run clustering' });
  await run.getByLabel('Number of clusters (k)').selectOption('3');
  await run.getByLabel('Seed').fill('7');
  await run.getByRole('button', { name: 'Run clustering' }).click();
  const done = run.getByText(/Cluster run \d+ stored/);
  await done.waitFor({ timeout: 120_000 });
  const b = Number(/Cluster run (\d+) stored/.exec(await done.innerText())![1]);
  assert.ok(b > a);
  assert.match(await done.innerText(), new RegExp(`labels carried from run ${a}`));
  await page.getByRole('heading', { name: new RegExp(`^Run ${b}\\b.*: 3 clusters`) }).waitFor();
  assert.match(page.url(), new RegExp(`run=${b}`));

  // the label, the note, the owner on one cluster of the new run, said to be carried
  const carried = page.locator('section.cluster-card', { has: page.getByRole('heading', { level: 3, name: 'Win-back list' }) });
  assert.equal(await carried.count(), 1);
  const text = await carried.innerText();
  assert.match(text, new RegExp(`carried from run ${a}`));
  assert.match(text, /Call them before every launch/);
  assert.match(text, /actionable · ann/);
  const target = Number(/Cluster (\d+)/.exec(text)![1]);
  // the summary table shows it too
  assert.match(await page.getByRole('table', { name: `Clusters of run ${b}` }).getByRole('row', { name: /Win-back list/ }).innerText(), new RegExp(`carried from run ${a}`));

  // independently: the new run's centroid nearest the labelled one (both runs scaled alike on the same data) …
  const ma = await storedModel(a), mb = await storedModel(b);
  assert.deepEqual(mb.steps.map((x) => [x.name, x.center, x.scale]), ma.steps.map((x) => [x.name, x.center, x.scale]));
  const from = ma.centroids[labelled]!;
  const dist = mb.centroids.map((c) => Math.hypot(...c.map((v, j) => v - from[j]!)));
  assert.equal(dist.indexOf(Math.min(...dist)), target, `distances ${dist.map((x) => x.toFixed(3)).join(', ')}`);
  // … and the one sharing most of its customers
  const shared = await fx.ws.db.all<{ b: number; n: number | bigint }>('SELECT b.cluster AS b, count(*) AS n FROM run_clusters a JOIN run_clusters b ON a.customer_id = b.customer_id WHERE a.run_id = ? AND b.run_id = ? AND a.cluster = ? GROUP BY 1 ORDER BY 2 DESC', [a, b, labelled]);
  assert.equal(Number(shared[0]!.b), target);

  await screenshot(page, 'clusters');
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(s.errors, []);
  await page.context().close();
});

test('Clusters page: a run that searched k (started from the page on eight features) says why this k, with the scores of every k; clusters matched to none are "new — review"', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.analyst);
  await s.goto('clusters');
  const page = s.page;
  await page.getByRole('heading', { name: 'Personas and labels' }).waitFor();
  // k auto (the form's default), seed 3, five features more than the labelled runs' three (matched on those three)
  const form = page.getByRole('form', { name: 'Run clustering' });
  assert.equal(await form.getByLabel('Number of clusters (k)').inputValue(), 'auto');
  await form.getByLabel('Seed').fill('3');
  for (const f of ['tenure (days)', 'mean order value', 'distinct products', 'basket size', 'return rate']) await form.getByLabel(f, { exact: true }).check();
  await form.getByRole('button', { name: 'Run clustering' }).click();
  const done = form.getByText(/Cluster run \d+ stored/);
  await done.waitFor({ timeout: 120_000 });
  const id = Number(/Cluster run (\d+) stored/.exec(await done.innerText())![1]);
  const features = ['recency_days', 'frequency', 'monetary', 'tenure_days', 'mean_order_value', 'distinct_products', 'basket_size', 'return_rate'];
  const r = await fx.ws.db.one<{ s: string }>('SELECT CAST(summary AS VARCHAR) AS s FROM runs WHERE run_id = ?', [id]);
  const run = JSON.parse(r!.s) as { features: string[]; model: { k: number; seed: number }; choice: { reason: string; scores: unknown[] } };
  assert.deepEqual(run.features, features);
  assert.equal(run.model.seed, 3);
  await page.getByRole('heading', { name: new RegExp(`^Run ${id}\\b.*: ${run.model.k} clusters`) }).waitFor();
  // the reason in words, as the run stored it, and a row per k tried behind "Show the numbers"
  assert.equal(await page.locator('#k-choice-h ~ p').first().innerText(), run.choice.reason);
  assert.equal(await page.getByRole('img', { name: /^Choosing k: silhouette and stability/ }).count(), 1);
  assert.equal(await page.getByRole('img', { name: /^Choosing k: inertia/ }).count(), 1);
  await page.locator('#k-choice-h ~ details.numbers').getByText('Show the numbers').click();
  const rows = page.getByRole('table', { name: 'Scores of every k tried' }).locator('tbody tr');
  assert.equal(await rows.count(), run.choice.scores.length);
  const chosen = await rows.filter({ hasText: 'chosen' }).locator('th').innerText();
  assert.equal(Number(chosen), run.model.k);
  // the review flags the page shows are those of the API, each with its reason
  const api = JSON.parse((await fx.app.inject({ method: 'GET', url: `/runs/${id}/clusters`, headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).body) as { items: { cluster: number; review: boolean; match: { cluster: number | null } | null }[] };
  const review = api.items.filter((i) => i.review).map((i) => i.cluster);
  assert.ok(api.items.every((i) => i.match !== null), 'matched against the earlier labelled run');
  assert.match(await page.locator('#cluster-summary-h ~ p').nth(1).innerText(), /z-scores of frequency, monetary, recency days;/);
  // the profile's numbers: a z-score and a mean per feature
  assert.equal(await page.locator('figure', { hasText: 'Profiles: how each cluster differs from all customers' }).locator('thead th').count(), 1 + 2 * features.length + 1);
  // one to one against the 3 clusters of the re-run above: at least k − 3 of these are new
  assert.ok(review.length >= run.model.k - 3, `k = ${run.model.k}, ${review.length} new`);
  assert.equal(await page.getByRole('table', { name: `Clusters of run ${id}` }).getByText('new — review').count(), review.length);
  for (const c of review) assert.match(await page.locator(`section[aria-labelledby="cluster-${c}-h"]`).innerText(), /No cluster of run \d+ is within 0.5 standard deviations/);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(s.errors, []);
  await page.context().close();
});
