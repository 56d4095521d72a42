/**
 * The buy-till-you-die summary per customer (docs/models.md, "Transaction summary"), as the lifetimes
 * library and the CDNOW files define it: purchases are counted per purchase day; frequency = repeat purchase
 * days, recency = last − first purchase day, T = calibration end − first purchase day, in the chosen period
 * (hour = 1/24, day = 1, week = 7, month = 30.4375 days, times an optional multiplier); monetary = mean net spend of the repeat purchase days. With a
 * holdout end, the purchase days and spend after the calibration end are counted too.
 */
import {
  agg, and, bool, cast, col, div, eq, fn, gt, isNotNull, le, num, param, select, subquery, table, type Select,
} from '../sql/ir.ts';

export type Period = 'hour' | 'day' | 'week' | 'month';
export const PERIOD_DAYS: Readonly<Record<Period, number>> = { hour: 1 / 24, day: 1, week: 7, month: 30.4375 };

export interface SummaryOptions {
  /** last day of the calibration period (inclusive) */
  calibrationEnd: Date;
  /** last day of the holdout period (inclusive); adds frequency_holdout, monetary_holdout, duration_holdout */
  holdoutEnd?: Date;
  period: Period;
  /** periods per time unit: the unit is `multiplier` × `period` (lifetimes' freq_multiplier; default 1) */
  multiplier?: number;
  transactions?: string;
  /**
   * a table already holding `purchaseDays` up to the holdout end (or the calibration end), read instead of
   * computing it again from the transactions (the CLV fit shares it with its tracking)
   */
  days?: string;
}

/**
 * Net spend and purchase lines per customer and day up to `end` (returns on a day count against it; a
 * return-only day has purchases = 0 and is not a purchase day).
 */
export function purchaseDays(end: Date, transactions = 'transactions'): Select {
  const day = fn('to_date', col('ts'));
  return select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: day, as: 'd' },
      { expr: fn('coalesce', agg('sum', cast(col('amount'), 'decimal')), num(0)), as: 'spend' },
      { expr: agg('count_star', undefined, { filter: eq(col("is_return"), bool(false)) }), as: 'purchases' },
    ],
    from: table(transactions),
    where: and(isNotNull(col('customer_id')), le(day, fn('to_date', param(end)))),
    groupBy: [col('customer_id'), day],
  });
}

export function transactionSummary(o: SummaryOptions): Select {
  const calEnd = param(o.calibrationEnd);
  const end = o.holdoutEnd ? param(o.holdoutEnd) : calEnd;
  const unit = num(PERIOD_DAYS[o.period] * (o.multiplier ?? 1));
  const daysName = o.days ?? 'days';
  const firstDay = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: agg('min', col('d')), as: 'first_day' }],
    from: table(daysName),
    where: gt(col('purchases'), num(0)),
    groupBy: [col('customer_id')],
  });
  const inCal = le(col('d', 'x'), fn('to_date', calEnd));
  const repeat = and(inCal, gt(col('d', 'x'), col('first_day', 'f')));
  const hold = gt(col('d', 'x'), fn('to_date', calEnd));
  const out = [
    { expr: col('customer_id', 'f'), as: 'customer_id' },
    { expr: cast(agg('count_star', undefined, { filter: repeat }), 'bigint'), as: 'frequency' },
    { expr: div(cast(fn('days_between', col('first_day', 'f'), fn('coalesce', agg('max', col('d', 'x'), { filter: inCal }), col('first_day', 'f'))), 'double'), unit), as: 'recency' },
    { expr: div(cast(fn('days_between', col('first_day', 'f'), calEnd), 'double'), unit), as: 'T' },
    { expr: fn('coalesce', cast(agg('avg', col('spend', 'x'), { filter: repeat }), 'double'), num(0)), as: 'monetary_value' },
    { expr: cast(fn('coalesce', agg('sum', col('spend', 'x'), { filter: inCal }), num(0)), 'double'), as: 'total_spend' },
  ];
  if (o.holdoutEnd) {
    out.push(
      { expr: cast(agg('count_star', undefined, { filter: hold }), 'bigint'), as: 'frequency_holdout' },
      { expr: fn('coalesce', cast(agg('avg', col('spend', 'x'), { filter: hold }), 'double'), num(0)), as: 'monetary_holdout' },
      { expr: div(cast(fn('days_between', calEnd, end), 'double'), unit), as: 'duration_holdout' },
    );
  }
  return select({
    ...(o.days ? {} : { with: [{ name: 'days', query: purchaseDays(o.holdoutEnd ?? o.calibrationEnd, o.transactions) }] }),
    select: out,
    from: subquery(firstDay, 'f'),
    joins: [{ type: 'inner', source: table(daysName, 'x'), on: and(eq(col('customer_id', 'x'), col('customer_id', 'f')), gt(col('purchases', 'x'), num(0))) }],
    // only customers whose first purchase falls in the calibration period
    where: le(col('first_day', 'f'), fn('to_date', calEnd)),
    groupBy: [col('customer_id', 'f'), col('first_day', 'f')],
  });
}

