// Value: the RFM segments of a run (grid, treemap, table with suggested actions, each segment's customers),
// the latest LRFMP segments, and the migration between two runs (#/value/migration). Every figure is
// counted by the server (GET /value/runs/{id}, /migration); lists are paged by it.
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { Async, useAsync } from '../components/async.tsx';
import { Section } from '../components/chart.tsx';
import { href, navigate, type Route } from '../router.ts';
import { runLabel, runsOf, valueStats, type RunListing } from '../components/value-data.tsx';
import { ValueGrid } from '../components/value-grid.tsx';
import { MigrationView } from '../components/value-migration.tsx';
import { RunValueButton } from '../components/value-run.tsx';
import { SegmentCustomers, SegmentTable, SegmentTreemap } from '../components/value-segments.tsx';

export function ValuePage({ route }: { route: Route }) {
  const view = route.parts[1] === 'migration' ? 'migration' : 'segments';
  const [reloadKey, setReloadKey] = useState(0);
  const runs = useAsync((signal) => runsOf('rfm', signal), [reloadKey]);
  const ws = useAsync((signal) => get<{ asOf: string | null; freshness: Record<string, { lastSuccess: { at: string } | null }> }>('/workspace', undefined, signal), [reloadKey]);
  const afterRun = (runId: number | undefined) => {
    setReloadKey((k) => k + 1);
    if (runId !== undefined && view === 'segments') navigate(href('value', { run: runId }));
  };
  return (
    <>
      <h1 tabIndex={-1}>Value</h1>
      <nav aria-label="Value views" class="subnav">
        <a href={href('value')} aria-current={view === 'segments' ? 'page' : undefined}>Segments</a>
        <a href={href('value', 'migration')} aria-current={view === 'migration' ? 'page' : undefined}>Migration</a>
      </nav>
      <Async state={runs} what="Loading the RFM runs">
        {(items) => {
          // stale: no run reaches the data's default as-of date, or data were imported after the last run
          const latest = [...items].sort((a, b) => (a.asOf ?? '').localeCompare(b.asOf ?? '') || a.runId - b.runId).at(-1);
          const lastMade = items.reduce((m, r) => (r.createdAt > m ? r.createdAt : m), '');
          const importedAt = ws.data?.freshness.import?.lastSuccess?.at;
          const stale = latest && ws.data && ((ws.data.asOf && latest.asOf && ws.data.asOf > latest.asOf) || (importedAt && importedAt > lastMade));
          return (
            <Section title={items.length === 0 ? 'No RFM run yet' : 'RFM runs'} id="rfm-runs">
              {items.length === 0 && <p class="empty-state">No RFM run yet — Run RFM to score every customer on recency, frequency and monetary value.</p>}
              {stale && <p class="empty-state">Newer data than the RFM runs (latest as-of date: {runLabel(latest)}{ws.data?.asOf ? `; the data run to ${ws.data.asOf}` : ''}) — Run RFM again.</p>}
              <RunValueButton kind="rfm" onDone={afterRun} />
            </Section>
          );
        }}
      </Async>
      {view === 'migration' ? <MigrationView reloadKey={reloadKey} /> : runs.data && <SegmentsView runs={runs.data} route={route} reloadKey={reloadKey} />}
    </>
  );
}

/** The RFM run the address names (?run=), else the latest; undefined without runs. */
function chosenRun(runs: RunListing[], route: Route): number | undefined {
  const asked = Number(route.query.get('run'));
  return runs.some((r) => r.runId === asked) ? asked : runs.at(-1)?.runId;
}

/** The RFM segments of the chosen run, the latest LRFMP segments, and the customers of the segment opened. */
function SegmentsView({ runs, route, reloadKey }: { runs: RunListing[]; route: Route; reloadKey: number }) {
  const runId = chosenRun(runs, route);
  const segment = route.query.get('segment');
  const segmentRun = Number(route.query.get('segmentRun')) || runId;
  return (
    <>
      {runId !== undefined && <Segments runs={runs} runId={runId} route={route} />}
      <Lrfmp route={route} reloadKey={reloadKey} />
      {segment && segmentRun !== undefined && <SegmentCustomers runId={segmentRun} segment={segment} onClose={() => navigate(href('value', runId !== undefined ? { run: runId } : {}))} />}
    </>
  );
}

function Segments({ runs, runId, route }: { runs: RunListing[]; runId: number; route: Route }) {
  const stats = useAsync((signal) => valueStats(runId, signal), [runId]);
  const choose = (id: number) => navigate(href('value', { run: id }));
  return (
    <>
      <div class="form-row run-picker">
        <div>
          <label for="rfm-run">RFM run</label>
          <select id="rfm-run" value={String(runId)} onChange={(e) => choose(Number((e.target as HTMLSelectElement).value))}>
            {[...runs].reverse().map((r) => <option key={r.runId} value={String(r.runId)}>{runLabel(r)} — {r.summary}{r === runs.at(-1) ? ' (latest)' : ''}</option>)}
          </select>
        </div>
      </div>
      <Async state={stats} what="Counting the segments">
        {(s) => (
          <>
            <div class="grid2">
              <Section title="RFM grid" id="rfm-grid"><ValueGrid stats={s} /></Section>
              <Section title="Segment sizes" id="treemap"><SegmentTreemap stats={s} /></Section>
            </div>
            <Section title="Segments" id="segments">
              <SegmentTable stats={s} route={route} caption={`RFM segments of ${runLabel(s)}: ${s.customers.toLocaleString('en-US')} customers scored in ${s.bins} bins per score`} />
            </Section>
          </>
        )}
      </Async>
    </>
  );
}

function Lrfmp({ route, reloadKey: outer }: { route: Route; reloadKey: number }) {
  const [reloadKey, setReloadKey] = useState(0);
  const stats = useAsync(async (signal) => {
    const runs = await runsOf('lrfmp', signal);
    return runs.length ? valueStats(runs.at(-1)!.runId, signal) : null;
  }, [reloadKey, outer]);
  return (
    <Section title="LRFMP segments" id="lrfmp">
      <Async state={stats} what="Loading the LRFMP segments">
        {(s) => (s === null
          ? <><p class="empty-state">No LRFMP run yet — Run LRFMP to add length of relationship and regularity to the scores.</p><RunValueButton kind="lrfmp" onDone={() => setReloadKey((k) => k + 1)} /></>
          : <SegmentTable stats={s} route={route} caption={`LRFMP segments of ${runLabel(s)} (the latest LRFMP run)`} />)}
      </Async>
    </Section>
  );
}
