/**
 * The audience language's syntax tree (docs/audiences.md). Every node carries its source span so the
 * checker can point at it. The parser builds it (parse.ts), the formatter prints it back (format.ts), the
 * checker resolves its names (check.ts) and the lowering turns it into SQL IR (lower.ts).
 */

/** Offsets into the source text, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One problem with a definition: a kebab-case code, what was wrong, where, and what to do. */
export interface AudienceDiagnostic {
  code: string;
  message: string;
  start: number;
  end: number;
  /** 1-based line and column of `start` */
  line: number;
  column: number;
  hint?: string;
  /** the audience the problem is in, for packs */
  audience?: string;
}

/** A literal value as written: text, a number or a boolean. Dates are text (`'2024-01-31'`). */
export type Literal = { readonly kind: 'string'; readonly value: string; readonly span: Span } | { readonly kind: 'number'; readonly value: number; readonly span: Span } | { readonly kind: 'boolean'; readonly value: boolean; readonly span: Span };

/** A text literal. */
export type StringLit = Literal & { readonly kind: 'string' };

/** A population statistic of the compared quantity over all customers: `avg`, `median` or `p90`. */
export interface Stat {
  readonly kind: 'stat';
  readonly stat: 'avg' | 'median' | 'percentile';
  /** percentile 1–99 for `percentile` */
  readonly p?: number;
  readonly span: Span;
}

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export const CMP_OPS: readonly CmpOp[] = ['=', '!=', '<', '<=', '>', '>='];

export type TimeUnit = 'hours' | 'days' | 'weeks' | 'months' | 'years';
/** A length of time: `90 days`. */
export interface Duration {
  readonly n: number;
  readonly unit: TimeUnit;
  readonly span: Span;
}

/** A test on a date: relative to the as-of date, or against fixed dates (text literals). */
export type DateTest =
  | { readonly kind: 'in_last'; readonly d: Duration }
  | { readonly kind: 'ago'; readonly d: Duration }
  | { readonly kind: 'before'; readonly date: Literal }
  | { readonly kind: 'after'; readonly date: Literal }
  | { readonly kind: 'between_dates'; readonly from: Literal; readonly to: Literal };

/** What a condition on a field tests. */
export type FieldTest =
  | { readonly kind: 'cmp'; readonly op: CmpOp; readonly value: Literal | Stat }
  | { readonly kind: 'in'; readonly negate: boolean; readonly values: readonly Literal[] }
  | { readonly kind: 'between'; readonly lo: Literal; readonly hi: Literal }
  | { readonly kind: 'contains'; readonly value: Literal }
  | { readonly kind: 'starts_with'; readonly value: Literal }
  | { readonly kind: 'is_null'; readonly negate: boolean }
  | { readonly kind: 'date'; readonly test: DateTest };

/** A dotted name: `country`, `rfm.segment`, `properties.device`; `cluster(12).name` pins the stored run read. */
export interface FieldRef {
  readonly path: readonly string[];
  readonly span: Span;
  /** a pinned run of a stored result (`rfm(7).segment`): its run id, where written */
  readonly run?: { readonly id: number; readonly span: Span };
}

/** Rows a behaviour condition counts: transaction lines (by kind) or events of one type. */
export type Source =
  | { readonly kind: 'orders' | 'purchases' | 'returns' | 'transactions'; readonly span: Span }
  | { readonly kind: 'event'; readonly type: StringLit; readonly span: Span };

/** The aggregate of a measure; `field` for all but count. */
export interface Aggregate {
  readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'distinct';
  readonly field?: FieldRef;
  readonly span: Span;
}

/** The time window of a behaviour condition; `ever` (everything before the as-of date) when absent. */
export type Window = { readonly kind: 'last'; readonly d: Duration } | { readonly kind: 'between_dates'; readonly from: Literal; readonly to: Literal };

export type Node =
  | { readonly kind: 'all' | 'any'; readonly items: readonly Node[]; readonly span: Span }
  | { readonly kind: 'not'; readonly item: Node; readonly span: Span }
  /** a customer trait, an RFM/LRFMP field, or (inside a `where`) a row field */
  | { readonly kind: 'field'; readonly field: FieldRef; readonly test: FieldTest; readonly span: Span }
  /** `count orders in last 90 days >= 2`, `sum(amount) purchases where category = 'x' > avg` */
  | { readonly kind: 'measure'; readonly agg: Aggregate; readonly source: Source; readonly where?: Node; readonly window?: Window; readonly op: CmpOp; readonly value: Literal | Stat; readonly span: Span }
  /** `has orders in last 30 days`, `has no event 'login' in last 90 days` */
  | { readonly kind: 'has'; readonly negate: boolean; readonly source: Source; readonly where?: Node; readonly window?: Window; readonly span: Span }
  /** `first order in last 30 days`, `last order more than 90 days ago` */
  | { readonly kind: 'occurrence'; readonly which: 'first' | 'last'; readonly source: Source; readonly where?: Node; readonly test: DateTest; readonly span: Span }
  /** `has event 'add_to_cart' then no orders within 24 hours in last 30 days` */
  | {
      readonly kind: 'sequence';
      readonly first: { readonly source: Source; readonly where?: Node };
      readonly negate: boolean;
      readonly then: { readonly source: Source; readonly where?: Node };
      readonly within: Duration;
      readonly window?: Window;
      readonly span: Span;
    }
  /** `within 25 km of (51.5, -0.12)` */
  | { readonly kind: 'geo'; readonly km: Literal; readonly lat: Literal; readonly lon: Literal; readonly span: Span }
  /**
   * In a transactions filter: the line's place (a row of `places`) within R km of a point or of another place,
   * `within 10 km of (51.51, -0.13)`, `place within 10 km of place 'S12'`
   */
  | { readonly kind: 'near'; readonly km: Literal; readonly point?: { readonly lat: Literal; readonly lon: Literal }; readonly place?: StringLit; readonly span: Span }
  /** `in audience 'lapsed'`, `not in audience 'vip'` */
  | { readonly kind: 'ref'; readonly name: StringLit; readonly negate: boolean; readonly span: Span };

/** One named audience definition. */
export interface AudienceDef {
  name: string;
  description?: string;
  /** the rule in the text form */
  where: string;
}

/** A named list of audiences (a file, a preset). */
export interface AudiencePack {
  name: string;
  description?: string;
  audiences: AudienceDef[];
  /** field synonyms: a trait the rules name → columns tried in order when it is missing (presets on real data) */
  aliases?: Record<string, string[]>;
  /** pinned runs: a result kind (`cluster`, `rfm`, `lrfmp`, `clv`) → the run id its `kind.field`s read instead of the latest */
  runs?: Record<string, number>;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** A diagnostic at `span` of `text`. */
export function diagnostic(text: string, span: Span, code: string, message: string, hint?: string): AudienceDiagnostic {
  const { line, column } = lineColumn(text, span.start);
  return { code, message, start: span.start, end: span.end, line, column, ...(hint === undefined ? {} : { hint }) };
}

