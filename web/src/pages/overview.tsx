// Overview: what the workspace holds and how fresh each result is; revenue and orders per month; the
// quarantine; a refresh; importing a file with its reconciliation; the first RFM and clustering runs.
import { useCallback, useState } from 'preact/hooks';
import '../components/overview-styles.css';
import { get } from '../api.ts';
import { Async, useAsync } from '../components/async.tsx';
import { fmt, Section } from '../components/chart.tsx';
import { FreshnessTable, RefreshButton } from '../components/overview-freshness.tsx';
import { ImportForm } from '../components/overview-import.tsx';
import { MonthlyRevenue } from '../components/overview-monthly.tsx';
import { QuarantineSummary } from '../components/overview-quarantine.tsx';
import type { WorkspaceDoc } from '../components/overview-types.ts';

export type { WorkspaceDoc };

interface RefreshDoc { lastSuccess?: { at: string } }
type Role = 'viewer' | 'analyst' | 'admin';
interface Me { name: string; role: Role }
const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };


const COUNTS = ['customers', 'transactions', 'events', 'products', 'sources', 'quarantined', 'runs'] as const;

export function OverviewPage() {
  // bumped when a job ends: every part reads the workspace again
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);
  // the token's role: what it cannot do is shown greyed out with the role it needs
  const me = useAsync((signal) => get<Me>('/me', undefined, signal).catch(() => undefined), []);
  const role = me.data?.role;
  const can = (need: Role) => role === undefined || RANK[role] >= RANK[need];
  const ws = useAsync(async (signal) => {
    const [w, r] = await Promise.all([get<WorkspaceDoc>('/workspace', undefined, signal), get<RefreshDoc>('/refresh', undefined, signal)]);
    // a refresh is no stored run: its last success comes from the refresh record
    const f = w.freshness.refresh;
    if (r.lastSuccess && f && !f.lastSuccess) f.lastSuccess = { at: r.lastSuccess.at };
    return w;
  }, [version]);
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <Async state={ws} what="Loading the workspace">
        {(w) => {
          const empty = (w.counts.transactions ?? 0) === 0 && (w.counts.customers ?? 0) === 0;
          return (
            <>
              {empty && <p class="empty-state" role="note">This workspace is empty — <button type="button" class="link" onClick={() => document.getElementById('import-file')?.focus()}>import a file</button> to start: transactions (orders), then run RFM and clustering.</p>}
              <Section title="The workspace" id="counts">
                <dl class="stats">
                  {COUNTS.map((k) => (
                    <div key={k}><dt>{k}</dt><dd>{fmt(w.counts[k] ?? 0)}</dd></div>
                  ))}
                  <div><dt>audiences</dt><dd>{fmt(w.audiences)}</dd></div>
                  <div><dt>as of</dt><dd>{w.asOf ?? '–'}</dd></div>
                  <div><dt>engine</dt><dd>{w.engine}</dd></div>
                </dl>
              </Section>
              <Section title="Freshness" id="freshness">
                <FreshnessTable freshness={w.freshness} hasData={(w.counts.transactions ?? 0) > 0} onChanged={changed} denied={can('analyst') ? undefined : denied(me.data, 'analyst')} />
                <RefreshButton onChanged={changed} denied={can('analyst') ? undefined : denied(me.data, 'analyst')} />
              </Section>
              {!empty && (
                <Section title="Revenue and orders per month" id="monthly">
                  <MonthlyRevenue version={version} />
                </Section>
              )}
              {(w.counts.quarantined ?? 0) > 0 && (
                <Section title="Quarantine" id="quarantine">
                  <QuarantineSummary version={version} />
                </Section>
              )}
            </>
          );
        }}
      </Async>
      <Section title="Import a file" id="import">
        <ImportForm onImported={changed} denied={can('admin') ? undefined : denied(me.data, 'admin')} />
      </Section>
    </>
  );
}

const denied = (me: Me | undefined, need: Role): string => `needs an ${need} token: you are signed in as ${me?.name ?? 'someone'} (${me?.role ?? 'unknown role'})`;
