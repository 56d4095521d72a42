/**
 * The commands of `segmint`: for each, the module that registers it (loaded only when the command is asked for) and
 * the line top-level help lists for it, so that `segmint --help` and `--version` load no command module
 * (issue #15). cli.test checks these lines against the help of the modules themselves.
 */
import type { Command } from 'commander';
import type { Context } from './context.ts';

export type Register = (program: Command, ctx: Context, setExit: (code: number) => void) => void;

/** A top-level command as top-level help lists it: its term (name, [options], arguments) and its description. */
export interface CommandLine {
  name: string;
  term: string;
  description: string;
}

/** The command modules in the order help lists them, each with the top-level commands it registers. */
export const COMMANDS: { lines: CommandLine[]; load: () => Promise<Register> }[] = [
  {
    lines: [
      { name: 'init', term: 'init [options] [dir]', description: 'create a workspace: segmint.yaml and the database (the embedded segmint.duckdb, or a PostgreSQL schema or ClickHouse database)' },
    ],
    load: async () => (await import('./commands/init.ts')).registerInit,
  },
  {
    lines: [
      { name: 'import', term: 'import [options] <file>', description: 'load a file with validation: every row is loaded, or quarantined with a reason' },
    ],
    load: async () => (await import('./commands/import.ts')).registerImport,
  },
  {
    lines: [
      { name: 'generate', term: 'generate [options]', description: 'write realistic synthetic customers, transactions, events and products with planted ground-truth segments (no workspace needed)' },
    ],
    load: async () => (await import('./commands/generate.ts')).registerGenerate,
  },
  {
    lines: [
      { name: 'rfm', term: 'rfm [options]', description: "score recency, frequency and monetary value in quantile bins and name each customer's segment" },
      { name: 'lrfmp', term: 'lrfmp [options]', description: 'score length, recency, frequency, monetary and periodicity (Peker et al. 2017) and name the segments' },
    ],
    load: async () => (await import('./commands/value.ts')).registerValue,
  },
  {
    lines: [
      { name: 'demo', term: 'demo [options]', description: 'run the whole pipeline on the bundled Online Retail data and write an HTML report' },
    ],
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  {
    lines: [
      { name: 'report', term: 'report [options]', description: 'write the HTML report of the workspace: one self-contained page (charts and tables, no scripts, opens offline)' },
    ],
    load: async () => (await import('./commands/report.ts')).registerReport,
  },
  {
    lines: [
      { name: 'clv', term: 'clv', description: 'customer lifetime value: buy-till-you-die purchase models and the Gamma-Gamma spend model' },
    ],
    load: async () => (await import('./commands/clv.ts')).registerClv,
  },
  {
    lines: [
      { name: 'cluster', term: 'cluster [options]', description: 'find customer segments with k-means: k chosen and explained, clusters profiled and named' },
    ],
    load: async () => (await import('./commands/cluster.ts')).registerCluster,
  },
  {
    lines: [
      { name: 'audience', term: 'audience', description: 'rule-based audiences: evaluate, print the SQL, explain a customer, format, diff snapshots, migration matrix' },
    ],
    load: async () => (await import('./commands/audience.ts')).registerAudience,
  },
  {
    lines: [
      { name: 'quarantine', term: 'quarantine [options]', description: 'list the quarantined rows (source, line, reason, raw values) with counts by source and reason' },
    ],
    load: async () => (await import('./commands/quarantine.ts')).registerQuarantine,
  },
  {
    lines: [
      { name: 'delete', term: 'delete [options]', description: 'remove everything one import brought in: its lines, its quarantined rows, the customers and products only it refers to, and its sources row (one transaction)' },
    ],
    load: async () => (await import('./commands/delete.ts')).registerDelete,
  },
  {
    lines: [
      { name: 'runs', term: 'runs [options]', description: 'list the stored runs of every kind (rfm, lrfmp, clv, clv-predict, cluster, audience, campaign): id, kind, as-of date, created time and a one-line summary' },
    ],
    load: async () => (await import('./commands/runs.ts')).registerRuns,
  },
  {
    lines: [
      { name: 'migration', term: 'migration [options]', description: 'who moved where between two segmentations (RFM/LRFMP segments, cluster names, CLV or churn tiers, audience membership, or across kinds): customers and revenue per move' },
    ],
    load: async () => (await import('./commands/migration.ts')).registerMigration,
  },
  {
    lines: [
      { name: 'campaign', term: 'campaign', description: 'campaigns: control groups with deterministic arms, imported experiments, lift per segment with intervals, sample sizes' },
    ],
    load: async () => (await import('./commands/campaign.ts')).registerCampaign,
  },
  {
    lines: [
      { name: 'recommend', term: 'recommend [options]', description: 'co-purchase recommendations: top k items for a customer with the items that produced them, what a segment buys more than everyone else, held-out evaluation' },
    ],
    load: async () => (await import('./commands/recommend.ts')).registerRecommend,
  },
  {
    lines: [
      { name: 'source', term: 'source', description: "sources that live in the workspace's engine" },
    ],
    load: async () => (await import('./commands/source.ts')).registerSource,
  },
  {
    lines: [
      { name: 'serve', term: 'serve [options]', description: 'serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) over the workspace; loopback only unless --host says otherwise; every route but /health needs a token (segmint token create)' },
    ],
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  {
    lines: [
      { name: 'token', term: 'token', description: 'API tokens for segmint serve: create (shown once), list, revoke; stored as SHA-256 hashes in the workspace (server/tokens.json)' },
    ],
    load: async () => (await import('./commands/token.ts')).registerToken,
  },
  {
    lines: [
      { name: 'refresh', term: 'refresh [options] [files...]', description: "import new data (the files given, and every file dropped in the workspace's inbox/ folder), re-run RFM, LRFMP, CLV and the clustering with their latest parameters on it, snapshot every audience, and send the webhooks of who entered and exited; a failing step leaves the earlier results in place and is recorded in the freshness (--status)" },
    ],
    load: async () => (await import('./commands/refresh.ts')).registerRefresh,
  },
  {
    lines: [
      { name: 'model', term: 'model', description: 'propensity and churn classifiers: train on a labelled trait or a rule, score every customer, list them' },
    ],
    load: async () => (await import('./commands/model.ts')).registerModel,
  },
];
