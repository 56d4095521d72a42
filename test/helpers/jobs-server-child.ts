/**
 * A server with the jobs plugin, as a child process the crash test can SIGKILL: `node --import tsx
 * jobs-server-child.ts WORKSPACE BASE_DELAY_MS`. Prints `{"address": …}` on one line once it listens (after
 * the outbox left by an earlier process has been read and its deliveries started).
 */
import { buildServer } from '../../src/server/app.ts';
import { jobsPlugin } from '../../src/server/jobs/plugin.ts';
import { Workspace } from '../../src/store/workspace.ts';

const [dir, baseDelay] = process.argv.slice(2);
const ws = await Workspace.open(dir!);
const app = await buildServer({ workspace: ws, routes: false });
await app.register(jobsPlugin, { delivery: { maxAttempts: 5, baseDelayMs: Number(baseDelay), timeoutMs: 5000 }, schedule: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ address, recovered: ws.recovered.length })}\n`);
const stop = () => void app.close().then(() => ws.close()).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
