/**
 * What the routes read often, cached per workspace version: the audience schema (traits, event types, the
 * stored runs a rule reads), the default as-of date, the latest run of each kind and each audience's latest
 * snapshot (a customer look-up), and audience counts. The version is the highest run id and source id and the
 * number of runs and sources, read with one small query; a new run, an import or a deleted source changes it,
 * and nothing else changes what these hold (rules and their as-of dates are part of a count's key). On DuckDB
 * the query is skipped while the workspace's own connection has done nothing since (Engine.writeCount: no
 * other process can write a DuckDB file this one has open).
 */
import type { AudienceSchema } from '../segments/schema.ts';
import { audienceAsOf, audienceRuns, loadAudienceSchema, prepareAudience, type PreparedAudience } from '../pipeline/audience.ts';
import { all, anyRow, one } from '../pipeline/run-query.ts';
import { bool, coalesce, col, count, max, num, scalarQuery, select, table } from '../sql/ir.ts';
import type { ReadView } from './app.ts';
import { AudienceDefinitions } from './definitions.ts';
import { ClusterLabels } from './labels.ts';

/** The latest run of each kind, the latest snapshot of each audience (by name), and whether any event is stored. */
export interface LatestRuns {
  byKind: ReadonlyMap<string, number>;
  snapshots: ReadonlyMap<string, { runId: number; asOf: string }>;
  events: boolean;
}

interface Cached {
  version: string;
  schema?: Promise<AudienceSchema>;
  schemaWithProperties?: Promise<AudienceSchema>;
  asOf?: Promise<string>;
  latest?: Promise<LatestRuns>;
  /** audience counts and other aggregates a page reads on every visit, by key, once per version however many ask at once */
  memos: Map<string, Promise<unknown>>;
  /** what a customer look-up reads from memory (lookup()): loading, loaded, or failed at a time */
  lookup?: { loading?: Promise<unknown>; value?: unknown; failedAt?: number };
}

/** After a failed load of the look-up cache, look-ups read the engine this long before it is tried again. */
const LOOKUP_RETRY_MS = 30_000;

/** Aggregates kept per version: enough for every audience at a few as-of dates and the pages' summaries. */
const MAX_MEMOS = 1000;

export class WorkspaceState {
  readonly definitions: AudienceDefinitions;
  readonly labels: ClusterLabels;
  private cached: Cached | undefined;
  /** the writer's writeCount when `cached` was last known current */
  private checkedAt: number | undefined;

  /**
   * `read` gives a read view of the workspace (app.segmint.reader); `writes`, where the engine has one, the
   * workspace engine's writeCount (app.segmint.ws.db.writeCount)
   */
  constructor(private readonly read: () => ReadView, private readonly writes?: () => number | undefined) {
    const dir = read().dir;
    this.definitions = new AudienceDefinitions(dir);
    this.labels = new ClusterLabels(dir);
  }

  /** `<max run id>/<runs>:<max source id>/<sources>` (the counts see a deleted source or run). */
  async version(): Promise<string> {
    const of = (expr: ReturnType<typeof count>, from: string) => coalesce(scalarQuery(select({ select: [{ expr, as: 'm' }], from: table(from) })), num(0));
    const r = await one<{ r: unknown; rn: unknown; s: unknown; sn: unknown }>(this.read().db, select({
      select: [
        { expr: of(max(col('run_id')), 'runs'), as: 'r' },
        { expr: of(count(), 'runs'), as: 'rn' },
        { expr: of(max(col('source_id')), 'sources'), as: 's' },
        { expr: of(count(), 'sources'), as: 'sn' },
      ],
      from: table('segmint_meta'),
      limit: 1,
    }));
    return `${Number(r?.r ?? 0)}/${Number(r?.rn ?? 0)}:${Number(r?.s ?? 0)}/${Number(r?.sn ?? 0)}`;
  }

  private async current(): Promise<Cached> {
    // read before the version: a write that ends meanwhile changes it, and the next call reads the version again
    const w = this.writes?.();
    if (w !== undefined && this.cached && this.checkedAt === w) return this.cached;
    const v = await this.version();
    if (this.cached?.version !== v) this.cached = { version: v, memos: new Map() };
    this.checkedAt = w;
    return this.cached;
  }

  /** The latest run of each kind, each audience's latest snapshot, whether there are events. */
  async latestRuns(): Promise<LatestRuns> {
    return this.latestOf(await this.current());
  }

  /**
   * For a customer look-up, of one workspace version: the latest runs, and what `load` made of them and the
   * workspace once (per version) if it is ready. The first call of a version starts `load` and answers without
   * it; so do the calls while it runs (the look-ups read the engine meanwhile, none waits for a load of seconds).
   * A load during which the version changed is dropped (it may have read both versions); the next version's
   * first look-up loads again. A failed load is tried again after LOOKUP_RETRY_MS.
   */
  async lookup<T>(load: (latest: LatestRuns) => Promise<T>): Promise<{ latest: LatestRuns; held: T | undefined }> {
    const c = await this.current();
    const latest = await this.latestOf(c);
    const slot = (c.lookup ??= {});
    if (slot.value !== undefined) return { latest, held: slot.value as T };
    if (!slot.loading && (slot.failedAt === undefined || Date.now() - slot.failedAt > LOOKUP_RETRY_MS)) {
      slot.loading = (async () => {
        try {
          const value = await load(latest);
          if ((await this.version()) === c.version) slot.value = value;
        } catch {
          slot.failedAt = Date.now();
        } finally {
          slot.loading = undefined;
        }
      })();
    }
    return { latest, held: undefined };
  }

  /** Resolves when no look-up cache is loading (before the read connections close). */
  async idle(): Promise<void> {
    await this.cached?.lookup?.loading;
  }

  /** The look-up cache of the current version once loaded (tests, memory figures); undefined before. */
  async lookupHeld<T>(): Promise<T | undefined> {
    const c = await this.current();
    await c.lookup?.loading;
    return c.lookup?.value as T | undefined;
  }

  private latestOf(c: Cached): Promise<LatestRuns> {
    if (c.latest) return c.latest;
    const p = (async (): Promise<LatestRuns> => {
      const db = this.read().db;
      const rows = await all<{ kind: unknown; run_id: unknown }>(db, select({
        select: [{ expr: col('kind'), as: 'kind' }, { expr: max(col('run_id')), as: 'run_id' }],
        from: table('runs'), groupBy: [col('kind')],
      }));
      const snapshots = new Map<string, { runId: number; asOf: string }>();
      for (const r of await audienceRuns(db)) if (r.name) snapshots.set(r.name, { runId: r.runId, asOf: r.asOf });
      // events come with an import (a new source): a look-up reads them only when there are some
      const events = await anyRow(db, 'events', bool(true));
      return { byKind: new Map(rows.map((r) => [String(r.kind), Number(r.run_id)])), snapshots, events };
    })();
    c.latest = p;
    // a failed read is not kept: the next look-up tries again
    p.catch(() => {
      if (c.latest === p) c.latest = undefined;
    });
    return p;
  }

  /**
   * A count for `key` (the query's SQL and parameters): computed by `compute` once per workspace version, the
   * requests that ask meanwhile waiting for the same answer.
   */
  count(key: string, compute: () => Promise<number>): Promise<number> {
    return this.memo(`count:${key}`, compute);
  }

  /**
   * Any aggregate for `key` (a route and its parameters) computed by `compute` once per workspace version: a page's
   * whole-table summary is read once after each import or run, not on every visit; a failure is not kept.
   */
  async memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const c = await this.current();
    let p = c.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      if (c.memos.size >= MAX_MEMOS) c.memos.delete(c.memos.keys().next().value!);
      p = compute();
      c.memos.set(key, p);
      p.catch(() => {
        if (c.memos.get(key) === p) c.memos.delete(key);
      });
    }
    return p;
  }

  /** The schema rules are checked against (event property names only when asked). */
  async schema(properties = false): Promise<AudienceSchema> {
    const c = await this.current();
    const key = properties ? 'schemaWithProperties' : 'schema';
    const p = (c[key] ??= loadAudienceSchema(this.read().db, { properties }));
    try {
      return await p;
    } catch (e) {
      c[key] = undefined;
      throw e;
    }
  }

  async asOf(): Promise<string> {
    const c = await this.current();
    return (c.asOf ??= audienceAsOf(this.read(), undefined));
  }

  /** Check and lower a rule against the workspace; the other definitions are what it may refer to. */
  async prepare(name: string, where: string, asOf?: string): Promise<PreparedAudience> {
    const audiences = this.definitions.texts();
    const properties = [where, ...Object.values(audiences)].some((t) => /properties\s*\./.test(t));
    const schema = { ...(await this.schema(properties)), audiences };
    return prepareAudience(this.read(), name, where, { schema, audiences, asOf: asOf ?? (await this.asOf()) });
  }
}
