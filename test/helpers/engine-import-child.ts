// Child process for the kill test of a PostgreSQL or ClickHouse workspace: imports a file and stops once
// every row is loaded into the engine and before the sources row publishes it, announcing it on stdout.
import { Workspace } from '../../src/store/workspace.ts';
import { importFile } from '../../src/store/import/index.ts';

const [dir, file] = process.argv.slice(2);
const ws = await Workspace.open(dir!);
await importFile(ws, file!, {
  kind: 'transactions',
  beforeCommit: async () => {
    process.stdout.write('paused-before-commit\n');
    await new Promise(() => undefined); // wait to be killed
  },
});
