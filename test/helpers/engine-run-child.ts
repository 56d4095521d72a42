// Child process for the kill test of a stored run on a PostgreSQL or ClickHouse workspace: stores a run of
// 1,000 score rows and stops once they are written and before the runs row publishes them.
import { storeRun } from '../../src/store/runs.ts';
import { Workspace } from '../../src/store/workspace.ts';

const [dir] = process.argv.slice(2);
const ws = await Workspace.open(dir!);
await storeRun(ws.db, 'test', async (runId) => {
  const rows = Array.from({ length: 1000 }, (_, i) => [runId, `c${i}`, 'killed', i]);
  await ws.db.insertRows('run_scores', ['run_id', 'customer_id', 'segment', 'score_code'], rows);
  process.stdout.write('paused-before-commit\n');
  await new Promise(() => undefined); // wait to be killed
});
