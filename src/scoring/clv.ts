/**
 * CLV models applied in the warehouse as IR (issue #11): the Gamma-Gamma expected spend per customer, the
 * churn tier from P(alive) and the CLV tier from a customer's rank. The same arithmetic as
 * models/clv/gamma-gamma.ts (gammaGammaExpectedSpend, gammaGammaSpendSql) and models/clv/predict.ts
 * (CHURN_TIERS, CLV_TIERS); pipeline/clv.ts still writes these as DuckDB text and moves to them next.
 */
import { CHURN_TIERS, CLV_TIERS } from '../models/clv/predict.ts';
import type { GammaGammaParams } from '../models/clv/gamma-gamma.ts';
import { add, and, caseWhen, coalesce, bool, div, ge, gt, isNull, le, lit, lt, mul, not, num, NULL, or, sub, type Expr } from '../sql/ir.ts';

/**
 * The Gamma-Gamma conditional expected spend p·(γ + x·z̄) / (p·x + q − 1) over `x` (repeat purchases) and
 * `zbar` (their mean value): `reason` is 'non-positive-spend' for a repeat buyer without a positive mean,
 * 'spend-undefined' where p·x + q − 1 ≤ 0, NULL where the spend is defined; `spend` is NULL where it is not.
 */
export function gammaGammaSpend(o: GammaGammaParams, x: Expr, zbar: Expr): { reason: Expr; spend: Expr } {
  const den = sub(add(mul(num(o.p), x), num(o.q)), num(1));
  const reason = caseWhen([
    [and(gt(x, num(0)), not(coalesce(gt(zbar, num(0)), bool(false)))), lit('non-positive-spend')],
    [le(den, num(0)), lit('spend-undefined')],
  ]);
  const spend = caseWhen([[isNull(reason), div(mul(num(o.p), add(num(o.gamma), caseWhen([[gt(x, num(0)), mul(x, zbar)]], num(0)))), den)]]);
  return { reason, spend };
}

/** The churn tier of P(alive) (CHURN_TIERS); `notInformative` names every customer's tier when P(alive) tells no one apart. */
export function churnTier(pAlive: Expr, notInformative?: string): Expr {
  if (notInformative !== undefined) return caseWhen([[isNull(pAlive), NULL]], lit(notInformative));
  const last = CHURN_TIERS[CHURN_TIERS.length - 1]!;
  return caseWhen([[isNull(pAlive), NULL], ...CHURN_TIERS.slice(0, -1).map((t): [Expr, Expr] => [ge(pAlive, num(t.from)), lit(t.tier)])], lit(last.tier));
}

/**
 * The CLV tier (CLV_TIERS) from `rank`, the share of customers ranked above this one (0 for the highest
 * CLV, (i − 1)/n for the i-th): `(row_number() − 1) / n` where the engine has window functions; without them
 * (ClickHouse 18.16) the same share counted by a comparison with every other customer, or from the CLV's
 * quantile edges as for RFM bins.
 */
export function clvTier(clv: Expr, rank: Expr): Expr {
  const last = CLV_TIERS[CLV_TIERS.length - 1]!;
  return caseWhen([[or(isNull(clv), isNull(rank)), NULL], ...CLV_TIERS.slice(0, -1).map((t): [Expr, Expr] => [lt(rank, num(t.to)), lit(t.tier)])], lit(last.tier));
}
