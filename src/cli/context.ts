/** What every command receives: global options, the terminal and a way to open the workspace. */
import { resolve } from 'node:path';
import type { Workspace, OpenOptions } from '../store/workspace.ts';
import type { Io } from './render.ts';
import { grouped } from '../core/numbers.ts';

export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
  debug?: boolean;
}

export interface Context {
  io: Io;
  /** the workspace folder: --workspace, else SEGMINT_WORKSPACE, else the current folder */
  workspaceDir(opts: GlobalOptions): string;
  /** open the workspace (read-only for commands that only read, so that several can run at once) */
  openWorkspace(opts: GlobalOptions, options?: OpenOptions): Promise<Workspace>;
}

export function makeContext(io: Io): Context {
  const workspaceDir = (opts: GlobalOptions) => resolve(opts.workspace ?? process.env.SEGMINT_WORKSPACE ?? '.');
  return {
    io,
    workspaceDir,
    openWorkspace: async (opts, options = {}) => {
      // loaded when a command opens a workspace (issue #15: help and the version load no store)
      const { Workspace } = await import('../store/workspace.ts');
      const ws = await Workspace.open(workspaceDir(opts), options);
      for (const w of ws.recovered) {
        const rows = Object.values(w.removed).reduce((a, b) => a + b, 0);
        io.err(`note: ${w.label} (started ${w.startedAt}) did not finish — the process was stopped — and was undone${rows ? ` (${grouped(rows)} rows removed)` : ''}; run it again`);
      }
      return ws;
    },
  };
}
