// Webhook subscriptions (admin): who is told when customers enter or leave an audience. The list, a form to
// subscribe a URL (the signing secret is shown once, right after), and delete. A token without the admin
// role is told so in words instead of an empty list.
import { useState } from 'preact/hooks';
import { ApiError, get, send } from '../api.ts';
import { ErrorBox, Loading, useAsync } from './async.tsx';
import type { AudienceDef, Webhook } from './audience-types.ts';
import { RoleHint, useAllowed } from '../session.ts';

/** Loaded when asked for: only admins may read them, and a weaker token's refusal is not shown to everyone. */
export function Webhooks({ audiences }: { audiences: AudienceDef[] }) {
  const [open, setOpen] = useState(false);
  const can = useAllowed('admin');
  if (!open) {
    return (
      <p>
        Tell another system who enters and leaves an audience at each snapshot (needs an admin token).{' '}
        <button type="button" class="secondary" aria-expanded="false" onClick={() => setOpen(true)} disabled={!can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : 'webhooks-role'}>Show the webhook subscriptions</button>
        {' '}<RoleHint need="admin" id="webhooks-role" />
      </p>
    );
  }
  return <WebhookList audiences={audiences} />;
}

function WebhookList({ audiences }: { audiences: AudienceDef[] }) {
  const list = useAsync((signal) => get<{ items: Webhook[] }>('/webhooks', undefined, signal).then((r) => r.items), []);
  const [created, setCreated] = useState<Webhook>();
  if (list.error instanceof ApiError && list.error.status === 403) {
    return <p class="empty-state" role="note">Webhooks need an <strong>admin</strong> token; the token you signed in with has a weaker role, so subscriptions cannot be listed or changed here. Ask an admin, or sign in with one made by <code>segmint token create --role admin --name NAME</code>.</p>;
  }
  if (list.error) return <ErrorBox error={list.error} title="Could not list the webhooks" />;
  if (!list.data) return <Loading what="Loading the webhooks" />;
  return (
    <>
      {created?.secret && (
        <div class="secret" role="status">
          <strong>Subscribed {created.url} to {created.audience}.</strong> Its signing secret is shown this once — copy it now:
          <code>{created.secret}</code>
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>I have copied it</button>
        </div>
      )}
      {list.data.length === 0 ? <p>No webhook yet: subscribe a URL below to be told who enters and leaves an audience at each snapshot.</p> : (
        <div class="table-wrap">
          <table>
            <caption>Webhook subscriptions</caption>
            <thead><tr><th scope="col">Audience</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.map((w) => (
                <tr key={w.id}>
                  <td>{w.audience}</td>
                  <td class="raw">{w.url}</td>
                  <td>{w.events.join(', ')}</td>
                  <td>{w.status === 'failed' ? <span class="bad" title={w.failure?.reason}>failed{w.failure ? `: ${w.failure.reason}` : ''}</span> : 'active'}</td>
                  <td class="nowrap">{w.createdAt.slice(0, 16).replace('T', ' ')}</td>
                  <td><DeleteWebhook hook={w} onDone={list.reload} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewWebhook audiences={audiences} onCreated={(w) => { setCreated(w); list.reload(); }} />
    </>
  );
}

function DeleteWebhook({ hook, onDone }: { hook: Webhook; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const del = async () => {
    setError(undefined);
    try {
      await send('DELETE', `/webhooks/${encodeURIComponent(hook.id)}`);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <button type="button" class="secondary" onClick={del} aria-label={`Delete the webhook to ${hook.url} for ${hook.audience}`}>Delete</button>
      {error !== undefined && <ErrorBox error={error} title="Not deleted" />}
    </>
  );
}

function NewWebhook({ audiences, onCreated }: { audiences: AudienceDef[]; onCreated: (w: Webhook) => void }) {
  const [audience, setAudience] = useState(audiences[0]?.name ?? '');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['entered', 'exited']);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const w = await send<Webhook>('POST', '/webhooks', { audience, url: url.trim(), events });
      setUrl('');
      onCreated(w);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (ev: string, on: boolean) => setEvents((xs) => (on ? [...new Set([...xs, ev])] : xs.filter((x) => x !== ev)));
  return (
    <form class="form-row webhook-form" onSubmit={submit} aria-label="Subscribe a URL">
      <div>
        <label for="wh-audience">Audience</label>
        <select id="wh-audience" value={audience} onChange={(e) => setAudience((e.target as HTMLSelectElement).value)}>
          {audiences.map((a) => <option key={a.name} value={a.name}>{a.name}</option>)}
        </select>
      </div>
      <div>
        <label for="wh-url">URL to call</label>
        <input id="wh-url" type="url" required placeholder="https://example.com/hooks/segmint" size={36} value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
      </div>
      <fieldset class="inline-set">
        <legend>Events</legend>
        {['entered', 'exited'].map((ev) => (
          <label class="inline" key={ev}><input type="checkbox" checked={events.includes(ev)} onChange={(e) => toggle(ev, (e.target as HTMLInputElement).checked)} /> {ev}</label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy || !audience || events.length === 0}>{busy ? 'Subscribing…' : 'Subscribe'}</button>
      {error !== undefined && <ErrorBox error={error} title="Not subscribed" />}
    </form>
  );
}
