/**
 * The lines (purchases or events) of the customers being looked up at once, read with one query: look-ups that
 * arrive while earlier reads run wait for the next query, which reads the lines of all of them (customer_id IN
 * …, found by the index on customer_id like one customer's). On DuckDB a query costs about half a millisecond
 * of CPU whatever it reads, and one customer's lines by the index about 1.5 ms more: with 50 clients one query
 * for 30 look-ups costs about 0.4 ms each (bench/server). With one client every query reads one customer, as
 * before, without waiting.
 *
 * Every line of each customer is read, in the order asked for after customer_id; the caller keeps the first n.
 * Only for customers with few lines (the look-up cache counts them): a customer with many is read alone, with
 * ORDER BY … LIMIT n.
 */
import { all } from '../pipeline/run-query.ts';
import { col, inList, lit, select, table, type OrderLike } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';

/** Customers whose lines one query reads at most. */
const MAX_BATCH = 256;
/** Queries of one batcher running at once (the machine's cores, not the read connections, bound the work). */
const MAX_IN_FLIGHT = 2;

type Row = Record<string, unknown>;

interface Waiting {
  id: string;
  ok: (rows: Row[]) => void;
  fail: (e: unknown) => void;
}

export class LineBatcher {
  private pending: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param from the table (transactions, events)
   * @param columns what each line gives (customer_id is read besides)
   * @param order the order of one customer's lines
   * @param db the connection a query runs on (one of the read connections in turn)
   */
  constructor(
    private readonly from: string,
    private readonly columns: readonly string[],
    private readonly order: readonly OrderLike[],
    private readonly db: () => Db,
  ) {}

  /** Every line of customer `id`, in `order`. */
  lines(id: string): Promise<Row[]> {
    return new Promise((ok, fail) => {
      this.pending.push({ id, ok, fail });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    // the look-ups of this turn of the event loop go in the same query
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    this.inFlight++;
    try {
      const ids = [...new Set(batch.map((w) => w.id))];
      const pick = ['customer_id', ...this.columns].map((c) => ({ expr: col(c), as: c }));
      // found by customer_id first (a materialized CTE), then sorted: see routes/customers.ts latestOf
      const rows = await all(this.db(), select({
        with: [{ name: 'mine', materialized: true, query: select({ select: pick, from: table(this.from), where: inList(col('customer_id'), ids.map((id) => lit(id))) }) }],
        select: pick, from: table('mine'), orderBy: [col('customer_id'), ...this.order],
      }));
      const by = new Map<string, Row[]>();
      for (const r of rows) {
        const id = String(r.customer_id);
        let list = by.get(id);
        if (!list) by.set(id, (list = []));
        list.push(r);
      }
      for (const w of batch) w.ok(by.get(w.id) ?? []);
    } catch (e) {
      for (const w of batch) w.fail(e);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
