/**
 * The audience corpus: four customers' rows (as of 2024-07-01), a cluster run written by hand, and rules
 * with their members worked out by hand. Run on DuckDB and PostgreSQL by test/integration/audience-engines.test.ts
 * and on ClickHouse 18.16 and chdb by test/integration/sql-corpus-clickhouse.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';

export const AUDIENCE_AS_OF = new Date('2024-07-01T00:00:00Z');

const CUSTOMERS = `customer_id,country,age,signup_date,latitude,longitude,city,last_login
c1,UK,30,2024-06-15,51.5,-0.12,Val d'Isère,2024-06-01 10:00:00
c2,FR,45,2020-01-10,48.85,2.35,Paris,2024-06-02 00:00:00
c3,UK,70,2024-01-01,53.48,-2.24,Manchester,2024-05-31 23:59:00
c4,DE,,2019-05-05,52.52,13.40,Berlin,
`;
const TRANSACTIONS = `customer_id,order_id,ts,amount,category,coupon
c1,o1,2024-06-20 10:00:00,100,cameras,
c1,o2,2024-06-25 12:00:00,50,lenses,SAVE10
c2,o3,2024-01-05 09:00:00,300,cameras,
c2,o4,2023-06-01 09:00:00,20,lenses,
c2,Co3,2024-01-10 09:00:00,-300,cameras,
c3,o5,2024-06-30 23:00:00,10,lenses,
`;
const EVENTS = `customer_id,ts,type,properties
c1,2024-06-20 09:00:00,add_to_cart,"{""product_id"":""P1""}"
c1,2024-06-28 12:00:00,add_to_cart,"{""product_id"":""P2""}"
c2,2024-06-30 20:00:00,add_to_cart,"{""product_id"":""P3""}"
c2,2024-06-01 08:00:00,email_open,"{""campaign"":""summer""}"
c3,2024-06-30 22:00:00,add_to_cart,"{""product_id"":""P4""}"
c3,2024-05-01 08:00:00,email_open,"{""campaign"":""spring""}"
c4,2024-06-29 08:00:00,email_open,"{""campaign"":""summer""}"
c1,2024-06-10 08:00:00,review,"{""stars"":""5""}"
c2,2024-06-10 08:00:00,review,"{""stars"":4}"
`;

/** rule → members (sorted), worked out by hand from the rows above */
export const AUDIENCE_CASES: Record<string, string[]> = {
  "country = 'UK'": ['c1', 'c3'],
  // c4 has no age: age > 40 is false for c4, so its negation holds (conditions are two-valued)
  'not(age > 40)': ['c1', 'c4'],
  'age > avg': ['c3'],
  'orders in last 30 days >= 1': ['c1', 'c3'],
  'orders < 1': ['c4'],
  // net spend 150, 20, 10, 0: average 45
  'sum(amount) transactions > avg': ['c1'],
  "sum(amount) purchases where category = 'cameras' >= 100": ['c1', 'c2'],
  // c2's cart is younger than 24 hours at the as-of date, so not abandoned yet
  "has event 'add_to_cart' then no orders within 24 hours": ['c1'],
  "has event 'add_to_cart' then orders within 2 hours": ['c1', 'c3'],
  'last order more than 90 days ago': ['c2'],
  'first order in last 30 days': ['c1', 'c3'],
  'within 50 km of (51.5074, -0.1278)': ['c1'],
  'signup_date in last 1 year': ['c1', 'c3'],
  'signup_date more than 3 years ago': ['c2', 'c4'],
  "signup_date = '2024-01-01'": ['c3'],
  // a date without a time is the whole day, in a list as with =; c4 has no last login
  "last_login in ('2024-06-01', '2024-06-03')": ['c1'],
  "last_login not in ('2024-06-01')": ['c2', 'c3'],
  "has event 'email_open' where properties.campaign = 'summer' in last 60 days": ['c2', 'c4'],
  // c1's stars are the text "5": a property is a number only where the JSON value is one
  "has event 'review' where properties.stars >= 4": ['c2'],
  "city = 'Val d''Isère'": ['c1'],
  "city in ('x'' OR 1=1 --', 'Paris')": ['c2'],
  'returns >= 1': ['c2'],
  'distinct(category) purchases = 2': ['c1', 'c2'],
  // purchase-line averages 75, 160, 10: median 75
  'avg(amount) purchases < median': ['c3'],
  "max(amount) purchases between '2024-01-01' and '2024-06-30' > 50": ['c1', 'c2'],
  "orders between '2024-06-30' and '2024-06-30' >= 1": ['c3'],
  'orders where coupon is not null >= 1': ['c1'],
  "all(in audience 'uk', age > 50)": ['c3'],
  "not in audience 'uk'": ['c2', 'c4'],
  "any(in audience 'recent', country = 'DE')": ['c1', 'c3', 'c4'],
  // RFM monetary is the net spend: 150, 20, 10
  'rfm.monetary > 100': ['c1'],
  'rfm.segment is not null': ['c1', 'c2', 'c3'],
  'rfm.monetary < p50': ['c3'],
  'rfm.score >= 100': ['c1', 'c2', 'c3'],
  // the cluster run of setUp: c1 0 'Recent buyers' (distance 0.5, p 0.95), c2 and c3 1 'Lapsed buyers' (2.5, 0.6; 1.0, 0.85), c4 not in it
  "cluster.name = 'Lapsed buyers'": ['c2', 'c3'],
  'cluster.id in (0, 1)': ['c1', 'c2', 'c3'],
  'cluster.distance < 2': ['c1', 'c3'],
  'cluster.probability > 0.8': ['c1', 'c3'],
  'not(cluster.id = 1)': ['c1', 'c4'],
  // distances 0.5, 2.5, 1.0: average 1.33
  'cluster.distance > avg': ['c2'],
  "all(cluster.name = 'Lapsed buyers', orders in last 30 days >= 1)": ['c3'],
};
export const AUDIENCES = { uk: "country = 'UK'", recent: 'orders in last 30 days >= 1' };

/** Import the three files into `ws`, run RFM with 2 bins, and write a cluster run by hand. */
export async function setUpAudienceCorpus(ws: Workspace, dir: string): Promise<void> {
  for (const [kind, text] of [['customers', CUSTOMERS], ['transactions', TRANSACTIONS], ['events', EVENTS]] as const) {
    const f = join(dir, `${kind}.csv`);
    writeFileSync(f, text);
    await importFile(ws, f, { kind });
  }
  await runValueSegmentation(ws, 'rfm', { asOf: '2024-07-01', bins: 2 });
  // a mixture's cluster run written by hand (the audience language reads run_clusters, whatever fitted it)
  const runId = 1 + Number((await ws.db.one<{ n: number }>('SELECT max(run_id) AS n FROM runs'))!.n);
  await ws.db.run("INSERT INTO runs VALUES (?, 'cluster', TIMESTAMP '2024-07-01', '{}', ?, now()::TIMESTAMP)", [runId, JSON.stringify({ model: { algorithm: 'gmm' } })]);
  await ws.db.run(`INSERT INTO run_clusters VALUES (${runId}, 'c1', 0, 'Recent buyers', 0.5, 0.95), (${runId}, 'c2', 1, 'Lapsed buyers', 2.5, 0.6), (${runId}, 'c3', 1, 'Lapsed buyers', 1.0, 0.85)`);
}
