import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discreteSummary } from '../../src/features/discrete-summary.ts';
import { compile } from '../../src/sql/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { withWorkspace } from '../helpers/workspace.ts';

test('BG/BB summary over yearly opportunities: a hand-counted case', async () => {
  await withWorkspace(async (ws, dir) => {
    const file = join(dir, 'gifts.csv');
    // A gives in 2020 (first), 2021, 2023 (twice on one day) and 2024 (holdout); B once in 2022; C first in 2024 (after calibration)
    writeFileSync(file, 'customer_id,order_id,ts,amount\nA,1,2020-03-01,10\nA,2,2021-05-01,20\nA,3,2023-02-01,30\nA,3b,2023-02-01,5\nA,4,2024-06-01,50\nB,5,2022-01-05,7\nC,6,2024-02-01,9\n');
    await importFile(ws, file, { kind: 'transactions' });
    const q = compile(discreteSummary({ calibrationEnd: new Date('2023-12-31T00:00:00Z'), holdoutEnd: new Date('2025-12-31T00:00:00Z'), opportunity: 'year' }), 'duckdb');
    const rows = Object.fromEntries((await ws.db.all<Record<string, number | string>>(q.sql, q.params)).map((r) => [r.customer_id, r]));
    assert.deepEqual(Object.keys(rows).sort(), ['A', 'B']);
    // A: opportunities 2021–2023 (n = 3), gave in 2021 and 2023 (x = 2, last at 3), mean repeat gift (20 + 35)/2
    assert.deepEqual({ ...rows.A }, { customer_id: 'A', frequency: 2, recency: 3, T: 3, monetary_value: 27.5, frequency_holdout: 1, monetary_holdout: 50, duration_holdout: 2 });
    assert.deepEqual({ ...rows.B }, { customer_id: 'B', frequency: 0, recency: 0, T: 1, monetary_value: 0, frequency_holdout: 0, monetary_holdout: 0, duration_holdout: 2 });
  });
});
