/**
 * The checker: resolves every name of a parsed audience against the workspace schema (traits, transaction
 * fields, event types and properties, stored score runs, other audiences), checks value types, windows and
 * ranges, and follows references to other audiences (cycles are an error). It collects every problem.
 */
import {
  diagnostic, type Aggregate, type AudienceDiagnostic, type DateTest, type Duration, type FieldRef, type FieldTest, type Literal, type Node, type Source, type Span,
  type Window,
} from './ast.ts';
import { isPlainName } from '../sql/quote.ts';
import { parseAudience } from './parse.ts';
import { lineAttribute } from './line-attributes.ts';
import { MODEL_RUNS, resolveTrait, resultDepth, resultField, resultName, runPinProblem, scoreSourceOf, suggestion, type AudienceSchema, type FieldType } from './schema.ts';
import { durationDays, parseDateLiteral } from './time.ts';

/** Most values in one `in (…)` list. */
export const MAX_IN_LIST = 10_000;
/** Longest window or duration, in days (a century). */
const MAX_DAYS = 36_525;

/** What a row-level `where` filter applies to. */
type RowScope = { kind: 'transactions' } | { kind: 'event'; type: string };

export interface CheckResult {
  /** the tree, when there were no problems */
  node?: Node;
  diagnostics: AudienceDiagnostic[];
  /** the referenced audiences (directly or not), parsed */
  refs: Map<string, Node>;
}

const typeWord: Record<FieldType, string> = { number: 'a number', string: 'text', boolean: 'true/false', date: 'a date', timestamp: 'a timestamp', json: 'JSON', other: 'an unsupported type' };
const litWord = (l: Literal) => (l.kind === 'string' ? `text '${l.value.length > 30 ? `${l.value.slice(0, 30)}…` : l.value}'` : l.kind === 'number' ? `the number ${l.value}` : `${l.value}`);

class Checker {
  readonly diags: AudienceDiagnostic[] = [];
  constructor(private readonly text: string, private readonly schema: AudienceSchema) {}

  private err(span: Span, code: string, message: string, hint?: string): void {
    this.diags.push(diagnostic(this.text, span, code, message, hint));
  }

  node(n: Node, scope?: RowScope): void {
    switch (n.kind) {
      case 'all':
      case 'any':
        if (n.items.length === 0) this.err(n.span, 'empty-group', `${n.kind}() has no conditions`, `${n.kind === 'all' ? 'all() would match every customer' : 'any() would match nobody'}: add conditions or remove the group`);
        for (const x of n.items) this.node(x, scope);
        return;
      case 'not':
        this.node(n.item, scope);
        return;
      case 'field':
        this.field(n.field, n.test, scope);
        return;
      case 'measure':
        this.source(n.source, n.where);
        this.aggregate(n.agg, n.source);
        this.window(n.window);
        if (n.value.kind !== 'stat' && n.value.kind !== 'number') this.err(n.value.span, 'type-mismatch', `${n.agg.fn === 'count' ? 'a count' : `${n.agg.fn}(…)`} is a number, compared here with ${litWord(n.value)}`, 'compare with a number, or with avg, median or p90');
        return;
      case 'has':
        this.source(n.source, n.where);
        this.window(n.window);
        return;
      case 'occurrence':
        this.source(n.source, n.where);
        this.dateTest(n.test);
        return;
      case 'sequence':
        this.source(n.first.source, n.first.where);
        this.source(n.then.source, n.then.where);
        this.duration(n.within);
        this.window(n.window);
        return;
      case 'geo': {
        for (const c of ['latitude', 'longitude']) {
          const col = resolveTrait(this.schema, c);
          if (col === undefined || this.schema.traits[col] !== 'number') {
            this.err(n.span, 'missing-coordinates', `within … km needs numeric customer traits latitude and longitude; this workspace has ${col === undefined ? `no ${c}` : `${c} as ${typeWord[this.schema.traits[col]!]}`}`, 'import customers with latitude and longitude columns');
            break;
          }
        }
        const num = (l: Literal) => (l.kind === 'number' ? l.value : NaN);
        if (!(num(n.km) > 0)) this.err(n.km.span, 'invalid-distance', `distance ${num(n.km)} km: expected more than 0`);
        if (!(Math.abs(num(n.lat)) <= 90)) this.err(n.lat.span, 'invalid-coordinate', `latitude ${num(n.lat)} is outside -90…90`);
        if (!(Math.abs(num(n.lon)) <= 180)) this.err(n.lon.span, 'invalid-coordinate', `longitude ${num(n.lon)} is outside -180…180`);
        return;
      }
      case 'near':
        this.near(n, scope);
        return;
      case 'ref': {
        const name = n.name.value;
        if (!(name in this.schema.audiences)) {
          const known = Object.keys(this.schema.audiences);
          this.err(n.name.span, 'unknown-audience', `no audience named '${name}'${suggestion(name, known)}`, known.length ? `known audiences: ${known.slice(0, 10).join(', ')}` : 'define it in the same pack, or evaluate the pack that defines it');
        }
        return;
      }
    }
  }

  /** `within R km of …` in a row filter: lines of transactions with a place, and places to measure from. */
  private near(n: Node & { kind: 'near' }, scope: RowScope | undefined): void {
    const places = this.schema.places;
    if (scope?.kind !== 'transactions') {
      this.err(n.span, 'invalid-filter', `${scope ? 'events have' : 'a customer has'} no place: within … km in a row filter reads a transaction line's place`, scope ? 'filter purchases instead: has purchases where within 10 km of (51.51, -0.13)' : 'within R km of (lat, lon) outside a filter reads the customer\'s latitude and longitude');
      return;
    }
    if (!places?.attribute) {
      this.err(n.span, 'missing-place', 'transaction lines here name no place: no transactions import mapped a place id', 'import the lines with --map place_id=COLUMN (e.g. store_id) and the places with segmint import FILE --kind places');
    } else if (places.ids.length === 0) {
      this.err(n.span, 'missing-place', 'this workspace has no places: within … km needs their coordinates', 'import them with segmint import FILE --kind places (id, name, latitude, longitude)');
    }
    const num = (l: Literal) => (l.kind === 'number' ? l.value : NaN);
    if (!(num(n.km) > 0)) this.err(n.km.span, 'invalid-distance', `distance ${num(n.km)} km: expected more than 0`);
    if (n.point) {
      if (!(Math.abs(num(n.point.lat)) <= 90)) this.err(n.point.lat.span, 'invalid-coordinate', `latitude ${num(n.point.lat)} is outside -90…90`);
      if (!(Math.abs(num(n.point.lon)) <= 180)) this.err(n.point.lon.span, 'invalid-coordinate', `longitude ${num(n.point.lon)} is outside -180…180`);
    }
    if (n.place && places && places.ids.length && !places.ids.includes(n.place.value)) {
      this.err(n.place.span, 'unknown-place', `no place with id '${n.place.value}'${suggestion(n.place.value, places.ids)}`, `places: ${places.ids.slice(0, 10).join(', ')}${places.ids.length > 10 ? ', …' : ''}`);
    }
  }

  private source(s: Source, where: Node | undefined): void {
    let scope: RowScope = { kind: 'transactions' };
    if (s.kind === 'event') {
      const type = s.type.kind === 'string' ? s.type.value : '';
      scope = { kind: 'event', type };
      if (!this.schema.eventTypes.includes(type)) {
        this.err(s.type.span, 'unknown-event-type', this.schema.eventTypes.length === 0 ? `no events of type '${type}': this workspace has no events` : `no events of type '${type}'${suggestion(type, this.schema.eventTypes)}`,
          this.schema.eventTypes.length ? `event types: ${this.schema.eventTypes.slice(0, 12).join(', ')}` : 'import events with segmint import FILE --kind events');
      }
    }
    if (where) this.node(where, scope);
  }

  private aggregate(a: Aggregate, s: Source): void {
    if (a.fn === 'count' || !a.field) return;
    const t = this.rowField(a.field, s.kind === 'event' ? { kind: 'event', type: s.type.kind === 'string' ? s.type.value : '' } : { kind: 'transactions' });
    if (t === undefined) return;
    if (a.fn !== 'distinct' && t !== 'number') this.err(a.field.span, 'type-mismatch', `${a.fn}(${a.field.path.join('.')}) needs a number, but ${a.field.path.join('.')} is ${typeWord[t]}`, 'sum, avg, min and max take amount, quantity, unit_price or a numeric property');
  }

  /** The type of a row field inside a `where` filter or aggregate, or undefined after reporting it. */
  private rowField(f: FieldRef, scope: RowScope): FieldType | undefined {
    const name = f.path.join('.');
    if (f.run) {
      this.err(f.run.span, 'invalid-run', `${f.path[0]}(${f.run.id}): a pinned run reads a stored result of customers, not a field of ${scope.kind === 'event' ? 'events' : 'transactions'}`, 'pin runs outside a row filter: cluster(12).name = …');
      return undefined;
    }
    if (scope.kind === 'transactions') {
      if (f.path.length === 1 && f.path[0]! in this.schema.transactionFields) return this.schema.transactionFields[f.path[0]!];
      const attr = f.path.length === 1 ? lineAttribute(this.schema, f.path[0]!) : undefined;
      if (attr) return attr.type;
      const attrs = Object.keys(this.schema.lineAttributes ?? {});
      const fields = [...Object.keys(this.schema.transactionFields), ...attrs, ...(this.schema.places?.attribute ? ['place_id'] : [])];
      this.err(f.span, 'unknown-field', `transactions have no field ${name}${suggestion(name, fields)}`,
        `fields of transactions: ${Object.keys(this.schema.transactionFields).join(', ')}${attrs.length ? `; columns kept on the lines: ${attrs.join(', ')}` : ''}`);
      return undefined;
    }
    if (f.path.length !== 2 || f.path[0] !== 'properties') {
      this.err(f.span, 'unknown-field', `events are filtered on their properties: properties.${f.path[f.path.length - 1]}, not ${name}`, "e.g. event 'page_view' where properties.device = 'mobile'");
      return undefined;
    }
    const key = f.path[1]!;
    if (!isPlainName(key)) {
      this.err(f.span, 'invalid-property', `property name ${JSON.stringify(key)} is not a plain name`, 'property names are letters, digits and _');
      return undefined;
    }
    const known = this.schema.eventProperties?.[scope.type];
    if (known && !known.includes(key)) {
      this.err(f.span, 'unknown-property', `${scope.type} events have no property ${key}${suggestion(key, known)}`, known.length ? `properties of ${scope.type}: ${known.join(', ')}` : `${scope.type} events have no properties`);
      return undefined;
    }
    // property values are compared as numbers or as text, whichever the rule's value is
    return 'json';
  }

  private field(f: FieldRef, test: FieldTest, scope: RowScope | undefined): void {
    let type: FieldType | undefined;
    if (scope) type = this.rowField(f, scope);
    else type = this.customerField(f);
    if (type === undefined) return;
    if (scope && test.kind === 'cmp' && test.value.kind === 'stat') {
      this.err(test.value.span, 'stat-in-filter', `${test.value.stat} compares a customer with all customers; it cannot filter single rows`, 'compare the aggregate instead: sum(amount) purchases > avg');
      return;
    }
    this.test(f, type, test);
  }

  /** The type of a customer trait or a score field, or undefined after reporting it. */
  private customerField(f: FieldRef): FieldType | undefined {
    const head = f.path[0]!;
    const name = f.run ? [`${head}(${f.run.id})`, ...f.path.slice(1)].join('.') : f.path.join('.');
    if (f.run) {
      const problem = runPinProblem(this.schema, head, f.run.id);
      if (problem) {
        this.err(f.run.span, problem.code, problem.message, problem.hint);
        return undefined;
      }
      if (f.path.length === 1) {
        this.err(f.span, 'unknown-field', `${head}(${f.run.id}) names a run, not a field`, `e.g. ${head}(${f.run.id}).${Object.keys(scoreSourceOf(this.schema, f)!.fields)[0]}`);
        return undefined;
      }
    }
    if (f.path.length === 1) {
      const col = resolveTrait(this.schema, head);
      if (col !== undefined) return this.schema.traits[col];
      const candidates = [...Object.keys(this.schema.traits), ...Object.keys(this.schema.scores).map((s) => `${s}.segment`)];
      this.err(f.span, 'unknown-field', `customers have no trait ${head}${suggestion(head, candidates)}`, `traits: ${Object.keys(this.schema.traits).slice(0, 15).join(', ')}${Object.keys(this.schema.traits).length > 15 ? ', …' : ''}`);
      return undefined;
    }
    const src = scoreSourceOf(this.schema, f);
    if (!src) {
      if (head === 'model' && !f.run) {
        if (f.path.length < 3) this.err(f.span, 'unknown-field', `${name}: a model's score is read as model.NAME.probability or model.NAME.decile`, `e.g. model.${f.path[1] ?? 'churn'}.probability > 0.6`);
        else this.err(f.span, 'no-model-run', `${name} reads the latest scores of model ${f.path[1]}, and this workspace has none${suggestion(`model.${f.path[1]}`, Object.keys(this.schema.scores).filter((k) => k.startsWith('model.')))}`, `segmint model train ${f.path[1]} --target …, then segmint model score ${f.path[1]}`);
      } else if (Object.hasOwn(MODEL_RUNS, head)) {
        this.err(f.span, 'no-model-run', `${name} reads the latest stored ${head} run, and this workspace has none`, MODEL_RUNS[head]);
      } else if (head === 'properties') {
        this.err(f.span, 'unknown-field', `${name}: properties belong to events`, "filter events on them: has event 'page_view' where properties.device = 'mobile'");
      } else {
        this.err(f.span, 'unknown-field', `unknown field ${name}${suggestion(head, [...Object.keys(this.schema.scores), ...Object.keys(this.schema.traits)])}`, `dotted names read stored results: ${Object.keys(this.schema.scores).map((s) => `${s}.…`).join(', ') || 'none stored yet'}`);
      }
      return undefined;
    }
    const field = resultField(f.path);
    const depth = resultDepth(f.path);
    const result = resultName(f.path);
    const why = src.unavailable?.[field];
    if (why !== undefined && f.path.length === depth + 1) {
      this.err(f.span, 'unknown-field', `${name}: ${why}`, `fields of ${result} in this run: ${Object.keys(src.fields).filter((x) => !(x in (src.unavailable ?? {}))).join(', ')}`);
      return undefined;
    }
    const t = src.fields[field];
    if (t === undefined || f.path.length > depth + 1) {
      this.err(f.span, 'unknown-field', `${result} has no field ${field}${suggestion(field, Object.keys(src.fields))}`, `fields of ${result}: ${Object.keys(src.fields).join(', ')}`);
      return undefined;
    }
    return t;
  }

  /** Checks a literal against a field type; `json` (event properties) takes text or numbers. */
  private literal(l: Literal, type: FieldType, f: FieldRef): void {
    const name = f.path.join('.');
    const ok = type === 'json' ? true
      : type === 'number' ? l.kind === 'number'
        : type === 'string' ? l.kind === 'string'
          : type === 'boolean' ? l.kind === 'boolean'
            : type === 'date' || type === 'timestamp' ? l.kind === 'string' && parseDateLiteral(l.value) !== undefined
              : false;
    if (ok) return;
    if ((type === 'date' || type === 'timestamp') && l.kind === 'string') {
      this.err(l.span, 'invalid-date', `'${l.value}' is not a date`, "write dates as 'YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM')");
      return;
    }
    const hint = type === 'number' ? 'write numbers without quotes: age > 30'
      : type === 'string' ? `write text in single quotes: ${name} = '${l.kind === 'string' ? l.value : String(l.value)}'`
        : type === 'boolean' ? `${name} = true or ${name} = false`
          : type === 'date' || type === 'timestamp' ? `${name} > '2024-01-31', or ${name} in last 90 days` : `${name} cannot be compared`;
    this.err(l.span, 'type-mismatch', `${name} is ${typeWord[type]}, compared here with ${litWord(l)}`, hint);
  }

  private test(f: FieldRef, type: FieldType, t: FieldTest): void {
    const name = f.path.join('.');
    switch (t.kind) {
      case 'cmp':
        if (t.value.kind === 'stat') {
          if (type !== 'number') this.err(t.value.span, 'type-mismatch', `${name} is ${typeWord[type]}: population statistics (avg, median, pNN) need a number`);
        } else this.literal(t.value, type, f);
        if ((type === 'boolean') && t.op !== '=' && t.op !== '!=') this.err(f.span, 'type-mismatch', `${name} is true/false: compare it with = or !=`);
        return;
      case 'in':
        if (t.values.length === 0) this.err(f.span, 'empty-list', `${name} ${t.negate ? 'not in' : 'in'} () has no values`, 'list at least one value');
        if (t.values.length > MAX_IN_LIST) this.err(f.span, 'list-too-long', `${name} in (…) lists ${t.values.length} values, more than ${MAX_IN_LIST}`, 'import the list as a trait or a customers file and test that trait instead');
        // every value (one of the wrong type would reach the engine and fail there), one diagnostic per list
        for (const v of t.values) {
          const before = this.diags.length;
          this.literal(v, type, f);
          if (this.diags.length > before) break;
        }
        return;
      case 'between': {
        this.literal(t.lo, type, f);
        this.literal(t.hi, type, f);
        const a = t.lo.kind === 'string' ? parseDateLiteral(t.lo.value)?.getTime() ?? t.lo.value : t.lo.value;
        const b = t.hi.kind === 'string' ? parseDateLiteral(t.hi.value)?.getTime() ?? t.hi.value : t.hi.value;
        if (typeof a === typeof b && a > b) this.err({ start: t.lo.span.start, end: t.hi.span.end }, 'impossible-range', `${name} between ${String(t.lo.value)} and ${String(t.hi.value)}: the lower bound is above the upper one, so nobody matches`, 'swap the bounds');
        return;
      }
      case 'contains':
      case 'starts_with':
        if (type !== 'string' && type !== 'json') this.err(f.span, 'type-mismatch', `${name} is ${typeWord[type]}: ${t.kind === 'contains' ? 'contains' : 'starts with'} needs text`);
        return;
      case 'is_null':
        return;
      case 'date':
        if (type !== 'date' && type !== 'timestamp') {
          this.err(f.span, 'type-mismatch', `${name} is ${typeWord[type]}: relative date tests need a date`, 'in last 90 days, more than 3 years ago, before and after apply to date traits');
          return;
        }
        this.dateTest(t.test);
        return;
    }
  }

  private duration(d: Duration): void {
    const days = durationDays(d);
    if (!(d.n > 0)) this.err(d.span, 'impossible-window', `${d.n} ${d.unit}: a window must be longer than 0`, 'e.g. in last 90 days');
    else if (days > MAX_DAYS) this.err(d.span, 'impossible-window', `${d.n} ${d.unit} is longer than a century`, 'use a shorter window, or leave it out to mean all history');
    else if (d.unit !== 'hours' && d.unit !== 'days' && d.unit !== 'weeks' && !Number.isInteger(d.n)) this.err(d.span, 'impossible-window', `${d.n} ${d.unit}: months and years must be whole`, 'use days or weeks for fractions');
  }

  private date(l: Literal): Date | undefined {
    const d = l.kind === 'string' ? parseDateLiteral(l.value) : undefined;
    if (!d) this.err(l.span, 'invalid-date', `${litWord(l)} is not a date`, "write dates as 'YYYY-MM-DD'");
    return d;
  }

  private window(w: Window | undefined): void {
    if (!w) return;
    if (w.kind === 'last') return this.duration(w.d);
    const a = this.date(w.from);
    const b = this.date(w.to);
    if (a && b && a > b) this.err({ start: w.from.span.start, end: w.to.span.end }, 'impossible-window', `between ${String(w.from.value)} and ${String(w.to.value)}: the window ends before it starts`, 'swap the dates');
  }

  private dateTest(t: DateTest): void {
    if (t.kind === 'in_last' || t.kind === 'ago') return this.duration(t.d);
    if (t.kind === 'before' || t.kind === 'after') {
      this.date(t.date);
      return;
    }
    this.window({ kind: 'between_dates', from: t.from, to: t.to });
  }
}

/** Names of the audiences `n` refers to directly. */
function refsOf(n: Node): { name: string; span: Span }[] {
  const out: { name: string; span: Span }[] = [];
  const visit = (x: Node): void => {
    if (x.kind === 'ref') out.push({ name: x.name.value, span: x.name.span });
    else if (x.kind === 'all' || x.kind === 'any') x.items.forEach(visit);
    else if (x.kind === 'not') visit(x.item);
  };
  visit(n);
  return out;
}

/**
 * Parse and check one definition against `schema`. `name` is the audience's own name (so a reference to
 * itself, directly or through others, is reported as a cycle).
 */
export function checkAudience(text: string, schema: AudienceSchema, options: { name?: string } = {}): CheckResult {
  const parsed = parseAudience(text);
  const refs = new Map<string, Node>();
  if (!parsed.node) return { diagnostics: parsed.diagnostics, refs };
  const c = new Checker(text, schema);
  c.node(parsed.node);
  // follow references depth-first; a name on the current path again is a cycle
  const visit = (node: Node, path: string[], at: Span) => {
    for (const r of refsOf(node)) {
      const site = path.length === 0 ? r.span : at;
      if (!(r.name in schema.audiences)) continue;
      if (r.name === options.name || path.includes(r.name)) {
        const cycle = [options.name ?? '(this definition)', ...path, r.name];
        c.diags.push(diagnostic(text, site, 'cyclic-reference', `audience references form a cycle: ${cycle.join(' → ')}`, 'an audience cannot contain itself; remove one of the references'));
        continue;
      }
      if (refs.has(r.name)) continue;
      const inner = parseAudience(schema.audiences[r.name]!);
      if (!inner.node) {
        c.diags.push(diagnostic(text, site, 'invalid-reference', `audience '${r.name}' does not parse: ${inner.diagnostics[0]?.message ?? ''}`, `fix '${r.name}' first`));
        continue;
      }
      const sub = new Checker(schema.audiences[r.name]!, schema);
      sub.node(inner.node);
      if (sub.diags.length) {
        c.diags.push(diagnostic(text, site, 'invalid-reference', `audience '${r.name}' has problems: ${sub.diags[0]!.message}`, `fix '${r.name}' first`));
        continue;
      }
      refs.set(r.name, inner.node);
      visit(inner.node, [...path, r.name], site);
    }
  };
  visit(parsed.node, [], parsed.node.span);
  return c.diags.length ? { diagnostics: c.diags, refs } : { node: parsed.node, diagnostics: [], refs };
}
