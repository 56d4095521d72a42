/** Test helpers: throwaway workspaces and the shared real data (skipped with a reason when absent). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Workspace } from '../../src/store/workspace.ts';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/** A new temp folder; removed by the returned cleanup. */
export function tempDir(prefix = 'segmint-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run `fn` with a new temp folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir();
  try {
    return await fn(dir);
  } finally {
    cleanup();
  }
}

/** Run `fn` with the existing workspace at `dir` open, closed afterwards (e.g. between CLI runs on it). */
export async function withOpenWorkspace<T>(dir: string, fn: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await Workspace.open(dir);
  try {
    return await fn(ws);
  } finally {
    ws.close();
  }
}

/** Run `fn` with a fresh workspace, closed and removed afterwards. */
export async function withWorkspace<T>(fn: (ws: Workspace, dir: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.open(dir, { create: true });
  try {
    return await fn(ws, dir);
  } finally {
    ws.close();
    cleanup();
  }
}

const SHARED = process.env.SEGMINT_SHARED_DATA;

/**
 * Path of a file under ../shared/data, or a skip reason. Use as `test(name, { skip: shared(p).skip }, …)`.
 */
export function shared(relPath: string): { path: string; skip: string | false } {
  if (!SHARED) return { path: '', skip: 'SEGMINT_SHARED_DATA is not set (CI sets it to ../shared/data)' };
  const path = resolve(SHARED, relPath);
  if (!existsSync(path)) return { path, skip: `${path} is missing` };
  return { path, skip: false };
}
