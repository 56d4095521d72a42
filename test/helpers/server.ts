/**
 * A small workspace for the server's tests, built from the bundled Online Retail sample (one customer in
 * ten: about 430 customers, 40,000 lines), with RFM, LRFMP, cluster and CLV runs, two audience definitions
 * and a snapshot of each; tokens of every role; and the server built over it (inject() only, no socket).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.ts';
import { DEMO_DATA } from '../../src/pipeline/demo.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { runClustering } from '../../src/pipeline/cluster.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { importFile } from '../../src/store/import/index.ts';
import { TokenStore, type Role } from '../../src/store/tokens.ts';
import { openMemoryDb, Workspace } from '../../src/store/workspace.ts';
import { AudienceDefinitions } from '../../src/server/definitions.ts';
import { tempDir } from './workspace.ts';

export const FIXTURE_AUDIENCES = {
  lapsed: 'has no orders in last 90 days',
  'big-spenders': 'rfm.monetary > 1000',
} as const;

export interface ServerFixture {
  app: FastifyInstance;
  ws: Workspace;
  dir: string;
  tokens: Record<Role, string>;
  /** run ids by kind (the latest) */
  runs: Record<'rfm' | 'lrfmp' | 'cluster' | 'clv' | 'clv-predict', number>;
  /** audience snapshot run ids, by audience */
  snapshots: Record<string, number>;
  /** a customer id that exists */
  customerId: string;
  close(): Promise<void>;
}

/** The sample's lines of one customer in ten, as a CSV file in `dir`. */
async function sampleFile(dir: string): Promise<string> {
  const file = join(dir, 'sample.csv');
  const m = await openMemoryDb();
  try {
    await m.db.run(`COPY (SELECT * FROM read_parquet('${DEMO_DATA.replace(/'/g, "''")}') WHERE CustomerID IS NULL OR hash(CustomerID) % 10 = 0) TO '${file.replace(/'/g, "''")}' (HEADER)`);
  } finally {
    m.close();
  }
  return file;
}

export async function serverFixture(options: { clv?: boolean } = {}): Promise<ServerFixture> {
  const { dir: root, cleanup } = tempDir('segmint-server-');
  const dir = join(root, 'ws');
  const ws = await Workspace.open(dir, { create: true });
  try {
    await importFile(ws, await sampleFile(root), { kind: 'transactions', timezone: 'Europe/London', remember: false });
    const rfm = await runValueSegmentation(ws, 'rfm');
    const lrfmp = await runValueSegmentation(ws, 'lrfmp');
    const cluster = await runClustering({ ws }, { k: 3, seed: 1 });
    let clv = 0;
    let clvPredict = 0;
    if (options.clv !== false) {
      clv = (await runClvFit(ws, { model: 'bgnbd' })).runId!;
      clvPredict = (await runClvPredict(ws, {})).runId;
    }
    const defs = new AudienceDefinitions(dir);
    const snapshots: Record<string, number> = {};
    for (const [name, where] of Object.entries(FIXTURE_AUDIENCES)) {
      defs.write(name, where);
      const p = await prepareAudience(ws, name, where);
      await evaluateAudience(ws, p);
      snapshots[name] = (await evaluateAudience(ws, p)).runId!;
    }
    const store = new TokenStore(dir);
    const tokens = Object.fromEntries((['viewer', 'analyst', 'admin'] as const).map((r) => [r, store.create(`test-${r}`, r).token])) as Record<Role, string>;
    const customerId = String((await ws.db.one<{ id: string }>('SELECT min(customer_id) AS id FROM customers'))!.id);
    const app = await buildServer({ workspace: ws });
    await app.ready();
    return {
      app, ws, dir, tokens, snapshots, customerId,
      runs: { rfm: rfm.runId, lrfmp: lrfmp.runId, cluster: cluster.runId!, clv, 'clv-predict': clvPredict },
      close: async () => {
        await app.close();
        ws.close();
        cleanup();
      },
    };
  } catch (e) {
    ws.close();
    cleanup();
    throw e;
  }
}

/** Ajv with JSON Schema 2020-12 (OpenAPI 3.1's dialect): the Ajv 8 that Fastify brings. */
export function ajv2020(): { addSchema(s: object, key: string): void; compile(s: object): ((x: unknown) => boolean) & { errors?: unknown } } {
  const require = createRequire(import.meta.url);
  const fromFastify = createRequire(require.resolve('@fastify/ajv-compiler'));
  const Ajv2020 = fromFastify('ajv/dist/2020') as { default: new (o: object) => ReturnType<typeof ajv2020> };
  return new Ajv2020.default({ strict: false, validateSchema: false, allErrors: true, validateFormats: false });
}
