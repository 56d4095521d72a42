import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { basketRules, evaluateRecommendations, fitRecommender, recommendCustomer, segmentLift, storeRecommendations, type EvaluationResult } from '../../pipeline/recommend.ts';
import type { Similarity } from '../../models/recommend/cooccurrence.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { progressBar } from '../progress.ts';
import { examples, optionalNumber, withGlobals } from '../options.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface RecommendCli extends GlobalOptions {
  all?: boolean;
  customer?: string;
  segment?: string;
  k?: string;
  asOf?: string;
  includeBought?: boolean;
  similarity?: string;
  shrinkage?: string;
  halfLife?: string;
}

interface RulesCli extends GlobalOptions {
  minSupport?: string;
  minConfidence?: string;
  maxLength?: string;
  segment?: string;
  asOf?: string;
  k?: string;
}

interface EvaluateCli extends GlobalOptions {
  split: string;
  k?: string;
  similarity?: string;
  shrinkage?: string;
  halfLife?: string;
}

function similarityOption(s: string | undefined): Similarity | undefined {
  if (s === undefined) return undefined;
  if (s !== 'cosine' && s !== 'lift') throw new SegmintError('invalid-option', `--similarity ${s}: expected cosine or lift`, { hint: '--similarity cosine' });
  return s;
}

function modelOptions(o: { k?: string; similarity?: string; shrinkage?: string; halfLife?: string }) {
  return {
    k: optionalNumber('--k', o.k, { min: 1, max: 1000, integer: true, example: '10' }) ?? 10,
    similarity: similarityOption(o.similarity),
    shrinkage: optionalNumber('--shrinkage', o.shrinkage, { min: 0, max: 1e6, example: '10' }),
    halfLifeDays: optionalNumber('--half-life', o.halfLife, { min: 1, max: 36500, example: '90' }),
  };
}

const f3 = (x: number) => x.toFixed(3);
const relPct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);

export function renderEvaluation(r: EvaluationResult): string {
  const row = (name: string, m: EvaluationResult['methods']['itemToItem']) => [name, f3(m.hitRate), f3(m.recall), f3(m.ndcg), fmtPct(m.coverage)];
  return [
    `trained before ${r.split}, tested on items new to each customer from ${r.split} on: ${fmtInt(r.evaluatedCustomers)} customers (of ${fmtInt(r.trainCustomers)} with history), catalogue ${fmtInt(r.catalogue)} items, k = ${r.k}`,
    '',
    table(['method', `hit rate@${r.k}`, `recall@${r.k}`, `NDCG@${r.k}`, 'coverage'], [
      row('item-to-item', r.methods.itemToItem), row('popularity', r.methods.popularity), row('popularity in RFM segment', r.methods.segmentPopularity),
    ]),
    '',
    `item-to-item vs popularity: hit rate ${relPct(r.relative.hitRateVsPopularity)}, NDCG ${relPct(r.relative.ndcgVsPopularity)}; vs popularity in segment: hit rate ${relPct(r.relative.hitRateVsSegment)}, NDCG ${relPct(r.relative.ndcgVsSegment)}`,
    ...r.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export function registerRecommend(program: Command, ctx: Context): void {
  const cmd = withGlobals(program.command('recommend'))
    .description('co-purchase recommendations: top k items for a customer with the items that produced them, what a segment buys more than everyone else, held-out evaluation')
    .option('--customer <id>', 'recommend for this customer: items they have not bought, each with "bought with X, Y"')
    .option('--segment <name>', 'what this RFM segment buys more than all customers (lift against the population)')
    .option('--all', 'store the top k of every customer as a run (kind recommend; rows in run_recommendations)')
    .option('--k <n>', 'items to list (default 10)')
    .option('--as-of <date>', 'use purchases before this date, YYYY-MM-DD (default: the day after the last transaction)')
    .option('--include-bought', 'also recommend items the customer already bought (consumables)')
    .option('--similarity <kind>', 'cosine (default) or lift, both shrunk for pairs few customers bought')
    .option('--shrinkage <n>', 'the shrinkage λ (default 10 for cosine, 5 for lift)')
    .option('--half-life <days>', 'weight the customer\'s items by recency, halving every N days (default: no decay)')
    .action(async (opts: RecommendCli) => {
      if ([opts.customer !== undefined, opts.segment !== undefined, opts.all === true].filter(Boolean).length !== 1) {
        throw new SegmintError('invalid-option', 'expected one of --customer ID, --segment NAME or --all', { hint: 'segmint recommend --customer 12347 --k 10' });
      }
      const mo = modelOptions(opts);
      if (opts.all) {
        const ws = await ctx.openWorkspace(opts);
        try {
          const bar = progressBar(ctx.io, opts);
          bar.update('counting co-purchases');
          const r = await storeRecommendations(ws, { ...mo, asOf: opts.asOf, includeBought: opts.includeBought }, (d, t) => bar.update('recommending', d / t));
          bar.done();
          if (opts.json) return json(ctx.io, r);
          ctx.io.out(`stored run ${r.runId} (recommend, as of ${r.asOf}): top ${r.k} for ${fmtInt(r.customers)} customers, ${fmtInt(r.recommendations)} rows (${fmtInt(r.coPurchase)} co-purchase, ${fmtInt(r.popularFill)} popularity fill), ${fmtInt(r.distinctItems)} distinct items`);
        } finally {
          ws.close();
        }
        return;
      }
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const bar = progressBar(ctx.io, opts);
        bar.update('counting co-purchases');
        const m = await fitRecommender(ws, { ...mo, asOf: opts.asOf, includeBought: opts.includeBought, segments: opts.segment !== undefined });
        bar.done();
        if (opts.customer !== undefined) {
          const recs = recommendCustomer(m, opts.customer, { ...mo, includeBought: opts.includeBought });
          if (opts.json) return json(ctx.io, { customer: opts.customer, asOf: m.data.split, k: mo.k, recommendations: recs });
          ctx.io.out(`customer ${opts.customer}: top ${mo.k} on purchases before ${m.data.split}${opts.includeBought ? ' (bought items included)' : ''}`);
          ctx.io.out(table(['#', 'product', 'name', 'score', 'why'], recs.map((r) => [r.rank, r.productId, r.name ?? '', r.score.toFixed(3), r.reason])));
        } else {
          const items = segmentLift(m, opts.segment!, { k: mo.k });
          if (opts.json) return json(ctx.io, { segment: opts.segment, asOf: m.data.split, k: mo.k, items });
          ctx.io.out(`segment '${opts.segment}': what it buys more than all customers (purchases before ${m.data.split})`);
          ctx.io.out(table(['product', 'name', 'customers', 'share', 'all customers', 'lift'], items.map((x) => [x.productId, x.name ?? '', x.customers, fmtPct(x.share), fmtPct(x.populationShare), x.lift.toFixed(2)])));
        }
      } finally {
        ws.close();
      }
    });
  examples(cmd, [
    'segmint recommend --customer 12347 --k 10',
    'segmint recommend --customer 12347 --include-bought --json   # consumables: bought items may come back',
    'segmint recommend --segment Champions --k 20',
    'segmint recommend --all --k 10                               # every customer\'s top 10, stored as a run',
    'segmint recommend evaluate --split 2011-09-01 --k 10',
  ]);

  const ev = withGlobals(cmd.command('evaluate'))
    .description('train before --split, test on the items each customer bought from it on: hit rate, recall, NDCG at k and coverage of item-to-item against global popularity and popularity within the customer\'s RFM segment')
    .requiredOption('--split <date>', 'YYYY-MM-DD: train on purchases before it, test on purchases from it on')
    .option('--k <n>', 'list length (default 10)')
    .option('--similarity <kind>', 'cosine (default) or lift')
    .option('--shrinkage <n>', 'the shrinkage λ (default 10 for cosine, 5 for lift)')
    .option('--half-life <days>', 'weight the customer\'s items by recency, halving every N days')
    .action(async (own: EvaluateCli, self: Command) => {
      const opts = self.optsWithGlobals<EvaluateCli>();
      const mo = modelOptions(opts);
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const bar = progressBar(ctx.io, opts);
        bar.update('reading purchases');
        const r = await evaluateRecommendations(ws, { ...mo, split: opts.split }, (d, t) => bar.update('scoring customers', d / t));
        bar.done();
        if (opts.json) json(ctx.io, r);
        else ctx.io.out(renderEvaluation(r));
      } finally {
        ws.close();
      }
    });
  examples(ev, [
    'segmint recommend evaluate --split 2011-09-01 --k 10',
    'segmint recommend evaluate --split 2011-09-01 --similarity lift --json',
  ]);

  const rules = withGlobals(cmd.command('rules'))
    .description('association rules over baskets (a customer\'s purchases on one day): support, confidence and lift, by lift; for all customers or one RFM segment')
    .option('--min-support <share>', 'minimum support, a share of baskets (default 0.001; 1% or 0.01 also read)')
    .option('--min-confidence <share>', 'leave out rules below this confidence')
    .option('--max-length <n>', 'largest itemset (default 3)')
    .option('--segment <name>', 'only the baskets of this RFM segment\'s customers')
    .option('--as-of <date>', 'use purchases before this date (default: the day after the last transaction)')
    .option('--k <n>', 'rules to list (default 20)')
    .action(async (own: RulesCli, self: Command) => {
      const opts = self.optsWithGlobals<RulesCli>();
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const r = await basketRules(ws, {
          minSupport: optionalNumber('--min-support', opts.minSupport, { min: 0, max: 1, minExclusive: true, percent: true, example: '0.001' }),
          minConfidence: optionalNumber('--min-confidence', opts.minConfidence, { min: 0, max: 1, percent: true, example: '0.1' }),
          maxLength: optionalNumber('--max-length', opts.maxLength, { min: 2, max: 6, integer: true, example: '3' }),
          segment: opts.segment, asOf: opts.asOf,
          k: optionalNumber('--k', opts.k, { min: 1, max: 100000, integer: true, example: '20' }) ?? 20,
        });
        if (opts.json) return json(ctx.io, r);
        const names = (xs: { productId: string; name: string | null }[]) => xs.map((x) => x.name ?? x.productId).join(' + ');
        ctx.io.out(`${fmtInt(r.baskets)} baskets${r.segment ? ` of segment '${r.segment}'` : ''} before ${r.asOf}; ${fmtInt(r.rulesTotal)} rules at support ≥ ${r.minSupport}, itemsets up to ${r.maxLength}`);
        ctx.io.out(table(['if bought', 'also', 'support', 'confidence', 'lift', 'baskets'], r.rules.map((x) => [names(x.antecedent), names(x.consequent), x.support.toFixed(4), x.confidence.toFixed(3), x.lift.toFixed(2), x.baskets])));
      } finally {
        ws.close();
      }
    });
  examples(rules, [
    'segmint recommend rules --min-support 0.001 --k 20',
    'segmint recommend rules --segment Champions --min-support 1% --json',
  ]);
}
