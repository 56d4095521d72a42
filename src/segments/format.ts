/**
 * The formatter: a syntax tree back to the canonical text form. `parseAudience(formatAudience(n))` gives
 * the same tree (spans aside), and formatting is idempotent; long groups are broken over lines.
 */
import type { DateTest, Duration, FieldRef, Literal, Node, Source, Stat, Window } from './ast.ts';
import { isPlainName, quoteIdent } from '../sql/quote.ts';
import { RESERVED } from './parse.ts';

/** A name as written: bare when it is a plain word that is not a keyword, else "double-quoted". */
export function formatName(name: string): string {
  return isPlainName(name) && !RESERVED.has(name.toLowerCase()) ? name : quoteIdent(name);
}

const field = (f: FieldRef) => f.path.map((p, i) => (i === 0 ? `${formatName(p)}${f.run ? `(${f.run.id})` : ''}` : isPlainName(p) ? p : quoteIdent(p))).join('.');

/** A value as written: 'text' (quotes doubled), a number, true or false. */
export function formatLiteral(l: Literal | Stat): string {
  if (l.kind === 'stat') return l.stat === 'percentile' ? `p${l.p}` : l.stat;
  if (l.kind === 'string') return `'${l.value.replace(/'/g, "''")}'`;
  return String(l.value);
}

const duration = (d: Duration) => `${d.n} ${d.n === 1 ? d.unit.slice(0, -1) : d.unit}`;

function dateTest(t: DateTest): string {
  switch (t.kind) {
    case 'in_last': return `in last ${duration(t.d)}`;
    case 'ago': return `more than ${duration(t.d)} ago`;
    case 'before': return `before ${formatLiteral(t.date)}`;
    case 'after': return `after ${formatLiteral(t.date)}`;
    case 'between_dates': return `between ${formatLiteral(t.from)} and ${formatLiteral(t.to)}`;
  }
}

const window = (w: Window | undefined) => (w === undefined ? '' : w.kind === 'last' ? ` in last ${duration(w.d)}` : ` between ${formatLiteral(w.from)} and ${formatLiteral(w.to)}`);

function source(s: Source, singular: boolean): string {
  if (s.kind === 'event') return `event ${formatLiteral(s.type)}`;
  return singular ? s.kind.slice(0, -1) : s.kind;
}

function filtered(s: Source, where: Node | undefined, singular: boolean, width: number, indent: string): string {
  if (!where) return source(s, singular);
  // a field filter with a date test would swallow the window that may follow: keep it in a group
  const f = where.kind === 'field' && where.test.kind === 'date' ? { kind: 'all' as const, items: [where], span: where.span } : where;
  return `${source(s, singular)} where ${pretty(f, width, indent)}`;
}

function flat(n: Node): string {
  return pretty(n, Infinity, '');
}

function pretty(n: Node, width: number, indent: string): string {
  switch (n.kind) {
    case 'all':
    case 'any': {
      const one = `${n.kind}(${n.items.map(flat).join(', ')})`;
      if (one.length + indent.length <= width || n.items.length === 0) return one;
      const inner = `${indent}  `;
      return `${n.kind}(\n${n.items.map((x) => `${inner}${pretty(x, width, inner)}`).join(',\n')}\n${indent})`;
    }
    case 'not':
      return `not(${pretty(n.item, width, indent)})`;
    case 'field': {
      const t = n.test;
      const f = field(n.field);
      switch (t.kind) {
        case 'cmp': return `${f} ${t.op} ${formatLiteral(t.value)}`;
        case 'in': return `${f} ${t.negate ? 'not in' : 'in'} (${t.values.map(formatLiteral).join(', ')})`;
        case 'between': return `${f} between ${formatLiteral(t.lo)} and ${formatLiteral(t.hi)}`;
        case 'contains': return `${f} contains ${formatLiteral(t.value)}`;
        case 'starts_with': return `${f} starts with ${formatLiteral(t.value)}`;
        case 'is_null': return `${f} is ${t.negate ? 'not ' : ''}null`;
        case 'date': return `${f} ${dateTest(t.test)}`;
      }
      break;
    }
    case 'measure': {
      const agg = n.agg.fn === 'count' ? '' : `${n.agg.fn}(${field(n.agg.field!)}) `;
      return `${agg}${filtered(n.source, n.where, false, width, indent)}${window(n.window)} ${n.op} ${formatLiteral(n.value)}`;
    }
    case 'has':
      return `has ${n.negate ? 'no ' : ''}${filtered(n.source, n.where, false, width, indent)}${window(n.window)}`;
    case 'occurrence':
      return `${n.which} ${filtered(n.source, n.where, true, width, indent)} ${dateTest(n.test)}`;
    case 'sequence':
      return `has ${filtered(n.first.source, n.first.where, false, width, indent)} then ${n.negate ? 'no ' : ''}${filtered(n.then.source, n.then.where, false, width, indent)} within ${duration(n.within)}${window(n.window)}`;
    case 'geo':
      return `within ${formatLiteral(n.km)} km of (${formatLiteral(n.lat)}, ${formatLiteral(n.lon)})`;
    case 'near':
      return n.place ? `place within ${formatLiteral(n.km)} km of place ${formatLiteral(n.place)}` : `within ${formatLiteral(n.km)} km of (${formatLiteral(n.point!.lat)}, ${formatLiteral(n.point!.lon)})`;
    case 'ref':
      return `${n.negate ? 'not ' : ''}in audience ${formatLiteral(n.name)}`;
  }
  return '';
}

/**
 * The canonical text of a tree. With `width` (default: no limit) groups longer than that are broken over
 * lines, one item per line, indented by two spaces.
 */
export function formatAudience(n: Node, options: { width?: number } = {}): string {
  return pretty(n, options.width ?? Infinity, '');
}
