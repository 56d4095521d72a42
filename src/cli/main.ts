/**
 * The `segmint` command line. Each command lives in commands/<name>.ts and registers itself on the
 * program; this file wires global options, error handling and exit codes (0 done, 1 failed, 2 bad usage).
 */
import { Command, CommanderError } from 'commander';
import { defaultIo, reportError, type Io } from './render.ts';
import { makeContext, type Context } from './context.ts';
import { examples } from './options.ts';

type Register = (program: Command, ctx: Context, setExit: (code: number) => void) => void;

/**
 * The commands, in the order help lists them: the top-level names each module registers, and the module, loaded
 * only when asked for (issue #15: loading all of them cost about 0.1 s of CPU before any command began).
 */
const COMMANDS: [names: string[], load: () => Promise<Register>][] = [
  [['init'], async () => (await import('./commands/init.ts')).registerInit],
  [['import'], async () => (await import('./commands/import.ts')).registerImport],
  [['generate'], async () => (await import('./commands/generate.ts')).registerGenerate],
  [['rfm', 'lrfmp'], async () => (await import('./commands/value.ts')).registerValue],
  [['demo'], async () => (await import('./commands/demo.ts')).registerDemo],
  [['report'], async () => (await import('./commands/report.ts')).registerReport],
  [['clv'], async () => (await import('./commands/clv.ts')).registerClv],
  [['cluster'], async () => (await import('./commands/cluster.ts')).registerCluster],
  [['audience'], async () => (await import('./commands/audience.ts')).registerAudience],
  [['quarantine'], async () => (await import('./commands/quarantine.ts')).registerQuarantine],
  [['delete'], async () => (await import('./commands/delete.ts')).registerDelete],
  [['runs'], async () => (await import('./commands/runs.ts')).registerRuns],
  [['migration'], async () => (await import('./commands/migration.ts')).registerMigration],
  [['campaign'], async () => (await import('./commands/campaign.ts')).registerCampaign],
  [['recommend'], async () => (await import('./commands/recommend.ts')).registerRecommend],
  [['source'], async () => (await import('./commands/source.ts')).registerSource],
  [['serve'], async () => (await import('./commands/serve.ts')).registerServe],
  [['token'], async () => (await import('./commands/token.ts')).registerToken],
  [['refresh'], async () => (await import('./commands/refresh.ts')).registerRefresh],
  [['model'], async () => (await import('./commands/model.ts')).registerModel],
];

/** The names of every top-level command (the CLI's tests check each has help and examples). */
export const COMMAND_NAMES = COMMANDS.flatMap(([names]) => names);

/**
 * The program with its commands. With `argv`, only the module of the command it names is loaded (its first word
 * that is not an option); help, a mistyped command or none loads them all.
 */
export async function buildProgram(ctx: Context, setExit: (code: number) => void, argv?: readonly string[]): Promise<Command> {
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
  const name = argv?.find((a) => !a.startsWith('-'));
  const asked = COMMANDS.filter(([names]) => name !== undefined && names.includes(name));
  const registers = await Promise.all((asked.length ? asked : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program, ctx, setExit);
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const ctx = makeContext(io);
  let code = 0;
  const program = await buildProgram(ctx, (c) => (code = c), argv);
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
