// "Import a file": the file goes to the server as the body of POST /sources (admin), imported there as a job;
// then the import's reconciliation — every line read is either loaded, quarantined (by reason) or was
// already present — in words and as a table.
import { useRef, useState } from 'preact/hooks';
import { ApiError, getToken, qs, type Query } from '../api.ts';
import { useJob, JobStatus, type JobRef } from './job.tsx';
import { fmt } from './chart.tsx';
import type { ImportResultDoc } from './overview-types.ts';

const KINDS = ['transactions', 'customers', 'events', 'products', 'places'] as const;
const FORMATS: Record<string, string> = { csv: 'csv', txt: 'csv', tsv: 'tsv', tab: 'tsv', parquet: 'parquet', json: 'json', ndjson: 'ndjson', jsonl: 'ndjson', xlsx: 'xlsx' };
const ZONE = /^[A-Za-z0-9_+/-]{1,64}$/;

const formatOf = (name: string): string | undefined => FORMATS[name.toLowerCase().split('.').at(-1) ?? ''];
/**
 * POST /sources with the file as the body, through XMLHttpRequest for its upload progress (fetch has none):
 * a large export shows how much has gone; the server's error is an ApiError as everywhere.
 */
function uploadWithProgress<T>(file: File, query: Query, onProgress: (sent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/sources${qs(query)}`);
    const token = getToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new ApiError(0, 'network-error', 'the upload did not reach the server', 'check the connection and that segmint serve is running, then import again'));
    xhr.onload = () => {
      let body: { code?: string; message?: string; hint?: string } & Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ApiError(xhr.status, body.code ?? `http-${xhr.status}`, body.message ?? xhr.statusText, body.hint));
    };
    xhr.send(file);
  });
}

const size = (bytes: number) => (bytes >= 1024 ** 2 ? `${fmt(Math.round(bytes / 1024 ** 2 * 10) / 10)} MB` : `${fmt(Math.ceil(bytes / 1024))} kB`);

export function ImportForm({ onImported, denied }: { onImported: () => void; denied?: string }) {
  // onImported: called when the import job ends, succeeded or failed
  const fileRef = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<string>('transactions');
  const [zone, setZone] = useState('');
  const [problem, setProblem] = useState<string>();
  const [sending, setSending] = useState<{ name: string; bytes: number; sent: number }>();
  const { job, error, running, start } = useJob();

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    const file = fileRef.current?.files?.[0];
    if (!file) return setProblem('Choose a file to import.');
    const format = formatOf(file.name);
    if (!format) return setProblem(`“${file.name}”: Segmint reads .csv, .tsv, .parquet, .json, .ndjson and .xlsx files — rename the file with the extension of its format.`);
    const tz = zone.trim();
    if (tz && !ZONE.test(tz)) return setProblem(`“${tz}” is not a time zone name: use an IANA name such as Europe/London or America/New_York, or leave it empty.`);
    setSending({ name: file.name, bytes: file.size, sent: 0 });
    const done = await start(async () => {
      const ref = await uploadWithProgress<JobRef>(file, { kind, format, name: file.name.slice(0, 200), timezone: tz || undefined }, (sent) => setSending({ name: file.name, bytes: file.size, sent }));
      setSending(undefined);
      return ref;
    });
    setSending(undefined);
    // a failed import changes the freshness (its last failure) too
    if (done) onImported();
  };

  return (
    <>
      <form class="import-form" onSubmit={submit} aria-describedby="import-help">
        <p id="import-help" class="hint">The file is uploaded to the server and checked line by line: rows that cannot be used (no customer id, a duplicate, a bad date …) are quarantined with their reason, the rest is loaded. Needs an admin token.</p>
        <div class="form-row">
          <div>
            <label for="import-file">File</label>
            <input id="import-file" type="file" ref={fileRef} accept=".csv,.txt,.tsv,.tab,.parquet,.json,.ndjson,.jsonl,.xlsx" required />
          </div>
          <div>
            <label for="import-kind">Kind of data</label>
            <select id="import-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
              {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </div>
          <div>
            <label for="import-zone">Time zone (optional)</label>
            <input id="import-zone" type="text" value={zone} placeholder="e.g. Europe/London" aria-describedby="import-zone-help" onInput={(e) => setZone((e.target as HTMLInputElement).value)} />
            <p id="import-zone-help" class="hint">The zone of the file's clock times; empty: the workspace's.</p>
          </div>
        </div>
        {problem && <p class="error" role="alert">{problem}</p>}
        {denied && <p class="hint" id="import-denied">Importing a file {denied}.</p>}
        <button type="submit" disabled={running || !!denied} aria-describedby={denied ? 'import-denied' : undefined}>{running ? 'Importing…' : 'Import'}</button>
      </form>
      {sending && (
        <div role="status" class="progress">
          <progress max={sending.bytes || 1} value={sending.sent} aria-label="upload progress" />
          <span class="sr-only">Uploading {sending.name}…</span>
          <span aria-hidden="true">Uploading {sending.name}: {size(sending.sent)} of {size(sending.bytes)}…</span>
        </div>
      )}
      <JobStatus job={job} running={running && !sending} error={error}>
        {(j) => (j.status === 'succeeded' && j.result ? <Reconciliation result={j.result as ImportResultDoc} /> : null)}
      </JobStatus>
    </>
  );
}

/** read = loaded + quarantined (+ already present), with the quarantined rows by reason. */
export function Reconciliation({ result }: { result: ImportResultDoc }) {
  const r = result.rows;
  const reasons = Object.entries(result.quarantineByReason ?? {}).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const adds = r.loaded + r.quarantined + r.alreadyPresent === r.read;
  if (result.alreadyImported) return <p class="good">This file was imported before{result.sourceId ? ` (source #${result.sourceId})` : ''}: nothing changed.</p>;
  return (
    <div class="reconciliation">
      <p class="good" id="reconciliation-words">
        Imported {result.name ?? 'the file'} as {result.kind}{result.sourceId ? ` (source #${result.sourceId})` : ''}: read <strong>{fmt(r.read)}</strong> rows ={' '}
        <strong>{fmt(r.loaded)}</strong> loaded + <strong>{fmt(r.quarantined)}</strong> quarantined
        {r.alreadyPresent > 0 && <> + <strong>{fmt(r.alreadyPresent)}</strong> already present from an earlier import</>}
        {reasons.length > 0 && <> ({reasons.map(([k, v]) => `${fmt(v)} ${k}`).join(', ')})</>}.
        {result.customers && result.customers.added > 0 && <> {fmt(result.customers.added)} new customers ({fmt(result.customers.after)} in all).</>}
      </p>
      {!adds && <p class="error" role="alert">The counts do not add up: {fmt(r.read)} read ≠ {fmt(r.loaded + r.quarantined + r.alreadyPresent)} accounted for.</p>}
      <table class="narrow">
        <caption>Reconciliation of the import</caption>
        <thead><tr><th scope="col">Rows</th><th scope="col" class="num">Count</th></tr></thead>
        <tbody>
          <tr><th scope="row">Read</th><td class="num">{fmt(r.read)}</td></tr>
          <tr><th scope="row">Loaded</th><td class="num">{fmt(r.loaded)}</td></tr>
          <tr><th scope="row">Quarantined</th><td class="num">{fmt(r.quarantined)}</td></tr>
          {reasons.map(([k, v]) => <tr key={k}><th scope="row" class="sub">Quarantined: {k}</th><td class="num">{fmt(v)}</td></tr>)}
          <tr><th scope="row">Already present</th><td class="num">{fmt(r.alreadyPresent)}</td></tr>
        </tbody>
      </table>
      {(result.warnings ?? []).length > 0 && <ul class="warn">{result.warnings!.map((w) => <li key={w}>{w}</li>)}</ul>}
    </div>
  );
}
