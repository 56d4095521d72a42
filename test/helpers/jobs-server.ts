/**
 * A server with the jobs plugin over a workspace, for the jobs / refresh / webhooks tests: tokens of every
 * role, a small two-period transactions data set (first and second half), and helpers to wait for a job.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.ts';
import { jobsPlugin, type JobsPluginOptions } from '../../src/server/jobs/plugin.ts';
import type { Job } from '../../src/server/jobs/queue.ts';
import { TokenStore, type Role } from '../../src/store/tokens.ts';
import type { Workspace } from '../../src/store/workspace.ts';

export async function jobsServer(ws: Workspace, options: JobsPluginOptions = {}): Promise<{ app: FastifyInstance; tokens: Record<Role, string> }> {
  const store = new TokenStore(ws.dir);
  const tokens = Object.fromEntries((['viewer', 'analyst', 'admin'] as const).map((r) => [r, store.create(`jobs-${r}-${Math.random().toString(36).slice(2, 8)}`, r).token])) as Record<Role, string>;
  const app = await buildServer({ workspace: ws, routes: false });
  await app.register(jobsPlugin, options);
  await app.ready();
  return { app, tokens };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Poll GET /jobs/:id until the job is finished. */
export async function waitForJob(app: FastifyInstance, token: string, id: string, timeoutMs = 120_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth(token) });
    if (r.statusCode !== 200) throw new Error(`GET /jobs/${id}: ${r.statusCode} ${r.body}`);
    const j = r.json<Job>();
    if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(j.status)) return j;
    if (Date.now() > end) throw new Error(`job ${id} still ${j.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Two CSV exports of a small shop: the first half of a year and the months after. Customer i orders in
 * January; every third again in May, every fifth in June; in the second file every fourth orders in
 * September, and ten new customers arrive.
 */
export function twoPeriodFiles(dir: string): { first: string; second: string; third: string } {
  const line = (c: string, o: string, d: string, a: number) => `${c},${o},${d} 10:00:00,${a.toFixed(2)}`;
  const head = 'customer_id,order_id,ts,amount';
  const a: string[] = [head];
  const b: string[] = [head];
  const c: string[] = [head];
  const id = (i: number) => `C${String(i).padStart(3, '0')}`;
  let o = 1;
  for (let i = 1; i <= 60; i++) {
    a.push(line(id(i), `O${o++}`, `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`, 10 + i));
    if (i % 3 === 0) a.push(line(id(i), `O${o++}`, `2024-05-${String(1 + (i % 28)).padStart(2, '0')}`, 20 + i));
    if (i % 5 === 0) a.push(line(id(i), `O${o++}`, `2024-06-${String(1 + (i % 25)).padStart(2, '0')}`, 30 + i));
    if (i % 4 === 0) b.push(line(id(i), `O${o++}`, `2024-09-${String(1 + (i % 20)).padStart(2, '0')}`, 40 + i));
  }
  for (let i = 61; i <= 70; i++) b.push(line(id(i), `O${o++}`, `2024-09-${String(i - 55).padStart(2, '0')}`, 50 + i));
  for (let i = 1; i <= 70; i += 7) c.push(line(id(i), `O${o++}`, `2024-10-${String(1 + (i % 20)).padStart(2, '0')}`, 60 + i));
  const files = { first: join(dir, 'first.csv'), second: join(dir, 'second.csv'), third: join(dir, 'third.csv') };
  writeFileSync(files.first, `${a.join('\n')}\n`);
  writeFileSync(files.second, `${b.join('\n')}\n`);
  writeFileSync(files.third, `${c.join('\n')}\n`);
  return files;
}
