/**
 * Audience files: YAML or JSON holding one audience (`name`, `description`, `where`) or a pack (`pack`,
 * `audiences: [...]`, optional `aliases`, optional `runs` pinning a run per result kind). `where` is the text form, or a tree of `{all: [...]}`,
 * `{any: [...]}`, `{not: ...}` whose leaves are text conditions. `formatAudienceFile` writes the canonical
 * file back (text form, or trees with `tree: true`), so files and text round-trip.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SegmintError } from '../core/errors.ts';
import type { AudienceDef, AudiencePack, Node } from './ast.ts';
import { formatAudience } from './format.ts';
import { parseAudience } from './parse.ts';
import { RESULT_RUN_KIND } from './schema.ts';

/** The tree form of a rule: groups as objects, leaves as text. */
export type RuleTree = string | { all: RuleTree[] } | { any: RuleTree[] } | { not: RuleTree };

const bad = (file: string, msg: string, hint: string) => new SegmintError('invalid-audience-file', `${file}: ${msg}`, { hint });

/** The text form of a `where` given as text or as a tree. */
export function treeToText(t: unknown, file = 'definition', at = 'where'): string {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && !Array.isArray(t)) {
    const keys = Object.keys(t);
    const k = keys[0];
    if (keys.length === 1 && (k === 'all' || k === 'any')) {
      const items = (t as Record<string, unknown>)[k];
      if (!Array.isArray(items)) throw bad(file, `${at}.${k} is not a list`, `write ${k}: [condition, …]`);
      return `${k}(${items.map((x, i) => treeToText(x, file, `${at}.${k}[${i}]`)).join(', ')})`;
    }
    if (keys.length === 1 && k === 'not') return `not(${treeToText((t as Record<string, unknown>).not, file, `${at}.not`)})`;
  }
  throw bad(file, `${at} is neither a condition text nor {all: […]}, {any: […]} or {not: …}`, "e.g. where: \"all(country = 'UK', has orders in last 90 days)\"");
}

/** The tree form of a parsed rule. */
export function nodeToTree(n: Node): RuleTree {
  if (n.kind === 'all') return { all: n.items.map(nodeToTree) };
  if (n.kind === 'any') return { any: n.items.map(nodeToTree) };
  if (n.kind === 'not') return { not: nodeToTree(n.item) };
  return formatAudience(n);
}

function def(x: unknown, file: string, at: string): AudienceDef {
  if (!x || typeof x !== 'object') throw bad(file, `${at} is not an object`, 'each audience has name and where');
  const o = x as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.trim() === '') throw bad(file, `${at} has no name`, 'give each audience a name: name: lapsed-90');
  if (o.where === undefined) throw bad(file, `${at} (${o.name}) has no where`, "give the rule: where: \"has no orders in last 90 days\"");
  return { name: o.name, ...(typeof o.description === 'string' ? { description: o.description } : {}), where: treeToText(o.where, file, `${o.name}.where`) };
}

/** A pack's `runs:` (result kind → run id, e.g. `{cluster: 12}` or `{cluster: 'run 12'}`), checked for form; the workspace checks the runs. */
function packRuns(x: unknown, file: string): Record<string, number> | undefined {
  if (x === undefined || x === null) return undefined;
  const hint = 'pin a run per result kind: runs: {cluster: 12, rfm: 7} (segmint runs lists the runs)';
  if (typeof x !== 'object' || Array.isArray(x)) throw bad(file, 'runs is not a map of result kind to run id', hint);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    if (!Object.hasOwn(RESULT_RUN_KIND, k)) throw bad(file, `runs: ${k} is not a stored result (${Object.keys(RESULT_RUN_KIND).join(', ')})`, hint);
    const m = typeof v === 'number' ? (Number.isInteger(v) && v > 0 ? [String(v), String(v)] : null) : typeof v === 'string' ? /^\s*(?:run\s+)?(\d+)\s*$/i.exec(v) : null;
    if (!m) throw bad(file, `runs: ${k}: ${JSON.stringify(v)} is not a run id`, hint);
    out[k] = Number(m[1]);
  }
  return out;
}

/** Read an audience file's text (YAML, of which JSON is a subset). */
export function parseAudienceFile(text: string, file = 'audience file'): AudiencePack {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw bad(file, `not valid YAML or JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'check the indentation and quotes');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad(file, 'expected an audience (name, where) or a pack (pack, audiences)', 'see docs/audiences.md for the file format');
  const o = doc as Record<string, unknown>;
  if ('audiences' in o) {
    if (!Array.isArray(o.audiences)) throw bad(file, 'audiences is not a list', 'audiences: [{name: …, where: …}, …]');
    const audiences = o.audiences.map((a, i) => def(a, file, `audiences[${i}]`));
    const seen = new Set<string>();
    for (const a of audiences) {
      if (seen.has(a.name)) throw bad(file, `audience ${a.name} is defined twice`, 'give each audience its own name');
      seen.add(a.name);
    }
    const aliases = o.aliases && typeof o.aliases === 'object' ? (o.aliases as Record<string, string[]>) : undefined;
    const runs = packRuns(o.runs, file);
    return { name: typeof o.pack === 'string' ? o.pack : typeof o.name === 'string' ? o.name : file, ...(typeof o.description === 'string' ? { description: o.description } : {}), audiences, ...(aliases ? { aliases } : {}), ...(runs ? { runs } : {}) };
  }
  const a = def(o, file, 'the audience');
  return { name: a.name, audiences: [a] };
}

/**
 * The canonical file of a pack (one audience is written without the pack around it). Rules that do not
 * parse are kept as written.
 */
export function formatAudienceFile(pack: AudiencePack, options: { json?: boolean; tree?: boolean; width?: number } = {}): string {
  const one = (a: AudienceDef) => {
    const n = parseAudience(a.where).node;
    const where = n ? (options.tree ? nodeToTree(n) : formatAudience(n, { width: options.width ?? 100 })) : a.where;
    return { name: a.name, ...(a.description ? { description: a.description } : {}), where };
  };
  const doc = pack.audiences.length === 1 && pack.name === pack.audiences[0]!.name && !pack.aliases && !pack.runs
    ? one(pack.audiences[0]!)
    : { pack: pack.name, ...(pack.description ? { description: pack.description } : {}), ...(pack.aliases ? { aliases: pack.aliases } : {}), ...(pack.runs ? { runs: pack.runs } : {}), audiences: pack.audiences.map(one) };
  return options.json ? `${JSON.stringify(doc, null, 2)}\n` : stringifyYaml(doc, { lineWidth: 0 });
}
