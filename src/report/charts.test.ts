import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barsH, columns, fmtShort, heatmap, histogram, linearBins, logBins, monthlyBars, pairedBars, timeSeries } from './charts.ts';
import { htmlTable, num, pct, plural } from './html.ts';

const T = { title: 'A <title>', caption: 'What it shows & why' };
const utc = (s: string) => new Date(`${s}T00:00:00Z`);

function assertChart(html: string): void {
  assert.match(html, /^<figure><div class="title">A &lt;title&gt;<\/div>/);
  assert.match(html, /<svg[\s\S]*<\/svg>/);
  assert.match(html, /<figcaption>What it shows &amp; why<\/figcaption><\/figure>$/);
  assert.doesNotMatch(html, /NaN|undefined|Infinity|<script/);
}

test('every chart helper gives a titled, captioned SVG, and a note instead of a chart when there is no data', () => {
  assertChart(barsH([{ label: 'a', value: 3 }, { label: 'b', value: 1 }], { ...T, xLabel: 'rows', total: 4 }));
  assertChart(columns([{ label: '1', value: 5 }, { label: '2–3', value: 2 }], { ...T, xLabel: 'orders', yLabel: 'customers' }));
  assertChart(monthlyBars([{ month: utc('2024-01-01'), value: 10 }, { month: utc('2024-02-01'), value: 4, partial: true }], { ...T, yLabel: 'orders' }));
  assertChart(timeSeries([{ date: utc('2024-01-01'), value: 1 }, { date: utc('2024-02-01'), value: 2, partial: true }], { ...T, yLabel: 'customers' }));
  assertChart(timeSeries([{ date: utc('2024-01-01'), value: 1, series: 'x' }, { date: utc('2024-01-01'), value: 2, series: 'y' }], { ...T, yLabel: 'events' }));
  assertChart(histogram([{ x0: 1, x1: 10, count: 3 }, { x0: 10, x1: 100, count: 1 }], { ...T, xLabel: 'spend (log scale)', logX: true }));
  assertChart(heatmap([{ x: 1, y: 1, value: 2, label: '2' }, { x: 2, y: 1, value: 9, label: '9' }], { ...T, xLabel: 'R', yLabel: 'F', colorLabel: 'n' }));
  assertChart(pairedBars([{ label: 's', a: 0.2, b: 0.5 }], ['customers', 'revenue'], { ...T, xLabel: 'share', percent: true }));
  for (const empty of [
    barsH([], { ...T, xLabel: 'x' }), columns([], { ...T, xLabel: 'x', yLabel: 'y' }), monthlyBars([], { ...T, yLabel: 'y' }),
    timeSeries([], { ...T, yLabel: 'y' }), histogram([], { ...T, xLabel: 'x' }), heatmap([], { ...T, xLabel: 'x', yLabel: 'y', colorLabel: 'c' }),
    pairedBars([], ['a', 'b'], { ...T, xLabel: 'x' }), histogram([{ x0: 0, x1: 1, count: 0 }], { ...T, xLabel: 'x' }),
  ]) {
    assert.match(empty, /Nothing to show yet/);
    assert.doesNotMatch(empty, /<svg/);
  }
});

test('non-finite values are dropped, never drawn as NaN', () => {
  const html = barsH([{ label: 'ok', value: 2 }, { label: 'bad', value: Number.NaN }, { label: 'inf', value: Infinity }], { ...T, xLabel: 'x' });
  assert.doesNotMatch(html, /NaN|Infinity|>bad</);
  assert.match(timeSeries([{ date: new Date(Number.NaN), value: 1 }], { ...T, yLabel: 'y' }), /Nothing to show yet/);
});

test('labels from the data are escaped inside the SVG, and every mark has a hover title', () => {
  const html = barsH([{ label: '<script>alert(1)</script>', value: 1234 }], { ...T, xLabel: 'customers' });
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /<title>&lt;script&gt;alert\(1\)&lt;\/script&gt;: 1,234<\/title>/);
});

test('monthly bars keep a slot for a month without data, and label months with their year', () => {
  const html = monthlyBars([{ month: utc('2023-12-01'), value: 1 }, { month: utc('2024-02-01'), value: 3 }], { ...T, yLabel: 'orders' });
  assert.equal(html.match(/<rect/g)?.length, 2);
  for (const label of ['Dec', 'Jan', 'Feb', '2023', '2024']) assert.match(html, new RegExp(`>${label}<`));
});

test('logBins: quarter decades from 1, values below 1 in the first bin, values ≤ 0 left out; linearBins', () => {
  const bins = logBins([0.5, 1, 2, 9, 10, 99, 1000, 0, -5, Number.NaN], 4);
  assert.equal(bins[0]!.x0, 1);
  assert.equal(bins.reduce((a, b) => a + b.count, 0), 7);
  assert.equal(bins[0]!.count, 2, '0.5 and 1 fall in [1, 10^0.25), 2 does not');
  assert.ok(Math.abs(bins[bins.length - 1]!.x1 - 10 ** 3.25) < 1e-6);
  assert.deepEqual(logBins([0, -1]), []);
  assert.deepEqual(linearBins([]), []);
  assert.deepEqual(linearBins([4, 4, 4]), [{ x0: 3.5, x1: 4.5, count: 3 }]);
  const lin = linearBins([0, 1, 2, 3, 4], 2);
  assert.deepEqual(lin.map((b) => b.count), [2, 3]);
});

test('number formats: thousands separators, no NaN, no minus zero', () => {
  assert.equal(num(1234567.8), '1,234,568');
  assert.equal(num(1234.5, 2), '1,234.50');
  assert.equal(num(-0.0001), '0');
  assert.equal(num(Number.NaN), '–');
  assert.equal(num(null), '–');
  assert.equal(pct(0.1234), '12.3%');
  assert.equal(pct(Infinity), '–');
  assert.equal(plural(1, 'row'), '1 row');
  assert.equal(plural(1200, 'row'), '1,200 rows');
  assert.deepEqual([950, 1500, 12000, 1.25e6, 0.5, 0].map(fmtShort), ['950', '1.5k', '12k', '1.3M', '0.5', '0']);
});

test('htmlTable: numbers right-aligned with separators, text escaped, id columns that look numeric only when all do', () => {
  const html = htmlTable(['id', 'name', 'n', 'share'], [['22423', '<b>', 1234, '12.5%'], ['85123A', 'x', 2.5, '–']], 'Cap & co', ['', 'all', 1236.5, '100%']);
  assert.match(html, /<caption>Cap &amp; co<\/caption>/);
  assert.match(html, /<th>id<\/th><th>name<\/th><th class="n">n<\/th><th class="n">share<\/th>/);
  assert.match(html, /<tr><td>22423<\/td><td>&lt;b&gt;<\/td><td class="n">1,234<\/td><td class="n">12.5%<\/td><\/tr>/);
  assert.match(html, /<td class="n">2.50<\/td><td class="n">–<\/td>/);
  assert.match(html, /<tfoot><tr><td><\/td><td>all<\/td><td class="n">1,236.50<\/td><td class="n">100%<\/td><\/tr><\/tfoot>/);
});

test('heat map: column labels too long for their cells are turned; short ones stay level; a fixed colour range is kept', () => {
  const names = ['Champions', 'Potential loyalist', "Can't lose them", 'Need attention', 'About to sleep', 'Hibernating', 'Promising', 'At risk', 'Lost', 'Loyal', 'New'];
  const long = heatmap(names.map((n) => ({ x: n, y: 'Loyal', value: 1, label: '1' })), { ...T, xLabel: 'to', yLabel: 'from', colorLabel: 'n', width: 900 });
  assert.match(long, /rotate\(-35\)/);
  const short = heatmap([1, 2, 3].map((x) => ({ x, y: 1, value: x, label: String(x) })), { ...T, xLabel: 'R', yLabel: 'F', colorLabel: 'n' });
  assert.doesNotMatch(short, /rotate\(-35\)/);
  // cells of 0.99–1.0: on a fixed 0–1 scale all dark; on the data's own range the lowest is light
  const cells = [0.99, 0.995, 1].map((v, i) => ({ x: i, y: 0, value: v, label: '' }));
  const brightness = (svg: string) => [...svg.matchAll(/<rect[^>]*fill="rgb\((\d+), (\d+), (\d+)\)"/g)].map((m) => Number(m[1]) + Number(m[2]) + Number(m[3]));
  const fixed = brightness(heatmap(cells, { ...T, xLabel: 'x', yLabel: 'y', colorLabel: 'p', colorDomain: [0, 1] }));
  const own = brightness(heatmap(cells, { ...T, xLabel: 'x', yLabel: 'y', colorLabel: 'p' }));
  assert.equal(fixed.length, 3);
  assert.ok(Math.max(...fixed) < 200, `fixed scale: ${fixed.join(' ')}`);
  assert.ok(Math.max(...own) > 500, `own range: ${own.join(' ')}`);
});
