/** What every command receives: global options, the terminal and a way to open the workspace. */
import { resolve } from 'node:path';
import { Workspace } from '../store/workspace.ts';
import type { Io } from './render.ts';

export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
  debug?: boolean;
}

export interface Context {
  io: Io;
  /** the workspace folder: --workspace, else SEGMINT_WORKSPACE, else the current folder */
  workspaceDir(opts: GlobalOptions): string;
  openWorkspace(opts: GlobalOptions, create?: boolean): Promise<Workspace>;
}

export function makeContext(io: Io): Context {
  const workspaceDir = (opts: GlobalOptions) => resolve(opts.workspace ?? process.env.SEGMINT_WORKSPACE ?? '.');
  return {
    io,
    workspaceDir,
    openWorkspace: (opts, create = false) => Workspace.open(workspaceDir(opts), { create }),
  };
}
