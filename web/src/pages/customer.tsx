// One customer: find by id; the purchases in sum, segments and scores of the latest runs, traits, the
// audiences whose latest snapshot holds them, and the timeline of purchases and events.
import { get } from '../api.ts';
import '../components/overview-styles.css';
import { Async, useAsync } from '../components/async.tsx';
import { fmt, money, Section } from '../components/chart.tsx';
import { CustomerPicker, CustomerSearch } from '../components/customer-search.tsx';
import { ActivityChart, inZone, TimelineTable } from '../components/customer-timeline.tsx';
import { when, type CustomerActivity, type CustomerDoc } from '../components/overview-types.ts';
import { href, type Route } from '../router.ts';

const SEGMENTS: [string, string][] = [['rfm', 'RFM segment'], ['lrfmp', 'LRFMP segment'], ['cluster', 'Cluster'], ['clvTier', 'CLV tier'], ['churnTier', 'Churn tier']];
const SCORE_KINDS: [string, string][] = [['rfm', 'RFM'], ['lrfmp', 'LRFMP'], ['clv-predict', 'CLV prediction'], ['cluster', 'Clustering']];

export function CustomerPage({ id }: { id: string | undefined; route: Route }) {
  return (
    <>
      <h1 tabIndex={-1}>{id ? `Customer ${id}` : 'Customer'}</h1>
      <CustomerSearch current={id} />
      {id ? <CustomerView key={id} id={id} /> : <><p>Enter a customer id to see their purchases, segments, scores, audiences and timeline.</p><CustomerPicker /></>}
    </>
  );
}

function CustomerView({ id }: { id: string }) {
  const doc = useAsync((signal) => get<CustomerDoc>(`/customers/${encodeURIComponent(id)}`, { timeline: 0 }, signal), [id]);
  const act = useAsync((signal) => get<CustomerActivity>(`/customers/${encodeURIComponent(id)}/activity`, undefined, signal), [id]);
  return (
    <Async state={doc} what="Loading the customer">
      {(c) => (
        <Async state={act} what="Loading the purchases">
          {(a) => (
            <>
              <Section title="Purchases" id="purchases">
                <dl class="stats">
                  <div><dt>Orders</dt><dd>{fmt(a.orders)}</dd></div>
                  <div><dt>Net revenue</dt><dd>{money(a.revenue)}</dd></div>
                  <div><dt>Return orders</dt><dd>{fmt(a.returns)}</dd></div>
                  <div><dt>First purchase</dt><dd>{when(a.firstPurchase)}</dd></div>
                  <div><dt>Last purchase</dt><dd>{when(a.lastPurchase)}</dd></div>
                  <div><dt>Events</dt><dd>{fmt(a.events)}</dd></div>
                </dl>
                <p class="hint">Days and months in the workspace's time zone, {a.timezone}; {fmt(a.lines)} transaction lines.</p>
              </Section>
              <div class="grid2">
                <Section title="Segments" id="segments">
                  <Segments c={c} />
                </Section>
                <Section title="Audiences" id="audiences">
                  {c.audiences.length === 0 ? <p>No audience has a snapshot yet — <a href={href('audiences')}>define one and snapshot it</a>.</p> : (
                    <ul class="plain">
                      {c.audiences.map((x) => (
                        <li key={x.name}>
                          <a href={href('audiences', x.name)}>{x.name}</a>: {x.member ? <strong class="good">member</strong> : <span>not a member</span>} <span class="hint">(snapshot #{x.runId} as of {x.asOf})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </Section>
              </div>
              <Section title="Scores" id="scores">
                <Scores c={c} zone={a.timezone} />
              </Section>
              <Section title="Traits" id="traits">
                <dl class="traits">
                  {Object.entries(c.traits).filter(([k]) => k !== 'customer_id').map(([k, v]) => (
                    <div key={k}><dt>{k}</dt><dd>{(k === 'first_seen' || k === 'updated_at') && typeof v === 'string' ? inZone(v, a.timezone) : fmt(v)}</dd></div>
                  ))}
                </dl>
              </Section>
              <Section title="Timeline" id="timeline">
                <ActivityChart activity={a} />
                <TimelineTable customerId={id} zone={a.timezone} total={(c.counts.transactions ?? 0) + (c.counts.events ?? 0)} />
              </Section>
            </>
          )}
        </Async>
      )}
    </Async>
  );
}

function Segments({ c }: { c: CustomerDoc }) {
  const shown = SEGMENTS.filter(([k]) => c.segments[k]);
  if (shown.length === 0) return <p>No segment yet — run RFM or clustering from the <a href={href('overview')}>overview</a>.</p>;
  return (
    <dl class="pairs">
      {SEGMENTS.map(([k, label]) => (
        <div key={k}><dt>{label}</dt><dd>{c.segments[k] ?? <span class="hint">{k === 'rfm' || k === 'cluster' ? 'none yet — run it from the overview' : 'none'}</span>}</dd></div>
      ))}
    </dl>
  );
}

function Scores({ c, zone }: { c: CustomerDoc; zone: string }) {
  const kinds = SCORE_KINDS.filter(([k]) => c.scores[k]);
  if (kinds.length === 0) return <p>No scores yet: this customer is in no RFM, LRFMP, CLV or clustering run — run RFM from the <a href={href('overview')}>overview</a>.</p>;
  return (
    <div class="grid2">
      {kinds.map(([k, label]) => {
        const s = c.scores[k]!;
        const fields = Object.entries(s).filter(([f, v]) => f !== 'run_id' && v !== null && v !== undefined);
        return (
          <div class="table-wrap" key={k}>
            <table class="narrow">
              <caption>{label} (run #{fmt(s.run_id)})</caption>
              <tbody>
                {fields.map(([f, v]) => <tr key={f}><th scope="row">{f}</th><td class="num">{/_purchase$/.test(f) && typeof v === 'string' ? inZone(v, zone) : fmt(v)}</td></tr>)}
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
}
