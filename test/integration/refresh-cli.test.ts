// segmint refresh: files named and dropped in the inbox imported, results re-run, audiences snapshotted and
// their webhooks sent; nothing re-run when nothing is new; a corrupt file is exit 2 with the failure in
// --status, the results left as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addSubscription } from '../../src/store/outbox.ts';
import { runCli } from '../helpers/cli.ts';
import { twoPeriodFiles } from '../helpers/jobs-server.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { tempDir } from '../helpers/workspace.ts';

test('segmint refresh: imports, re-runs, snapshots, sends webhooks; --status shows a failure', async () => {
  const { dir, cleanup } = tempDir('segmint-refresh-cli-');
  const ws = join(dir, 'ws');
  const files = twoPeriodFiles(dir);
  const receiver = await startReceiver(() => 200);
  try {
    for (const args of [['init', ws], ['import', files.first, '--kind', 'transactions', '-w', ws], ['rfm', '-w', ws], ['audience', 'eval', '--where', 'orders in last 60 days >= 1', '--name', 'recent', '-w', ws]]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    }
    addSubscription(ws, { audience: 'recent', url: receiver.url });
    mkdirSync(join(ws, 'inbox'), { recursive: true });
    copyFileSync(files.third, join(ws, 'inbox', 'third.csv'));
    const r = await runCli(['refresh', files.second, '--json', '-w', ws]);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { imported: { file: string }[]; recomputed: boolean; audiences: { name: string; deliveries: number }[]; deliveries: number; webhooks: { pending: number } };
    assert.deepEqual(out.imported.map((i) => i.file.split('/').pop()), ['second.csv', 'third.csv']);
    assert.equal(out.recomputed, true);
    assert.equal(out.audiences[0]!.name, 'recent');
    assert.ok(out.deliveries >= 2);
    assert.equal(out.webhooks.pending, 0);
    assert.equal(receiver.received.length, out.deliveries);
    assert.ok(existsSync(join(ws, 'inbox', 'done', 'third.csv')));

    const again = await runCli(['refresh', '--json', '-w', ws]);
    assert.equal((JSON.parse(again.out) as { recomputed: boolean }).recomputed, false);

    writeFileSync(join(dir, 'broken.csv'), 'a,b\n1,2\n');
    const bad = await runCli(['refresh', join(dir, 'broken.csv'), '-w', ws]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /refresh stopped at import broken\.csv: no column found for customer_id/);
    const status = await runCli(['refresh', '--status', '-w', ws]);
    assert.match(status.out, /last failure: .* at import broken\.csv: \[missing-mapping\]/);
    assert.match(status.out, /last success: .*\(cli, nothing new\)/);
  } finally {
    await receiver.close();
    cleanup();
  }
});
