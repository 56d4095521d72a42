/**
 * The `segmint` command line. Each command lives in commands/<name>.ts and registers itself on the
 * program; this file wires global options, error handling and exit codes (0 done, 1 failed, 2 bad usage).
 */
import { Command, CommanderError } from 'commander';
import { defaultIo, reportError, type Io } from './render.ts';
import { makeContext, type Context } from './context.ts';
import { examples } from './options.ts';
import { registerInit } from './commands/init.ts';
import { registerImport } from './commands/import.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerDemo } from './commands/demo.ts';
import { registerReport } from './commands/report.ts';
import { registerValue } from './commands/value.ts';
import { registerClv } from './commands/clv.ts';
import { registerCluster } from './commands/cluster.ts';
import { registerAudience } from './commands/audience.ts';
import { registerQuarantine } from './commands/quarantine.ts';
import { registerDelete } from './commands/delete.ts';
import { registerRuns } from './commands/runs.ts';
import { registerMigration } from './commands/migration.ts';
import { registerCampaign } from './commands/campaign.ts';
import { registerRecommend } from './commands/recommend.ts';
import { registerSource } from './commands/source.ts';
import { registerServe } from './commands/serve.ts';
import { registerToken } from './commands/token.ts';
import { registerRefresh } from './commands/refresh.ts';
import { registerModel } from './commands/model.ts';

export function buildProgram(ctx: Context, setExit: (code: number) => void): Command {
  const program = new Command('segmint')
    .description('Customer segmentation: import customer data with validation, score RFM and LRFMP segments, fit CLV models, evaluate rule-based audiences, generate test data, write an HTML report.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage and examples)')
    .exitOverride()
    // Set before the commands are added so that they inherit it.
    .configureOutput({ writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')), writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')) });
  examples(program, [
    'segmint demo                                   # whole pipeline on the bundled Online Retail data',
    'segmint init shop && cd shop',
    'segmint import orders.csv --kind transactions',
    'segmint import customers.xlsx --kind customers --map customer_id="Client No"',
    'segmint generate --preset grocery --customers 10000 --seed 7 --out gen/',
    'segmint clv fit && segmint clv predict --horizon 12 --unit month --out clv.csv',
  ]);
  for (const register of [registerInit, registerImport, registerGenerate, registerValue, registerDemo, registerReport, registerClv, registerCluster, registerAudience, registerQuarantine, registerDelete, registerRuns, registerMigration, registerCampaign, registerRecommend, registerSource, registerServe, registerToken, registerRefresh, registerModel]) {
    register(program, ctx, setExit);
  }
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const ctx = makeContext(io);
  let code = 0;
  const program = buildProgram(ctx, (c) => (code = c));
  const debug = argv.includes('--debug');
  const asJson = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(io, e, { debug, json: asJson });
  }
}
