/**
 * `segmint.yaml`: sources, column mappings, import policies and analysis settings. Parsed and
 * normalised once here; every other module reads the typed `WorkspaceConfig`.
 */
import YAML from 'yaml';
import { SegmintError } from '../core/errors.ts';
import { IMPORT_KINDS, type ImportKind } from '../core/schema.ts';
import { parseRules, type SegmentRule } from '../core/segment-rules.ts';

/** What to do with each kind of messy row (docs/data-model.md, "Import policies"). */
export interface ImportPolicies {
  /** rows without a customer id: quarantine them, or keep them as anonymous (excluded from customer analyses) */
  missingCustomerId: 'quarantine' | 'anonymous';
  /** second and later copies of an exactly repeated line */
  duplicateRows: 'quarantine' | 'keep';
  /**
   * transactions without a quantity column: a line repeated exactly (same customer, time, item) is the item
   * bought again, loaded as a line of its own (keep), or a duplicate-row like any other repeat (quarantine)
   */
  repeatsWithoutQuantity: 'keep' | 'quarantine';
  /** unit price exactly 0 (free items) */
  zeroPrice: 'keep' | 'quarantine';
  /** unit price below 0 (adjustments, bad-debt write-offs) */
  negativePrice: 'quarantine' | 'keep';
  /** negative quantity (or amount) without a cancellation marker (stock adjustments) */
  unmarkedNegativeQuantity: 'quarantine' | 'return' | 'keep';
  /** empty product description */
  missingDescription: 'keep' | 'quarantine';
}

/**
 * Bounds of plausible values, set beside the policies (`import.policies` in segmint.yaml, `--policy` per
 * import). A number at or beyond `maxAbsNumber` is quarantined as `number-out-of-range`; a timestamp before
 * `minDate` or more than `maxDaysAhead` days after the import is quarantined as `implausible-date`.
 */
export interface ImportBounds {
  /** largest plausible |amount|, |price| or |quantity| (exclusive); default 1e12 */
  maxAbsNumber: number;
  /** earliest plausible timestamp, YYYY-MM-DD (UTC); default 1900-01-01 */
  minDate: string;
  /** how many days after the import's wall-clock time a timestamp may lie; default 1 */
  maxDaysAhead: number;
}

export const DEFAULT_BOUNDS: ImportBounds = { maxAbsNumber: 1e12, minDate: '1900-01-01', maxDaysAhead: 1 };

export interface ImportSettings {
  /** order ids starting with this prefix are cancellations (Online Retail uses "C"); empty to disable */
  cancellationPrefix: string;
  /** cell values read as missing */
  nullValues: string[];
  /** IANA time zone of source timestamps without an offset ("UTC" keeps them as written) */
  timezone: string;
  /** "auto" or a strftime pattern such as %d-%m-%Y */
  dateFormat: string;
  policies: ImportPolicies & ImportBounds;
}

/** A source remembered in segmint.yaml so `segmint import` can be re-run with the same mapping. */
export interface SourceConfig {
  file: string;
  kind: ImportKind;
  map?: Record<string, string>;
}

export interface WorkspaceConfig {
  version: 1;
  import: ImportSettings;
  /** per-kind column mappings that override detection: {transactions: {customer_id: "Cust No"}} */
  mappings: Partial<Record<ImportKind, Record<string, string>>>;
  sources: SourceConfig[];
  analysis: {
    /** fixed as-of date (YYYY-MM-DD) or null for the day after the last transaction */
    asOf: string | null;
    rfm: { bins: number; thresholds?: Partial<Record<'recency' | 'frequency' | 'monetary', number[]>> };
  };
  /** named-segment rule tables (docs/models.md, "Segments"); unset = the defaults */
  segments: { rfm?: SegmentRule[]; lrfmp?: SegmentRule[]; actions?: Record<string, string> };
  /**
   * DuckDB's memory limit: a size ("1GB", "512MB", "1.5GiB") or a share of the machine's memory ("25%");
   * unset = the smaller of 1 GB and a quarter of the machine. SEGMINT_MEMORY_LIMIT overrides it.
   */
  memoryLimit?: string;
  /**
   * The engine the workspace's tables live in (docs/engines.md, "A workspace on PostgreSQL or ClickHouse");
   * unset = the embedded DuckDB file segmint.duckdb. Never a password: only the variable that holds it.
   */
  engine?: EngineSetting;
}

/** segmint.yaml `engine:` — a PostgreSQL or ClickHouse server (DuckDB is the default and is not written). */
export interface EngineSetting {
  /** postgres://user@host:5432/db or clickhouse://user@host:8123 (http://… too); no password in it */
  url: string;
  /** PostgreSQL: the schema Segmint's tables live in */
  schema?: string;
  /** ClickHouse: the database Segmint's tables live in */
  database?: string;
  /** the environment variable that holds the password */
  passwordEnv?: string;
  /** ClickHouse: a cluster the customer tables are split over (`url` is its first shard) */
  cluster?: { name: string; shards: string[] };
}

export const DEFAULT_POLICIES: ImportPolicies = {
  missingCustomerId: 'quarantine',
  duplicateRows: 'quarantine',
  repeatsWithoutQuantity: 'keep',
  zeroPrice: 'keep',
  negativePrice: 'quarantine',
  unmarkedNegativeQuantity: 'quarantine',
  missingDescription: 'keep',
};

export function defaultConfig(): WorkspaceConfig {
  return {
    version: 1,
    import: {
      cancellationPrefix: 'C',
      nullValues: ['', 'NA', 'N/A', 'null', 'NULL', 'nan', 'NaN', 'None'],
      timezone: 'UTC',
      dateFormat: 'auto',
      policies: { ...DEFAULT_POLICIES, ...DEFAULT_BOUNDS },
    },
    mappings: {},
    sources: [],
    analysis: { asOf: null, rfm: { bins: 5 } },
    segments: {},
  };
}

const POLICY_CHOICES: Record<keyof ImportPolicies, readonly string[]> = {
  missingCustomerId: ['quarantine', 'anonymous'],
  duplicateRows: ['quarantine', 'keep'],
  repeatsWithoutQuantity: ['keep', 'quarantine'],
  zeroPrice: ['keep', 'quarantine'],
  negativePrice: ['quarantine', 'keep'],
  unmarkedNegativeQuantity: ['quarantine', 'return', 'keep'],
  missingDescription: ['keep', 'quarantine'],
};

function bad(path: string, what: string, seen: unknown): never {
  throw new SegmintError('invalid-config', `${path}: ${what}, but found ${JSON.stringify(seen)}`, {
    hint: 'fix segmint.yaml (see docs/data-model.md for every setting), or delete the key to use the default',
  });
}

/** The first line serialiseConfig writes, and the last: a file with the first and without the last was cut short. */
const HEADER = '# Segmint workspace settings.';
const TRAILER = '# end of segmint.yaml';
/** The top-level keys serialiseConfig writes. */
const TOP_KEYS = ['version', 'import', 'mappings', 'sources', 'analysis', 'segments'] as const;

function damaged(file: string, what: string): never {
  throw new SegmintError('damaged-config', `${file} ${what}: the file is damaged (cut short, or emptied by a crash or a full disk)`, {
    hint: 'restore it from a backup, or delete it and run `segmint init` on the workspace folder to write the default settings (segmint.duckdb and its data are kept; mappings and policies you had set must be set again)',
  });
}

/** True when `d` is YYYY-MM-DD and that day exists (2011-02-30 does not). */
export function isCalendarDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
}

/** Names a date format may be instead of a pattern. */
const DATE_FORMAT_NAMES = ['auto', 'iso', 'isotz'];
/** The strftime/strptime directives DuckDB reads (a `-` after `%` drops padding: %-d). */
const DIRECTIVES = new Set(['a', 'A', 'w', 'd', 'b', 'B', 'h', 'm', 'y', 'Y', 'G', 'H', 'I', 'p', 'M', 'S', 'f', 'g', 'n', 'z', 'Z', 'j', 'U', 'W', 'V', 'u', 'c', 'x', 'X', 'e', 'T', 'D', 'F', 'R', '%']);

/**
 * Why `format` is not a usable date format (undefined when it is): "auto", "iso", or a strftime pattern of
 * DuckDB's directives that gives a year, a month and a day (%j, the day of the year, gives both).
 */
export function dateFormatProblem(format: string): string | undefined {
  if (DATE_FORMAT_NAMES.includes(format)) return undefined;
  if (format.trim() === '') return 'is empty';
  const seen = new Set<string>();
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    let j = i + 1;
    if (format[j] === '-') j++;
    const c = format[j];
    if (c === undefined) return 'ends with a lone %';
    if (!DIRECTIVES.has(c)) return `has %${format.slice(i + 1, j + 1)}, which is not a strftime directive`;
    seen.add(c);
    i = j;
  }
  const full = ['c', 'x', 'D', 'F'].some((c) => seen.has(c));
  const year = full || ['Y', 'y', 'G'].some((c) => seen.has(c));
  const month = full || seen.has('j') || ['m', 'b', 'B', 'h'].some((c) => seen.has(c));
  const day = full || seen.has('j') || ['d', 'e'].some((c) => seen.has(c));
  const missing = [year ? '' : 'year (%Y or %y)', month ? '' : 'month (%m, %b or %B)', day ? '' : 'day (%d)'].filter(Boolean);
  return missing.length ? `has no ${missing.join(', no ')}: a date format needs a year, a month and a day` : undefined;
}

/** Check a date format (segmint.yaml import.dateFormat, --date-format); `where` names it in the message. */
export function checkDateFormat(format: string, where: string): string {
  const why = dateFormatProblem(format);
  if (why !== undefined) {
    throw new SegmintError('invalid-date-format', `${where} ${JSON.stringify(format)} ${why}`, {
      hint: 'give "auto" (detect), "iso", or a strftime pattern with a year, a month and a day, e.g. %d-%m-%Y, %m/%d/%Y, %Y%m%d, "%d %B %Y"',
    });
  }
  return format;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check one bound (a number from YAML or text from --policy). */
export function normaliseBound<K extends keyof ImportBounds>(key: K, value: unknown, where: string): ImportBounds[K] {
  if (key === 'minDate') {
    const d = value instanceof Date ? value.toISOString().slice(0, 10) : value;
    if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
      bad(where, 'expected a date YYYY-MM-DD', value);
    }
    return d as ImportBounds[K];
  }
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    bad(where, key === 'maxAbsNumber' ? 'expected a positive number such as 1e12' : 'expected a positive number of days', value);
  }
  return n as ImportBounds[K];
}

const BOUND_KEYS: readonly string[] = Object.keys(DEFAULT_BOUNDS);

/**
 * Check one policy value against its allowed choices (used by the config and by CLI flags). The bounds
 * (maxAbsNumber, minDate, maxDaysAhead) are accepted here too, so `--policy maxAbsNumber=1e15` works.
 */
export function normalisePolicy<K extends keyof ImportPolicies>(key: K, value: unknown, where: string): ImportPolicies[K] {
  if (BOUND_KEYS.includes(key)) return normaliseBound(key as unknown as keyof ImportBounds, value, where) as unknown as ImportPolicies[K];
  const choices = POLICY_CHOICES[key];
  if (choices === undefined) bad(where, `expected one of the keys ${[...Object.keys(POLICY_CHOICES), ...BOUND_KEYS].join(', ')}`, key);
  if (typeof value !== 'string' || !choices.includes(value)) bad(where, `expected one of ${choices.join(', ')}`, value);
  return value as ImportPolicies[K];
}

const MEMORY_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};
/** The default memory limit: the smaller of 1 GB and a quarter of `total` bytes. */
export const DEFAULT_MEMORY_LIMIT = (total: number) => Math.min(1e9, Math.floor(total / 4));
/** DuckDB will not run below this; a smaller limit is an error, not a slow failure later. */
const MIN_MEMORY = 64 * 2 ** 20;

/**
 * Bytes meant by a memory limit: a size with a unit ("1GB", "512 MB", "1.5GiB"; KB/MB/GB/TB are powers of
 * 1000, KiB/MiB/GiB/TiB of 1024) or a share of `total` bytes ("25%"). Throws invalid-config naming `where`.
 */
export function parseMemoryLimit(value: unknown, where: string, total: number): number {
  const text = typeof value === 'string' ? value.trim() : '';
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  const size = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)$/i.exec(text);
  let bytes = NaN;
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) bytes = Math.floor((total * Number(pct[1])) / 100);
  else if (size) bytes = Math.floor(Number(size[1]) * MEMORY_UNITS[size[2]!.toLowerCase()]!);
  if (!Number.isFinite(bytes)) bad(where, 'expected a size such as "1GB" or "512MB", or a share of the machine such as "25%"', value);
  if (bytes < MIN_MEMORY) bad(where, 'expected at least 64MiB (DuckDB needs that much to run)', value);
  return bytes;
}

/** Parse and validate segmint.yaml text; missing keys take their defaults. */
export function parseConfig(text: string, file = 'segmint.yaml'): WorkspaceConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new SegmintError('invalid-config', `${file} is not valid YAML: ${(e as Error).message}`, {
      hint: 'fix the YAML syntax (indentation, colons, quotes)',
    });
  }
  // An empty file (or one of comments only) is not "all defaults": something emptied it.
  if (raw === null || raw === undefined) damaged(file, text.trim() === '' ? 'is empty' : 'has no settings');
  if (!isObject(raw)) bad(file, 'expected a mapping at the top level', raw);
  // Written by Segmint (the header) but without the last line or a top-level key: cut short. Files written
  // before the last line existed have every top-level key.
  if (text.trimStart().startsWith(HEADER) && !(text.trimEnd().split('\n').at(-1) ?? '').startsWith(TRAILER)) {
    const missing = TOP_KEYS.filter((k) => !(k in raw));
    if (missing.length) damaged(file, `ends before ${missing.map((k) => `${k}:`).join(', ')}`);
  }
  const cfg = defaultConfig();
  if (raw.version !== undefined && raw.version !== 1) bad(`${file} version`, 'expected 1', raw.version);
  const imp = raw.import;
  if (imp !== undefined) {
    if (!isObject(imp)) bad('import', 'expected a mapping', imp);
    if (imp.cancellationPrefix !== undefined) {
      if (typeof imp.cancellationPrefix !== 'string') bad('import.cancellationPrefix', 'expected a string', imp.cancellationPrefix);
      cfg.import.cancellationPrefix = imp.cancellationPrefix;
    }
    if (imp.nullValues !== undefined) {
      if (!Array.isArray(imp.nullValues) || !imp.nullValues.every((v) => typeof v === 'string')) {
        bad('import.nullValues', 'expected a list of strings', imp.nullValues);
      }
      cfg.import.nullValues = imp.nullValues as string[];
    }
    if (imp.timezone !== undefined) {
      if (typeof imp.timezone !== 'string') bad('import.timezone', 'expected an IANA zone name such as Europe/London', imp.timezone);
      cfg.import.timezone = imp.timezone;
    }
    if (imp.dateFormat !== undefined) {
      if (typeof imp.dateFormat !== 'string') bad('import.dateFormat', 'expected "auto" or a pattern such as %d-%m-%Y', imp.dateFormat);
      cfg.import.dateFormat = checkDateFormat(imp.dateFormat, 'import.dateFormat');
    }
    if (imp.policies !== undefined) {
      if (!isObject(imp.policies)) bad('import.policies', 'expected a mapping', imp.policies);
      for (const [k, v] of Object.entries(imp.policies)) {
        if (BOUND_KEYS.includes(k)) {
          (cfg.import.policies as unknown as Record<string, unknown>)[k] = normaliseBound(k as keyof ImportBounds, v, `import.policies.${k}`);
          continue;
        }
        if (!(k in POLICY_CHOICES)) bad(`import.policies.${k}`, `expected one of the keys ${[...Object.keys(POLICY_CHOICES), ...BOUND_KEYS].join(', ')}`, k);
        (cfg.import.policies as unknown as Record<string, string>)[k] = normalisePolicy(k as keyof ImportPolicies, v, `import.policies.${k}`);
      }
    }
  }
  if (raw.mappings !== undefined) {
    if (!isObject(raw.mappings)) bad('mappings', 'expected a mapping of kind → {field: column}', raw.mappings);
    for (const [kind, m] of Object.entries(raw.mappings)) {
      if (!IMPORT_KINDS.includes(kind as ImportKind)) bad(`mappings.${kind}`, `expected one of ${IMPORT_KINDS.join(', ')}`, kind);
      if (!isObject(m) || !Object.values(m).every((v) => typeof v === 'string')) bad(`mappings.${kind}`, 'expected field: column pairs', m);
      cfg.mappings[kind as ImportKind] = m as Record<string, string>;
    }
  }
  if (raw.sources !== undefined) {
    if (!Array.isArray(raw.sources)) bad('sources', 'expected a list', raw.sources);
    cfg.sources = raw.sources.map((s, i) => {
      if (!isObject(s) || typeof s.file !== 'string' || !IMPORT_KINDS.includes(s.kind as ImportKind)) {
        bad(`sources[${i}]`, `expected {file, kind: ${IMPORT_KINDS.join('|')}}`, s);
      }
      const out: SourceConfig = { file: s.file, kind: s.kind as ImportKind };
      if (isObject(s.map)) out.map = s.map as Record<string, string>;
      return out;
    });
  }
  const an = raw.analysis;
  if (an !== undefined) {
    if (!isObject(an)) bad('analysis', 'expected a mapping', an);
    if (an.asOf !== undefined && an.asOf !== null) {
      const asOf = an.asOf instanceof Date ? an.asOf.toISOString().slice(0, 10) : an.asOf;
      if (typeof asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) bad('analysis.asOf', 'expected a date YYYY-MM-DD or null', an.asOf);
      if (!isCalendarDate(asOf)) bad('analysis.asOf', 'expected a date that exists in the calendar', an.asOf);
      cfg.analysis.asOf = asOf;
    }
    if (isObject(an.rfm) && an.rfm.bins !== undefined) {
      const b = an.rfm.bins;
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 2 || b > 9) bad('analysis.rfm.bins', 'expected a whole number from 2 to 9', b);
      cfg.analysis.rfm.bins = b;
    }
    if (isObject(an.rfm) && an.rfm.thresholds !== undefined) {
      const th = an.rfm.thresholds;
      if (!isObject(th)) bad('analysis.rfm.thresholds', 'expected {recency: [...], frequency: [...], monetary: [...]}', th);
      cfg.analysis.rfm.thresholds = {};
      for (const [k, v] of Object.entries(th)) {
        if (!['recency', 'frequency', 'monetary'].includes(k) || !Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
          bad(`analysis.rfm.thresholds.${k}`, 'expected recency, frequency or monetary with a list of numbers', v);
        }
        cfg.analysis.rfm.thresholds[k as 'recency'] = v as number[];
      }
    }
  }
  if (raw.memoryLimit !== undefined && raw.memoryLimit !== null) {
    // checked against a nominal machine here; the share is taken of the real one when the workspace opens
    parseMemoryLimit(raw.memoryLimit, 'memoryLimit', 2 ** 40);
    cfg.memoryLimit = String(raw.memoryLimit).trim();
  }
  if (raw.engine !== undefined && raw.engine !== null && raw.engine !== 'duckdb') cfg.engine = parseEngineSetting(raw.engine);
  if (raw.segments !== undefined) {
    if (!isObject(raw.segments)) bad('segments', 'expected {rfm: [rules], lrfmp: [rules], actions: {name: text}}', raw.segments);
    if (raw.segments.rfm !== undefined) cfg.segments.rfm = parseRules(raw.segments.rfm, 'segments.rfm');
    if (raw.segments.lrfmp !== undefined) cfg.segments.lrfmp = parseRules(raw.segments.lrfmp, 'segments.lrfmp');
    if (raw.segments.actions !== undefined && raw.segments.actions !== null) {
      const a = raw.segments.actions;
      if (!isObject(a)) bad('segments.actions', 'expected a mapping of segment name → suggested action, e.g. {Champions: "early access and a thank-you gift"}', a);
      for (const [k, v] of Object.entries(a)) {
        if (typeof v !== 'string' || v.trim() === '') bad(`segments.actions.${k}`, 'expected the text of an action', v);
      }
      cfg.segments.actions = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v as string).trim()]));
    }
  }
  return cfg;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Check segmint.yaml `engine:` (a URL, or {url, schema, database, passwordEnv, cluster}). */
export function parseEngineSetting(raw: unknown): EngineSetting {
  const shape = 'expected duckdb, a URL (postgres://… or clickhouse://…) or {url, schema, database, passwordEnv, cluster: {name, shards}}';
  const e = typeof raw === 'string' ? { url: raw } : raw;
  if (!isObject(e) || typeof e.url !== 'string' || !/^(postgres|postgresql|clickhouse|https?):\/\//i.test(e.url)) bad('engine', shape, raw);
  if (/^[a-z+]+:\/\/[^/@]*:[^/@]*@/i.test(e.url)) bad('engine.url', 'expected no password in the URL (name the variable that holds it in engine.passwordEnv)', e.url.replace(/:[^:@/]*@/, ':***@'));
  const out: EngineSetting = { url: e.url };
  for (const k of ['schema', 'database', 'passwordEnv'] as const) {
    const v = e[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '') bad(`engine.${k}`, 'expected a name', v);
    if (k === 'passwordEnv' && !ENV_NAME.test(v)) bad('engine.passwordEnv', 'expected an environment variable name such as SEGMINT_PG_PASSWORD', v);
    out[k] = v;
  }
  if (e.cluster !== undefined && e.cluster !== null) {
    const c = e.cluster;
    if (!isObject(c) || typeof c.name !== 'string' || !Array.isArray(c.shards) || c.shards.length === 0 || !c.shards.every((u) => typeof u === 'string')) {
      bad('engine.cluster', 'expected {name: CLUSTER, shards: [http://host:8123, …]} (the first shard is engine.url)', c);
    }
    out.cluster = { name: c.name, shards: c.shards as string[] };
  }
  return out;
}

/** Render the config as YAML with a comment header. */
export function serialiseConfig(cfg: WorkspaceConfig): string {
  return (
    `${HEADER} Every key is documented in docs/data-model.md; delete a key to use its default.\n` +
    YAML.stringify(cfg) +
    `${TRAILER} (a file without this line was cut short)\n`
  );
}
