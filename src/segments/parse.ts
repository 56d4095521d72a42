/**
 * Parser of the audience text form (grammar in docs/audiences.md). It never throws on any input: problems
 * come back as diagnostics with their position, and the tree is returned only when there were none.
 * Keywords are recognised only as bare words; a trait whose name is a keyword is written "quoted".
 */
import {
  CMP_OPS, diagnostic, type Aggregate, type AudienceDiagnostic, type CmpOp, type DateTest, type Duration, type FieldRef, type FieldTest, type Literal, type Node,
  type Source, type Span, type Stat, type TimeUnit, type Window,
} from './ast.ts';

/** Longest definition accepted, in characters. */
export const MAX_TEXT_LENGTH = 1_000_000;
/** Deepest nesting of groups accepted. */
export const MAX_DEPTH = 64;

type TokKind = 'word' | 'qident' | 'string' | 'number' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  /** the decoded value of strings, quoted identifiers and numbers */
  value: string;
  start: number;
  end: number;
}

class Abort extends Error {}

const UNITS: Record<string, TimeUnit> = {
  hour: 'hours', hours: 'hours', day: 'days', days: 'days', week: 'weeks', weeks: 'weeks', month: 'months', months: 'months', year: 'years', years: 'years',
};
const SOURCES: Record<string, 'orders' | 'purchases' | 'returns' | 'transactions'> = {
  order: 'orders', orders: 'orders', purchase: 'purchases', purchases: 'purchases', return: 'returns', returns: 'returns', transaction: 'transactions', transactions: 'transactions',
};
const AGGS = ['sum', 'avg', 'min', 'max', 'distinct'] as const;
/** Bare words that start a non-field condition; a field with one of these names must be "quoted". */
export const RESERVED = new Set(['all', 'any', 'not', 'has', 'first', 'last', 'within', 'in', 'count', ...AGGS, 'event', ...Object.keys(SOURCES), 'true', 'false', 'ever']);

function lex(text: string, diags: AudienceDiagnostic[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  const err = (start: number, end: number, code: string, msg: string, hint?: string) => diags.push(diagnostic(text, { start, end }, code, msg, hint));
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      const w = text.slice(start, i);
      out.push({ kind: 'word', text: w, value: w, start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9.]/.test(text[i + 1] ?? '')) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      const t = m ? m[0] : c;
      i += t.length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) {
        while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
        err(start, i, 'invalid-number', `${text.slice(start, i)} is not a number`, 'write numbers like 90, 2.5 or -1e3; units go after a space (90 days)');
        continue;
      }
      out.push({ kind: 'number', text: t, value: t, start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let v = '';
      i++;
      let closed = false;
      while (i < n) {
        if (text[i] === c) {
          if (text[i + 1] === c) {
            v += c;
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        v += text[i];
        i++;
      }
      if (!closed) {
        err(start, n, 'unterminated-string', `the ${c === "'" ? 'text' : 'quoted name'} starting here has no closing ${c}`, `close it with ${c}; write ${c}${c} for a ${c} inside`);
        break;
      }
      out.push({ kind: c === "'" ? 'string' : 'qident', text: text.slice(start, i), value: v, start, end: i });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
      out.push({ kind: 'punct', text: two === '<>' ? '!=' : two, value: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if ('(),.=<>*'.includes(c)) {
      out.push({ kind: 'punct', text: c, value: c, start, end: i + 1 });
      i++;
      continue;
    }
    // one diagnostic for a run of unexpected characters
    while (i < n && !/[\sA-Za-z0-9_'"(),.=<>!*#-]/.test(text[i]!)) i++;
    if (i === start) i++;
    err(start, i, 'unexpected-character', `unexpected ${JSON.stringify(text.slice(start, Math.min(i, start + 20)))}`, 'conditions are made of names, quoted text, numbers, ( ) , and comparison operators');
  }
  out.push({ kind: 'eof', text: '', value: '', start: n, end: n });
  return out;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string, private readonly toks: Token[], readonly diags: AudienceDiagnostic[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'word' && t.text.toLowerCase() === w;
  }
  private isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }
  private describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the text' : JSON.stringify(t.text.length > 30 ? `${t.text.slice(0, 30)}…` : t.text);
  }
  fail(t: Token, code: string, message: string, hint?: string): never {
    this.diags.push(diagnostic(this.text, { start: t.start, end: Math.max(t.end, t.start + (t.kind === 'eof' ? 0 : 1)) }, code, message, hint));
    throw new Abort();
  }
  private expected(what: string, hint?: string): never {
    const t = this.peek();
    return this.fail(t, 'syntax-error', `expected ${what}, found ${this.describe(t)}`, hint);
  }
  private word(w: string, hint?: string): Token {
    if (!this.isWord(w)) this.expected(`'${w}'`, hint);
    return this.next();
  }
  private punct(p: string, hint?: string): Token {
    if (!this.isPunct(p)) this.expected(`'${p}'`, hint);
    return this.next();
  }
  private span(start: number): Span {
    return { start, end: this.toks[Math.max(0, this.pos - 1)]!.end };
  }

  /** The whole text: one condition and nothing after it. */
  top(): Node | undefined {
    if (this.peek().kind === 'eof') {
      this.fail(this.peek(), 'empty-definition', 'the definition is empty', "write a condition, e.g. all(country = 'UK', has orders in last 90 days)");
    }
    const n = this.expr(false);
    if (this.peek().kind !== 'eof') this.expected('the end of the definition', 'combine several conditions with all(…, …) or any(…, …)');
    return n;
  }

  expr(inFilter: boolean): Node {
    const t = this.peek();
    if ((this.isWord('all') || this.isWord('any')) && this.isPunct('(', 1)) {
      if (++this.depth > MAX_DEPTH) this.fail(t, 'too-deep', `groups are nested more than ${MAX_DEPTH} deep`, 'flatten the definition, or split it into audiences that refer to each other');
      this.next();
      this.next();
      const items = this.list(() => this.expr(inFilter), ')');
      this.depth--;
      return { kind: t.text.toLowerCase() as 'all' | 'any', items, span: this.span(t.start) };
    }
    if (this.isWord('not') && this.isPunct('(', 1)) {
      if (++this.depth > MAX_DEPTH) this.fail(t, 'too-deep', `groups are nested more than ${MAX_DEPTH} deep`, 'flatten the definition, or split it into audiences that refer to each other');
      this.next();
      this.next();
      const item = this.expr(inFilter);
      this.punct(')', 'not(…) takes one condition; use not(any(…)) for several');
      this.depth--;
      return { kind: 'not', item, span: this.span(t.start) };
    }
    if (inFilter && (this.isWord('within') || (this.isWord('place') && this.isWord('within', 1)))) return this.near();
    if (inFilter) return this.fieldCond();
    return this.cond();
  }

  /** In a row filter: `[place] within R km of (lat, lon)` or `[place] within R km of place 'id'`. */
  private near(): Node {
    const t = this.peek();
    if (this.isWord('place')) this.next();
    this.next();
    const km = this.numberLit('a distance');
    this.word('km', "distances are in km: within 10 km of place 'S12'");
    this.word('of');
    if (this.isWord('place')) {
      this.next();
      return { kind: 'near', km, place: this.stringLit("the place id in quotes: place 'S12'"), span: this.span(t.start) };
    }
    this.punct('(', "a point (latitude, longitude) or place 'id'");
    const lat = this.numberLit('a latitude');
    this.punct(',');
    const lon = this.numberLit('a longitude');
    this.punct(')');
    return { kind: 'near', km, point: { lat, lon }, span: this.span(t.start) };
  }

  /** Items up to `close`, separated by commas; a broken item is reported and skipped, so later ones are still read. */
  private list<T>(item: () => T, close: string): T[] {
    const out: T[] = [];
    if (this.isPunct(close)) {
      this.next();
      return out;
    }
    let failed = false;
    for (;;) {
      try {
        out.push(item());
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
        failed = true;
        this.skipItem();
      }
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      if (this.isPunct(close)) {
        this.next();
        break;
      }
      if (failed && this.peek().kind === 'eof') throw new Abort();
      this.expected(`',' or '${close}'`);
    }
    if (failed) throw new Abort();
    return out;
  }

  /** Skip to the next ',' or ')' at this nesting level. */
  private skipItem(): void {
    let level = 0;
    while (this.peek().kind !== 'eof') {
      if (level === 0 && (this.isPunct(',') || this.isPunct(')'))) return;
      if (this.isPunct('(')) level++;
      if (this.isPunct(')')) level--;
      this.next();
    }
  }

  private cond(): Node {
    const t = this.peek();
    const w = t.kind === 'word' ? t.text.toLowerCase() : '';
    if (w === 'in' && this.isWord('audience', 1)) {
      this.next();
      this.next();
      return { kind: 'ref', negate: false, name: this.stringLit('the audience name in quotes'), span: this.span(t.start) };
    }
    if (w === 'not' && this.isWord('in', 1) && this.isWord('audience', 2)) {
      this.next();
      this.next();
      this.next();
      return { kind: 'ref', negate: true, name: this.stringLit('the audience name in quotes'), span: this.span(t.start) };
    }
    if (w === 'within') {
      this.next();
      const km = this.numberLit('a distance');
      this.word('km', 'distances are in km: within 25 km of (51.5, -0.12)');
      this.word('of');
      this.punct('(');
      const lat = this.numberLit('a latitude');
      this.punct(',');
      const lon = this.numberLit('a longitude');
      this.punct(')');
      return { kind: 'geo', km, lat, lon, span: this.span(t.start) };
    }
    if (w === 'has') {
      this.next();
      const negate = this.isWord('no') ? (this.next(), true) : false;
      const first = this.sourceWithFilter();
      if (this.isWord('then')) {
        if (negate) this.fail(this.peek(), 'syntax-error', "a sequence starts with what happened: 'has A then no B within …', not 'has no A then …'");
        this.next();
        const thenNeg = this.isWord('no') ? (this.next(), true) : false;
        const then = this.sourceWithFilter();
        this.word('within', "a sequence needs a time limit: … then no orders within 24 hours");
        const within = this.duration();
        const window = this.window();
        return { kind: 'sequence', first, negate: thenNeg, then, within, ...(window ? { window } : {}), span: this.span(t.start) };
      }
      const window = this.window();
      return { kind: 'has', negate, ...first, ...(window ? { window } : {}), span: this.span(t.start) };
    }
    if (w === 'first' || w === 'last') {
      this.next();
      const s = this.sourceWithFilter();
      const test = this.dateTest(true);
      if (!test) this.expected("a date test: in last N days, more than N days ago, before '…', after '…' or between '…' and '…'");
      return { kind: 'occurrence', which: w, ...s, test, span: this.span(t.start) };
    }
    if (w === 'count' || ((AGGS as readonly string[]).includes(w) && this.isPunct('(', 1)) || this.isSourceStart()) {
      const agg = this.aggregate();
      const s = this.sourceWithFilter();
      const window = this.window();
      const op = this.cmpOp('a comparison (>= 2, = 0, > avg …)');
      const value = this.valueOrStat();
      return { kind: 'measure', agg, ...s, ...(window ? { window } : {}), op, value, span: this.span(t.start) };
    }
    return this.fieldCond();
  }

  private isSourceStart(): boolean {
    const t = this.peek();
    if (t.kind !== 'word') return false;
    const w = t.text.toLowerCase();
    return w in SOURCES || (w === 'event' && this.peek(1).kind === 'string');
  }

  private aggregate(): Aggregate {
    const t = this.peek();
    if (this.isWord('count')) {
      this.next();
      return { fn: 'count', span: this.span(t.start) };
    }
    if (this.isSourceStart()) return { fn: 'count', span: { start: t.start, end: t.start } };
    const fn = t.text.toLowerCase() as Aggregate['fn'];
    this.next();
    this.punct('(');
    const field = this.fieldRef();
    this.punct(')');
    return { fn, field, span: this.span(t.start) };
  }

  private source(): Source {
    const t = this.peek();
    if (t.kind === 'word' && t.text.toLowerCase() in SOURCES) {
      this.next();
      return { kind: SOURCES[t.text.toLowerCase()]!, span: this.span(t.start) };
    }
    if (this.isWord('event')) {
      this.next();
      const type = this.stringLit("the event type in quotes: event 'email_open'");
      return { kind: 'event', type, span: this.span(t.start) };
    }
    return this.expected("what to count: orders, purchases, returns, transactions or event 'type'");
  }

  private sourceWithFilter(): { source: Source; where?: Node } {
    const source = this.source();
    if (!this.isWord('where')) return { source };
    this.next();
    return { source, where: this.expr(true) };
  }

  private window(): Window | undefined {
    if (this.isWord('in') && this.isWord('last', 1)) {
      this.next();
      this.next();
      return { kind: 'last', d: this.duration() };
    }
    if (this.isWord('between')) return { kind: 'between_dates', ...this.betweenDates() };
    if (this.isWord('ever')) this.next();
    return undefined;
  }

  private duration(): Duration {
    const t = this.peek();
    const n = this.numberLit('a number of hours, days, weeks, months or years');
    const u = this.peek();
    const unit = u.kind === 'word' ? UNITS[u.text.toLowerCase()] : undefined;
    if (!unit) this.expected('a time unit (hours, days, weeks, months or years)');
    this.next();
    return { n: n.value, unit, span: this.span(t.start) };
  }

  /** Date tests shared by fields and first/last; `between` only when `withBetween` (fields have their own). */
  private dateTest(withBetween: boolean): DateTest | undefined {
    if (this.isWord('in') && this.isWord('last', 1)) {
      this.next();
      this.next();
      return { kind: 'in_last', d: this.duration() };
    }
    if (this.isWord('more') && this.isWord('than', 1)) {
      this.next();
      this.next();
      const d = this.duration();
      this.word('ago', 'e.g. more than 3 years ago');
      return { kind: 'ago', d };
    }
    if (this.isWord('before') || this.isWord('after')) {
      const kind = this.next().text.toLowerCase() as 'before' | 'after';
      return { kind, date: this.stringLit("a date in quotes: before '2024-01-01'") };
    }
    if (withBetween && this.isWord('between')) return { kind: 'between_dates', ...this.betweenDates() };
    return undefined;
  }

  /** `between 'from' and 'to'` with dates in quotes (the parser is at `between`). */
  private betweenDates(): { from: Literal & { kind: 'string' }; to: Literal & { kind: 'string' } } {
    this.next();
    const from = this.stringLit("a date in quotes: between '2024-01-01' and '2024-03-31'");
    this.word('and');
    return { from, to: this.stringLit("a date in quotes: between '2024-01-01' and '2024-03-31'") };
  }

  private fieldRef(): FieldRef {
    const t = this.peek();
    const path: string[] = [];
    let run: FieldRef['run'];
    for (;;) {
      const p = this.peek();
      if (p.kind === 'qident') {
        if (p.value === '') this.fail(p, 'syntax-error', 'an empty quoted name ""');
        path.push(p.value);
      } else if (p.kind === 'word' && (path.length > 0 || !RESERVED.has(p.text.toLowerCase()))) {
        path.push(p.text);
      } else if (p.kind === 'word') {
        this.fail(p, 'reserved-word', `'${p.text}' is a keyword here`, `to use a field called ${p.text}, write it in double quotes: "${p.text}"`);
      } else {
        this.expected(path.length ? 'a name after the dot' : 'a condition (a field such as country, or orders, has, all(…), …)');
      }
      this.next();
      // a pinned run: cluster(12).name, rfm('run 7').segment
      if (path.length === 1 && this.isPunct('(')) {
        run = this.runPin();
        if (!this.isPunct('.')) this.expected(`'.' and a field after ${path[0]}(${run.id})`, `e.g. ${path[0]}(${run.id}).name`);
      }
      if (!this.isPunct('.')) break;
      this.next();
    }
    return { path, span: this.span(t.start), ...(run ? { run } : {}) };
  }

  /** `(12)` or `('run 12')` after a result name: the run id. */
  private runPin(): NonNullable<FieldRef['run']> {
    const open = this.next();
    const t = this.peek();
    const m = t.kind === 'number' ? /^\d+$/.exec(t.text) : t.kind === 'string' ? /^\s*(?:run\s+)?(\d+)\s*$/i.exec(t.value) : null;
    if (!m) this.fail(t, 'invalid-run', `${this.describe(t)} is not a run id`, "pin a run by its number, as segmint runs lists it: cluster(12).name or cluster('run 12').name");
    this.next();
    this.punct(')', "a run pin is one run id: cluster(12).name");
    return { id: Number(m![1] ?? m![0]), span: this.span(open.start) };
  }

  private fieldCond(): Node {
    const t = this.peek();
    const field = this.fieldRef();
    const test = this.fieldTest();
    return { kind: 'field', field, test, span: this.span(t.start) };
  }

  private fieldTest(): FieldTest {
    const p = this.peek();
    if (p.kind === 'punct' && (CMP_OPS as readonly string[]).includes(p.text)) {
      this.next();
      return { kind: 'cmp', op: p.text as CmpOp, value: this.valueOrStat() };
    }
    const date = this.dateTest(false);
    if (date) return { kind: 'date', test: date };
    if (this.isWord('in') || (this.isWord('not') && this.isWord('in', 1))) {
      const negate = this.isWord('not');
      if (negate) this.next();
      this.next();
      this.punct('(', "a list in parentheses: country in ('UK', 'FR')");
      const values = this.list(() => this.literal(), ')');
      return { kind: 'in', negate, values };
    }
    if (this.isWord('between')) {
      this.next();
      const lo = this.literal();
      this.word('and');
      return { kind: 'between', lo, hi: this.literal() };
    }
    if (this.isWord('contains')) {
      this.next();
      return { kind: 'contains', value: this.stringLit('text in quotes') };
    }
    if (this.isWord('starts') && this.isWord('with', 1)) {
      this.next();
      this.next();
      return { kind: 'starts_with', value: this.stringLit('text in quotes') };
    }
    if (this.isWord('is')) {
      this.next();
      const negate = this.isWord('not') ? (this.next(), true) : false;
      this.word('null');
      return { kind: 'is_null', negate };
    }
    return this.expected('a test: = != < <= > >= in, not in, between, contains, starts with, is null, in last …, more than … ago, before, after');
  }

  private cmpOp(what: string): CmpOp {
    const p = this.peek();
    if (p.kind === 'punct' && (CMP_OPS as readonly string[]).includes(p.text)) {
      this.next();
      return p.text as CmpOp;
    }
    return this.expected(what);
  }

  private valueOrStat(): Literal | Stat {
    const t = this.peek();
    if (t.kind === 'word') {
      const w = t.text.toLowerCase();
      const m = /^p([1-9][0-9]?)$/.exec(w);
      if (w === 'avg' || w === 'average' || w === 'median' || m) {
        this.next();
        const span = this.span(t.start);
        return m ? { kind: 'stat', stat: 'percentile', p: Number(m[1]), span } : { kind: 'stat', stat: w === 'median' ? 'median' : 'avg', span };
      }
    }
    return this.literal();
  }

  private literal(): Literal {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', value: t.value, span: this.span(t.start) };
    }
    if (t.kind === 'number') return this.numberLit('a number');
    if (this.isWord('true') || this.isWord('false')) {
      this.next();
      return { kind: 'boolean', value: t.text.toLowerCase() === 'true', span: this.span(t.start) };
    }
    return this.expected("a value: 'text', a number, true or false", t.kind === 'word' ? `text goes in single quotes: '${t.text}'` : undefined);
  }

  private numberLit(what: string): Literal & { kind: 'number' } {
    const t = this.peek();
    if (t.kind !== 'number') this.expected(what);
    const v = Number(t.value);
    if (!Number.isFinite(v)) this.fail(t, 'invalid-number', `${t.text} is too large`, 'use a smaller number');
    this.next();
    return { kind: 'number', value: v, span: this.span(t.start) };
  }

  private stringLit(what: string): Literal & { kind: 'string' } {
    const t = this.peek();
    if (t.kind !== 'string') this.expected(what);
    this.next();
    return { kind: 'string', value: t.value, span: this.span(t.start) };
  }
}

/** The result of parsing: the tree when there were no problems, and every problem found. */
export interface ParseResult {
  node?: Node;
  diagnostics: AudienceDiagnostic[];
}

/**
 * Parse the text form of an audience. Never throws; `diagnostics` lists every problem with its position.
 * ```ts
 * parseAudience("all(country in ('UK', 'FR'), orders in last 90 days >= 2)").node
 * ```
 */
export function parseAudience(text: string): ParseResult {
  const diagnostics: AudienceDiagnostic[] = [];
  if (typeof text !== 'string') return { diagnostics: [diagnostic('', { start: 0, end: 0 }, 'invalid-definition', 'the definition is not text', 'give the rule as a string')] };
  if (text.length > MAX_TEXT_LENGTH) {
    return { diagnostics: [diagnostic(text, { start: MAX_TEXT_LENGTH, end: text.length }, 'definition-too-long', `the definition has ${text.length} characters, more than ${MAX_TEXT_LENGTH}`, 'split it into audiences that refer to each other')] };
  }
  const toks = lex(text, diagnostics);
  const p = new Parser(text, toks, diagnostics);
  let node: Node | undefined;
  try {
    node = p.top();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
  }
  return diagnostics.length ? { diagnostics } : { node: node!, diagnostics };
}
