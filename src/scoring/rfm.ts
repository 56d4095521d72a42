/**
 * Quantile-bin scores and named segments as SQL IR (docs/models.md, "Scores" and "Segments"). Bin edges
 * come from the engine's quantile function in a one-row subquery; a value equal to an edge goes to the
 * lower bin. No window function is needed, so the same query runs where windows are missing.
 */
import type { SegmentRule } from '../core/segment-rules.ts';
import {
  avg, count, eq, sum,
  add, and, caseWhen, cast, col, div, fn, index, isNull, le, lt, mul, num, NULL, param, quantiles, select, subquery, sub, table,
  type Expr, type Select,
} from '../sql/ir.ts';

export interface ScoreSpec {
  /** score column name: r, f, m, l, p */
  score: 'r' | 'f' | 'm' | 'l' | 'p';
  /** feature column it bins */
  metric: string;
  /** true when larger values are better (frequency, monetary); false for recency */
  higherIsBetter: boolean;
  /** explicit inner edges instead of quantiles (ascending, bins − 1 of them) */
  thresholds?: readonly number[];
}

export interface ScoreOptions {
  /** table (or CTE) holding one row per eligible customer with the metric columns */
  features: string;
  bins: number;
  scores: readonly ScoreSpec[];
  rules: readonly SegmentRule[];
  /** the scale the rules are written on (5 for the default tables) */
  ruleScale: number;
  /** feature columns to carry through to the output (saves a join back to the features) */
  passthrough?: readonly string[];
}

/** Inner quantile fractions 1/k … (k−1)/k. */
export const fractions = (bins: number) => Array.from({ length: bins - 1 }, (_, j) => Number(((j + 1) / bins).toFixed(12)));

/** The query of the bin edges: one row, one array column `q_<score>` per quantile-scored metric. */
export function edgesQuery(o: Pick<ScoreOptions, 'features' | 'bins' | 'scores'>): Select | undefined {
  const qs = o.scores.filter((s) => !s.thresholds);
  if (qs.length === 0) return undefined;
  return select({
    select: qs.map((s) => ({ expr: quantiles(cast(col(s.metric), 'double'), fractions(o.bins)), as: `q_${s.score}` })),
    from: table(o.features),
  });
}

function scoreExpr(s: ScoreSpec, bins: number): Expr {
  const x = cast(col(s.metric, 'f'), 'double');
  const edges: Expr[] = s.thresholds ? s.thresholds.map((t) => num(t)) : fractions(bins).map((_, j) => index(col(`q_${s.score}`, 'q'), j + 1));
  // number of edges strictly below x
  const below = edges.length ? edges.map((e) => caseWhen([[lt(e, x), num(1)]], num(0))).reduce((a, b) => add(a, b)) : num(0);
  // a missing metric (LRFMP P with fewer than three purchase days) has no score, not the top or bottom bin
  return caseWhen([[isNull(x), NULL]], s.higherIsBetter ? add(num(1), below) : sub(num(bins), below));
}

function onScale(score: Expr, bins: number, scale: number): Expr {
  if (bins === scale) return score;
  return fn('least', num(scale), fn('greatest', num(1), cast(fn('ceil', div(mul(cast(score, 'double'), num(scale)), num(bins))), 'integer')));
}

/**
 * One row per customer: the feature columns, the scores, `score_code` (the scores as digits, e.g. 545; 0 for
 * a score the customer has none of) and `segment` (the first matching rule; rule names are bound parameters;
 * a rule bounding a score the customer has none of does not match).
 */
export function scoreQuery(o: ScoreOptions): Select {
  const edges = edgesQuery(o);
  const scored = select({
    select: [
      { expr: col('customer_id', 'f'), as: 'customer_id' },
      ...(o.passthrough ?? []).map((c) => ({ expr: col(c, 'f'), as: c })),
      ...o.scores.map((s) => ({ expr: scoreExpr(s, o.bins), as: s.score })),
    ],
    from: table(o.features, 'f'),
    joins: edges ? [{ type: 'cross', source: subquery(edges, 'q') }] : [],
  });
  const sc = (n: string) => onScale(col(n, 's'), o.bins, o.ruleScale);
  const has = new Set(o.scores.map((s) => s.score));
  const fm = has.has('f') && has.has('m') ? cast(fn('floor', add(div(add(cast(col('f', 's'), 'double'), cast(col('m', 's'), 'double')), num(2)), num(0.5))), 'integer') : undefined;
  const scaled: Record<string, Expr> = {};
  for (const k of has) scaled[k] = sc(k);
  if (fm) scaled.fm = onScale(fm, o.bins, o.ruleScale);
  const whens: [Expr, Expr][] = o.rules.map((r) => {
    const conds = Object.entries(r.when).map(([k, [lo, hi]]) => {
      const v = scaled[k];
      if (!v) return num(0);
      return and(le(num(lo), v), le(v, num(hi)));
    });
    return [conds.length ? and(...conds) : lt(num(0), num(1)), param(r.name)];
  });
  // a missing score is the digit 0 of the code (5 bins: 53240 = no P)
  const code = o.scores.map((s, i) => mul(cast(fn('coalesce', col(s.score, 's'), num(0)), 'bigint'), num(10 ** (o.scores.length - 1 - i)))).reduce((a, b) => add(a, b));
  return select({
    select: [
      { expr: col('customer_id', 's'), as: 'customer_id' },
      ...(o.passthrough ?? []).map((c) => ({ expr: col(c, 's'), as: c })),
      ...o.scores.map((s) => ({ expr: cast(col(s.score, 's'), 'integer'), as: s.score })),
      { expr: code, as: 'score_code' },
      { expr: caseWhen(whens), as: 'segment' },
    ],
    from: subquery(scored, 's'),
  });
}

/** The score letters in the order of run_scores' columns. */
export const SCORE_LETTERS = ['l', 'r', 'f', 'm', 'p'] as const;

/**
 * The rows of run `runId` for `run_scores`, in its column order: run id, customer, segment, code, the five
 * scores (NULL for those not computed) and the `carried` feature columns, read from `scores` (a `scoreQuery`);
 * a carried column not in `present` (when given) is NULL, not read.
 */
export function runScoresRows(runId: number, scores: Select, computed: ReadonlySet<string>, carried: readonly string[], present?: ReadonlySet<string>): Select {
  return select({
    select: [
      { expr: num(runId), as: 'run_id' },
      { expr: col('customer_id', 's'), as: 'customer_id' },
      { expr: col('segment', 's'), as: 'segment' },
      { expr: col('score_code', 's'), as: 'score_code' },
      ...SCORE_LETTERS.map((l) => ({ expr: computed.has(l) ? col(l, 's') : NULL, as: l })),
      ...carried.map((c) => ({ expr: !present || present.has(c) ? col(c, 's') : NULL, as: c })),
    ],
    from: subquery(scores, 's'),
  });
}

/** Per segment of run `runId`: customers, revenue, mean recency/frequency/monetary and the mean of each score. */
export function segmentSummaryQuery(runId: number, scoreCols: readonly string[]): Select {
  return select({
    select: [
      { expr: col('segment'), as: 'segment' },
      { expr: count(), as: 'customers' },
      { expr: sum(col('monetary')), as: 'revenue' },
      { expr: avg(col('recency_days')), as: 'mr' },
      { expr: avg(col('frequency')), as: 'mf' },
      { expr: avg(col('monetary')), as: 'mm' },
      ...scoreCols.map((c) => ({ expr: avg(col(c)), as: `s_${c}` })),
    ],
    from: table('run_scores'),
    where: eq(col('run_id'), num(runId)),
    groupBy: [col('segment')],
    orderBy: [{ expr: col('revenue'), desc: true }, col('segment')],
  });
}
