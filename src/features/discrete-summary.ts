/**
 * The BG/BB summary for discrete purchase opportunities (Fader, Hardie & Shang 2010): calendar periods
 * (year, quarter, month or week) are the opportunities. Per customer whose first purchase falls up to the
 * calibration end, with the period of the first purchase as opportunity 0:
 * frequency = later calibration periods with a purchase, recency = the index of the last one (0 without),
 * T = n = periods from the first to the calibration end's period; monetary_value = mean net spend of the
 * repeat periods. With a holdout end: frequency_holdout (periods after the calibration end's period with a
 * purchase), monetary_holdout, duration_holdout (periods). The output columns are those of
 * `transactionSummary`, so the CLV pipeline reads either. The calibration end should close a period:
 * purchases after it in the same period count for neither part.
 */
import {
  agg, and, avg, col, count, dateTrunc, daysBetween, div, eq, gt, le, max, min, num, param, round, select, subquery, table, cast, coalesce, type Select,
} from '../sql/ir.ts';
import { purchaseDays } from './transaction-summary.ts';

export type Opportunity = 'year' | 'quarter' | 'month' | 'week';
/** Mean days per opportunity: the day count between two period starts divided by this rounds to their index difference. */
export const OPPORTUNITY_DAYS: Readonly<Record<Opportunity, number>> = { year: 365.25, quarter: 91.3125, month: 30.4375, week: 7 };

/** The BG/BB summary query (see the file comment); `holdoutEnd` adds the holdout columns. */
export function discreteSummary(o: { calibrationEnd: Date; holdoutEnd?: Date; opportunity: Opportunity; transactions?: string }): Select {
  const unit = num(OPPORTUNITY_DAYS[o.opportunity]);
  const calP = dateTrunc(o.opportunity, param(o.calibrationEnd));
  const periods = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: dateTrunc(o.opportunity, col('d')), as: 'p' },
      { expr: agg('sum', col('spend'), { filter: le(col('d'), param(o.calibrationEnd)) }), as: 'spend_cal' },
      // not named spend: ClickHouse would read this sum where the line above reads the column spend
      { expr: agg('sum', col('spend')), as: 'spend_all' },
      { expr: count(undefined, { filter: le(col('d'), param(o.calibrationEnd)) }), as: 'days_cal' },
    ],
    from: table('days'),
    where: gt(col('purchases'), num(0)),
    groupBy: [col('customer_id'), dateTrunc(o.opportunity, col('d'))],
  });
  const first = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: min(col('p')), as: 'first_p' }],
    from: table('periods'),
    where: gt(col('days_cal'), num(0)),
    groupBy: [col('customer_id')],
  });
  const idx = (x: ReturnType<typeof col>) => round(div(daysBetween(col('first_p', 'f'), x), unit));
  const inCal = and(le(col('p', 'x'), calP), gt(col('days_cal', 'x'), num(0)));
  const repeat = and(inCal, gt(col('p', 'x'), col('first_p', 'f')));
  const hold = gt(col('p', 'x'), calP);
  const out = [
    { expr: col('customer_id', 'f'), as: 'customer_id' },
    { expr: cast(count(undefined, { filter: repeat }), 'bigint'), as: 'frequency' },
    { expr: cast(coalesce(max(idx(col('p', 'x')), { filter: repeat }), num(0)), 'double'), as: 'recency' },
    { expr: cast(idx(calP), 'double'), as: 'T' },
    { expr: coalesce(cast(avg(col('spend_cal', 'x'), { filter: repeat }), 'double'), num(0)), as: 'monetary_value' },
  ];
  if (o.holdoutEnd) {
    out.push(
      { expr: cast(count(undefined, { filter: hold }), 'bigint'), as: 'frequency_holdout' },
      { expr: coalesce(cast(avg(col('spend_all', 'x'), { filter: hold }), 'double'), num(0)), as: 'monetary_holdout' },
      { expr: cast(round(div(daysBetween(calP, dateTrunc(o.opportunity, param(o.holdoutEnd))), unit)), 'double'), as: 'duration_holdout' },
    );
  }
  return select({
    with: [{ name: 'days', query: purchaseDays(o.holdoutEnd ?? o.calibrationEnd, o.transactions) }, { name: 'periods', query: periods }],
    select: out,
    from: subquery(first, 'f'),
    joins: [{ type: 'inner', source: table('periods', 'x'), on: eq(col('customer_id', 'x'), col('customer_id', 'f')) }],
    where: le(col('first_p', 'f'), calP),
    groupBy: [col('customer_id', 'f'), col('first_p', 'f')],
  });
}
