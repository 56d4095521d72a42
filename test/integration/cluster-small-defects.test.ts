/**
 * Issue #14 ("Real data, second pass"), defect 10: small defects of the cluster profiles, the choice of k
 * and the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainChoice, profileClusters, type KScore } from '../../src/models/cluster/index.ts';
import { buildReport } from '../../src/report/index.ts';
import { HEATMAP_FEATURES } from '../../src/report/cluster-section.ts';
import { runCli } from '../helpers/cli.ts';
import { chromiumPath, screenshot } from '../helpers/screenshot.ts';
import { withOpenWorkspace, withTempDir } from '../helpers/workspace.ts';

test('(a) a persona compares the median with the overall median: 271 against 670 is not "about average"', () => {
  // cluster 0: most spend 271, a few 4,660 (mean ≈ the overall mean); cluster 1: everyone 670
  const spend = [...Array<number>(90).fill(271), ...Array<number>(10).fill(4660), ...Array<number>(100).fill(670)];
  const orders = [...Array<number>(100).fill(1), ...Array<number>(100).fill(5)].map((x, i) => x + (i % 3) * 0.1);
  const labels = Int32Array.from(spend, (_, i) => (i < 100 ? 0 : 1));
  const [p] = profileClusters([{ name: 'spend', values: Float64Array.from(spend) }, { name: 'orders', values: Float64Array.from(orders) }], labels, 2);
  const f = p!.features.find((x) => x.feature === 'spend')!;
  assert.ok(Math.abs(f.z) < 0.25, `the mean is close to the overall mean (z ${f.z})`);
  assert.equal(f.median, 271);
  assert.equal(f.populationMedian, 670);
  assert.ok(f.robustZ < -0.5, `robust z ${f.robustZ}`);
  assert.doesNotMatch(p!.persona, /spend[^.]*about average/, p!.persona);
  assert.match(p!.persona, /lower spend \(median 271 against 670 overall/, p!.persona);
});

test('(b) the choice of k does not call a k with stability 1.00 unstable', () => {
  const score = (k: number, stability: number, smallestShare: number, silhouette: number): KScore => ({
    k, inertia: 100 / k, silhouette, calinskiHarabasz: 10 * k, daviesBouldin: 1 / k, stability, smallestShare, sizesOk: smallestShare >= 0.02, stable: stability >= 0.8,
  });
  // the stable k = 2 has a cluster of 1%; the k with big-enough clusters disagree between restarts
  const { chosen, parts } = explainChoice([score(2, 1, 0.01, 0.7), score(3, 0.62, 0.1, 0.5), score(4, 0.55, 0.08, 0.45)], { minShare: 0.02, gmm: false, elbow: null });
  const reason = parts.join('; ');
  assert.equal(chosen.k, 3);
  assert.doesNotMatch(reason, /no k was stable/, reason);
  assert.doesNotMatch(reason, /best 1\.00/, reason);
  assert.match(reason, /none of these k was stable across restarts \(best 0\.62, below 0\.8\)/, reason);
  assert.match(reason, /the k whose restarts agree \(2: stability 1\.00, smallest cluster 1\.0%\) have a cluster below 2\.0%/, reason);
  // without a stable k at all, the reason says just that
  const none = explainChoice([score(2, 0.5, 0.3, 0.6), score(3, 0.7, 0.2, 0.5)], { minShare: 0.02, gmm: false, elbow: null }).parts.join('; ');
  assert.match(none, /none of these k was stable across restarts \(best 0\.70, below 0\.8\)$|none of these k was stable across restarts \(best 0\.70, below 0\.8\);/, none);
  assert.doesNotMatch(none, /restarts agree \(/);
});

test('(c) k-prototypes profiles give each categorical feature\'s most frequent value and its share (JSON, text, report)', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'mixed.csv');
    const rows = ['id,spend,contract'];
    for (let i = 0; i < 60; i++) {
      const high = i % 2 === 0;
      const contract = high ? (i % 10 === 0 ? 'Monthly' : 'Two year') : (i % 6 === 1 ? 'Two year' : 'Monthly');
      rows.push(`c${String(i).padStart(3, '0')},${high ? 900 + i : 100 + i},${contract}`);
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const args = ['cluster', '--input', file, '--id-column', 'id', '--features', 'spend', '--categorical', 'contract', '--algorithm', 'kprototypes', '--k', '2', '-w', ws];
    const j = await runCli([...args, '--json']);
    assert.equal(j.code, 0, j.err);
    const r = JSON.parse(j.out) as { clusters: { customers: number; features: { feature: string; mean: number }[]; categories?: { feature: string; mode: string; share: number; populationShare: number }[]; persona: string }[] };
    assert.equal(r.clusters.length, 2);
    const byMode = new Map<string, { share: number; mean: number; persona: string }>();
    for (const c of r.clusters) {
      assert.equal(c.categories?.length, 1, JSON.stringify(c));
      const g = c.categories![0]!;
      assert.equal(g.feature, 'contract');
      byMode.set(g.mode, { share: g.share, mean: c.features[0]!.mean, persona: c.persona });
      assert.match(c.persona, new RegExp(`contract is mostly ${g.mode} \\(\\d+\\.\\d%`), c.persona);
    }
    // the high spenders mostly have two-year contracts (24 of 30), the low spenders monthly ones (20 of 30)
    assert.ok(byMode.get('Two year')!.mean > 500 && Math.abs(byMode.get('Two year')!.share - 0.8) < 1e-9, JSON.stringify([...byMode]));
    assert.ok(byMode.get('Monthly')!.mean < 500 && Math.abs(byMode.get('Monthly')!.share - 2 / 3) < 1e-9, JSON.stringify([...byMode]));
    const t = await runCli(args);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /contract \(most frequent\)/);
    assert.match(t.out, /Two year \(80\.0%\)/);
    const html = await withOpenWorkspace(ws, (w) => buildReport(w.db));
    assert.match(html, /most frequent contract/);
    assert.match(html, /Two year \(80\.0%\)/);
  });
});

test('(d) the report\'s heat map of 27 features shows the 12 most distinguishing and says how many are left out', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'wide.csv');
    const names = Array.from({ length: 27 }, (_, j) => `feature_number_${String(j + 1).padStart(2, '0')}`);
    const rows = [`id,${names.join(',')}`];
    // three planted groups: features 1–9 separate them strongly, the rest weakly or not at all
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 150; i++) {
      const g = i % 3;
      rows.push(`c${String(i).padStart(3, '0')},${names.map((_, j) => (j < 9 ? (g === j % 3 ? 10 : 0) + rnd() : j < 15 ? g * 0.3 + rnd() : rnd()).toFixed(4)).join(',')}`);
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const c = await runCli(['cluster', '--input', file, '--id-column', 'id', '--k', '3', '-w', ws]);
    assert.equal(c.code, 0, c.err);
    const html = await withOpenWorkspace(ws, (w) => buildReport(w.db));
    const start = html.indexOf('Cluster profiles (z-scores)');
    assert.ok(start > 0);
    const fig = html.slice(start, html.indexOf('</figure>', start));
    const svg = fig.slice(fig.indexOf('<svg'), fig.indexOf('</svg>'));
    const shown = names.filter((n) => svg.includes(`>${n}<`));
    assert.equal(shown.length, HEATMAP_FEATURES, shown.join(', '));
    assert.ok(HEATMAP_FEATURES <= 12);
    // the nine features that separate the groups are among those shown
    for (const n of names.slice(0, 9)) assert.ok(shown.includes(n), `${n} in ${shown.join(', ')}`);
    assert.match(fig, /the 12 most distinguishing of 27 features/);
    assert.match(fig, /15 more features with smaller differences/);
    // every feature's mean is still in the table
    for (const n of names) assert.ok(html.includes(`mean ${n}`), n);
    // the svg is at most about as wide as a screen and a half
    const width = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    assert.ok(width <= 1400, `svg width ${width}`);
    if (chromiumPath()) {
      const page = join(dir, 'report.html');
      writeFileSync(page, html);
      assert.equal(await screenshot(page, join(dir, 'report.png'), { width: 1400, height: 1200 }), true);
    }
  });
});
