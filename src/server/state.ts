/**
 * What the routes read often, cached per workspace version: the audience schema (traits, event types, the
 * stored runs a rule reads), the default as-of date and the latest run of each kind. The version is the
 * highest run id and source id, read with one small query; a new run or import changes it.
 */
import type { AudienceSchema } from '../segments/schema.ts';
import { audienceAsOf, loadAudienceSchema, prepareAudience, type PreparedAudience } from '../pipeline/audience.ts';
import { one } from '../pipeline/run-query.ts';
import { coalesce, col, max, num, scalarQuery, select, table } from '../sql/ir.ts';
import type { ReadView } from './app.ts';
import { AudienceDefinitions } from './definitions.ts';
import { ClusterLabels } from './labels.ts';

interface Cached {
  version: string;
  schema?: Promise<AudienceSchema>;
  schemaWithProperties?: Promise<AudienceSchema>;
  asOf?: Promise<string>;
}

export class WorkspaceState {
  readonly definitions: AudienceDefinitions;
  readonly labels: ClusterLabels;
  private cached: Cached | undefined;

  /** `read` gives a read view of the workspace (app.segmint.reader) */
  constructor(private readonly read: () => ReadView) {
    const dir = read().dir;
    this.definitions = new AudienceDefinitions(dir);
    this.labels = new ClusterLabels(dir);
  }

  /** `<max run id>:<max source id>`. */
  async version(): Promise<string> {
    const r = await one<{ r: unknown; s: unknown }>(this.read().db, select({
      select: [
        { expr: coalesce(scalarQuery(select({ select: [{ expr: max(col('run_id')), as: 'm' }], from: table('runs') })), num(0)), as: 'r' },
        { expr: coalesce(scalarQuery(select({ select: [{ expr: max(col('source_id')), as: 'm' }], from: table('sources') })), num(0)), as: 's' },
      ],
      from: table('segmint_meta'),
      limit: 1,
    }));
    return `${Number(r?.r ?? 0)}:${Number(r?.s ?? 0)}`;
  }

  private async current(): Promise<Cached> {
    const v = await this.version();
    if (this.cached?.version !== v) this.cached = { version: v };
    return this.cached;
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
