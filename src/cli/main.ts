/**
 * The `segmint` command line. Each command lives in commands/<name>.ts and registers itself on the
 * program; this file wires global options, error handling and exit codes (0 done, 1 failed, 2 bad usage).
 */
import { Command, CommanderError, Help } from 'commander';
import { COMMANDS } from './command-index.ts';
import { defaultIo, reportError, type Io } from './render.ts';
import { makeContext, type Context } from './context.ts';
import { examples } from './options.ts';

/** The names of every top-level command (the CLI's tests check each has help and examples). */
export const COMMAND_NAMES = COMMANDS.flatMap(({ lines }) => lines.map((l) => l.name));

/** argv that only asks for the program's own help or version (no command): answered from COMMANDS' lines. */
const PROGRAM_ONLY = new Set(['-h', '--help', '-V', '--version']);

/**
 * The program with its commands. With `argv`, only the module of the command it names is loaded (its first word
 * that is not an option); no command (help of the program, its version, nothing) loads none: the commands are
 * listed from their lines in COMMANDS; a mistyped command or `help` loads them all (`{ stubs: false }` too).
 */
export async function buildProgram(ctx: Context, setExit: (code: number) => void, argv?: readonly string[], options: { stubs?: boolean } = {}): Promise<Command> {
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
  if (argv && options.stubs !== false && argv.every((a) => PROGRAM_ONLY.has(a))) {
    // each command as a line of help only: nothing but help or the version can reach it
    const lines = new Map(COMMANDS.flatMap(({ lines: ls }) => ls.map((l) => [l.name, l] as const)));
    for (const l of lines.values()) program.command(l.name).description(l.description);
    const subcommandTerm = Help.prototype.subcommandTerm;
    program.configureHelp({ subcommandTerm(this: Help, cmd: Command) { return lines.get(cmd.name())?.term ?? subcommandTerm.call(this, cmd); } });
    return program;
  }
  const name = argv?.find((a) => !a.startsWith('-'));
  const asked = COMMANDS.filter(({ lines }) => name !== undefined && lines.some((l) => l.name === name));
  const registers = await Promise.all((asked.length ? asked : COMMANDS).map(({ load }) => load()));
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
