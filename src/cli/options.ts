/** Shared option helpers for commands. */
import type { Command } from 'commander';

/** Add the options every command has. */
export function withGlobals(cmd: Command): Command {
  return cmd
    .option('-w, --workspace <dir>', 'workspace folder (default: SEGMINT_WORKSPACE or the current folder)')
    .option('--json', 'machine-readable output on stdout')
    .option('--debug', 'show stack traces on errors');
}

/** Attach an "Examples:" block to a command's --help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Called by a command to set the process exit code without throwing (e.g. 1 when some work failed). */
export type SetExit = (code: number) => void;
