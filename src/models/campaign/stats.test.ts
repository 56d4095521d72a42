// Distribution functions and intervals against scipy 1.10.1 / statsmodels 0.13.5 values (recorded here with the
// call that gave each) and Newcombe's (1998) published worked examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benjaminiHochberg, chiSquareSf, holm, newcombe, normalQuantile, normalSf, studentQuantile, studentTwoSided, welch, wilson } from './stats.ts';

const rel = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${what}: ${a} against ${b}`);

test('normal quantile and tail equal scipy.stats.norm', () => {
  // st.norm.ppf(p)
  for (const [p, want] of [[0.975, 1.959963984540054], [0.8, 0.8416212335729143], [1e-10, -6.361340902404056], [0.5 + 1e-9, 2.5066282037387115e-9], [0.3, -0.5244005127080409]] as const) {
    rel(normalQuantile(p), want, 1e-12, `ppf(${p})`);
  }
  // st.norm.sf(x)
  for (const [x, want] of [[1.96, 0.024997895148220435], [8, 6.22096057427174e-16], [22, 1.4398924351450382e-107], [-1, 0.8413447460685429]] as const) {
    rel(normalSf(x), want, 1e-10, `sf(${x})`);
  }
});

test('Student t and chi-square equal scipy.stats.t and chi2', () => {
  // 2 * st.t.sf(|t|, df)
  for (const [t, df, want] of [[2.1, 5, 0.08975324988459868], [0.5, 30.5, 0.6206635239145257], [8, 1000, 3.426661482391499e-15], [3, 2.5, 0.07257609554903183]] as const) {
    rel(studentTwoSided(t, df), want, 1e-9, `t ${t} df ${df}`);
  }
  // st.t.ppf(p, df), whose own error reaches 4e-10 (st.t.sf(st.t.ppf(0.975, 5), 5) = 0.024999999970316766)
  for (const [p, df, want] of [[0.975, 5, 2.5705818366147395], [0.975, 30.5, 2.04086944518632], [0.025, 12000.7, -1.9601616818779215], [0.999, 1.5, 52.184430008992784]] as const) {
    rel(studentQuantile(p, df), want, 1e-9, `t ppf ${p} df ${df}`);
    rel(studentTwoSided(studentQuantile(p, df), df), 2 * Math.min(p, 1 - p), 1e-10, `t sf(ppf(${p})) df ${df}`);
  }
  // st.chi2.sf(x, df)
  for (const [x, df, want] of [[0.2, 2, 0.9048374180359595], [13.8155, 2, 0.0010000052789960706], [1065.46, 2, 4.3481113335289846e-232], [30, 7, 9.495972508134177e-5]] as const) {
    rel(chiSquareSf(x, df), want, 1e-9, `chi2 ${x} df ${df}`);
  }
});

test('Wilson and Newcombe intervals: statsmodels and Newcombe (1998) Table II', () => {
  const z = normalQuantile(0.975);
  // proportion_confint(3, 40, method='wilson'); (0, 12)
  const w = wilson(3, 40, z);
  rel(w[0], 0.025836025774588184, 1e-12, 'wilson low');
  rel(w[1], 0.1986423352431055, 1e-12, 'wilson high');
  assert.equal(wilson(0, 12, z)[0], 0);
  rel(wilson(0, 12, z)[1], 0.24249400665524096, 1e-12, 'wilson 0/12 high');
  // Newcombe's examples, method 10: 56/70 − 48/80 → (0.0524, 0.3339); 9/10 − 3/10 → (0.1705, 0.8090)
  const a = newcombe(56, 70, 48, 80, z);
  assert.deepEqual(a.map((x) => x.toFixed(4)), ['0.0524', '0.3339']);
  rel(a[0], 0.05243147240236498, 1e-12, 'newcombe low');
  rel(a[1], 0.33387265403690614, 1e-12, 'newcombe high');
  assert.deepEqual(newcombe(9, 10, 3, 10, z).map((x) => x.toFixed(4)), ['0.1705', '0.8090']);
  // confint_proportions_2indep(3, 40, 0, 12, method='newcomb')
  const b = newcombe(3, 40, 0, 12, z);
  rel(b[0], -0.1724276452325993, 1e-12, 'newcombe 3/40 - 0/12 low');
  rel(b[1], 0.1986423352431055, 1e-12, 'newcombe 3/40 - 0/12 high');
});

test('Welch: the interval and p-value of a worked example, a constant group, too few values', () => {
  // groups 1..5 and 2,4,6,8,10: means 3 and 6, variances 2.5 and 10; se = √(0.5 + 2) = 1.5811;
  // ν = 2.5² / (0.5²/4 + 2²/4) = 6.25 / 1.0625 = 5.882; scipy.stats.ttest_ind(equal_var=False): t = −1.8974, p = 0.10753
  const w = welch(5, 3, 2.5, 5, 6, 10)!;
  rel(w.df, 6.25 / 1.0625, 1e-12, 'df');
  rel(w.t, -3 / Math.sqrt(2.5), 1e-12, 't');
  rel(w.p, 0.10753119493062718, 1e-8, 'p');
  rel(w.high - w.low, 2 * studentQuantile(0.975, w.df) * Math.sqrt(2.5), 1e-12, 'width');
  assert.equal(welch(1, 3, 0, 5, 6, 10), undefined);
  assert.deepEqual([welch(3, 1, 0, 3, 1, 0)!.p, welch(3, 2, 0, 3, 1, 0)!.p], [1, 0]);
});

test('Holm and Benjamini–Hochberg equal statsmodels multipletests', () => {
  const p = [0.01, 0.04, 0.03, 0.005, 0.5];
  // multipletests(p, method='holm')[1], method='fdr_bh'
  assert.deepEqual(holm(p).map((x) => +x.toFixed(10)), [0.04, 0.09, 0.09, 0.025, 0.5]);
  assert.deepEqual(benjaminiHochberg(p).map((x) => +x.toFixed(10)), [0.025, 0.05, 0.05, 0.025, 0.5]);
  assert.deepEqual(holm([0.6, 0.9]), [1, 1]);
  assert.deepEqual(holm([]), []);
});
