// One audience (#/audiences/<name>, or #/audiences/new): its rule as text (problems checked as you type,
// completion) or as blocks (the visual builder; both ways through the server's parser and formatter), the
// live count, why a customer is in or out, save and delete.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, send } from '../api.ts';
import { ErrorBox, Loading, useAsync } from '../components/async.tsx';
import { fmt, Section } from '../components/chart.tsx';
import { RuleTextEditor } from '../components/audience-text-editor.tsx';
import { Builder, type BuilderVocabulary } from '../components/builder.tsx';
import { Explain } from '../components/audience-explain.tsx';
import { Snapshots } from '../components/audience-snapshots.tsx';
import { pct, type AudienceCount, type AudienceDef, type Block, type Diagnostic, type Group, type Validation, type Vocabulary } from '../components/audience-types.ts';
import { href, navigate, type Route } from '../router.ts';
import { RoleHint, useAllowed } from '../session.ts';

const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** `value`, once it has stayed the same for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function AudienceEditorPage({ name }: { name: string; route: Route }) {
  const isNew = name === 'new';
  const def = useAsync((signal) => (isNew ? Promise.resolve(null) : get<AudienceDef>(`/audiences/${encodeURIComponent(name)}`, undefined, signal)), [name]);
  return (
    <>
      <h1 tabIndex={-1}>{isNew ? 'New audience' : `Audience ${name}`}</h1>
      <p><a href={href('audiences')}>← All audiences</a></p>
      {def.error ? <ErrorBox error={def.error} title={`Cannot open audience ${name}`} /> : def.data === undefined || (isNew ? def.data !== null : def.data?.name !== name) ? <Loading what="Loading the audience" /> : (
        <Editor key={name} saved={def.data} onSaved={def.reload} />
      )}
    </>
  );
}

function useVocabulary(): BuilderVocabulary {
  const v = useAsync(async (signal) => {
    const [fields, audiences, events] = await Promise.all((['fields', 'audiences', 'events'] as const).map((kind) => get<Vocabulary>('/audience-vocabulary', { kind, limit: 100 }, signal)));
    return { fields: fields!.items, audiences: audiences!.items.map((i) => i.value), events: events!.items.map((i) => i.value) };
  }, []);
  return v.data ?? { fields: [], audiences: [], events: [] };
}

/** The blocks the server is sent: a group of one condition is that condition. */
const simplified = (g: Group): Block | undefined => (g.items.length === 0 ? undefined : g.items.length === 1 && g.op === 'all' ? g.items[0] : g);

function Editor({ saved, onSaved }: { saved: AudienceDef | null; onSaved: () => void }) {
  const [name, setName] = useState(saved?.name ?? '');
  const [description, setDescription] = useState(saved?.description ?? '');
  const [text, setText] = useState(saved?.where ?? '');
  const [mode, setMode] = useState<'text' | 'builder'>('text');
  const [root, setRoot] = useState<Group>({ kind: 'group', op: 'all', items: [] });
  const [modeNote, setModeNote] = useState<string>();
  const [builderNote, setBuilderNote] = useState<string>();
  const vocab = useVocabulary();

  // the problems, checked a moment after the last change
  const checked = useDebounced(text, 300);
  // each answer remembers the text it is for: the previous text's answer is kept while the next one loads
  const validation = useAsync((signal) => (checked.trim() === '' ? Promise.resolve(undefined) : send<Validation>('POST', '/audiences/validate', { where: checked, ...(saved ? { name: saved.name } : {}) }).then((v) => (signal.aborted ? undefined : { ...v, for: checked }))), [checked]);
  const v = validation.data?.for === checked ? validation.data : undefined;
  const diagnostics: Diagnostic[] = checked === text && v ? v.diagnostics : [];
  const status = text.trim() === '' ? 'Write a rule, or build one with blocks.' : checked !== text || validation.loading || (!v && !validation.error) ? 'Checking…' : validation.error ? 'Could not check the rule.' : v?.valid ? 'No problems.' : `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} — select one to go there.`;

  // the count: the saved audience's own when the text is the saved one, else the text as it stands
  const valid = v?.valid === true && checked === text;
  const count = useAsync<AudienceCount | undefined>((signal) => {
    if (!valid) return Promise.resolve(undefined);
    if (saved && checked === saved.where) return get<AudienceCount>(`/audiences/${encodeURIComponent(saved.name)}/count`, undefined, signal);
    return send<AudienceCount>('POST', '/audiences/count', { where: checked, ...(saved ? { name: saved.name } : {}) });
  }, [valid, checked, saved?.where]);

  // builder → text through the server's formatter
  const sent = useDebounced(root, 250);
  // the blocks read from the text: their text is that text already
  const fromText = useRef<Group>();
  useEffect(() => {
    if (mode !== 'builder' || sent !== root || sent === fromText.current) return;
    const b = simplified(sent);
    if (!b) {
      setText('');
      setBuilderNote(undefined);
      return;
    }
    let live = true;
    send<{ where: string }>('POST', '/audiences/format', { blocks: b, ...(saved ? { name: saved.name } : {}) }).then(
      (r) => { if (live) { setText(r.where); setBuilderNote(undefined); } },
      (e: unknown) => { if (live) setBuilderNote(e instanceof ApiError && e.code === 'invalid-blocks' ? `Not finished yet: ${e.message.replace(/^blocks[.\w[\]]*: /, '')}.` : e instanceof Error ? e.message : String(e)); },
    );
    return () => { live = false; };
  }, [sent, root, mode]);

  // text → blocks through the server's parser
  const toBuilder = async () => {
    setModeNote(undefined);
    if (text.trim() === '') {
      const empty: Group = { kind: 'group', op: 'all', items: [] };
      fromText.current = empty;
      setRoot(empty);
      setMode('builder');
      return;
    }
    try {
      const r = await send<{ blocks?: Block; reason?: string; diagnostics: Diagnostic[] }>('POST', '/audiences/parse', { where: text });
      if (r.blocks) {
        const g: Group = r.blocks.kind === 'group' ? r.blocks : { kind: 'group', op: 'all', items: [r.blocks] };
        fromText.current = g;
        setRoot(g);
        setMode('builder');
      } else setModeNote(r.reason ? `This rule cannot be shown as blocks — ${r.reason}. It stays in text mode.` : 'The rule has problems: fix them in the text first; it stays in text mode.');
    } catch (e) {
      setModeNote(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <>
      <Section title="Definition" id="definition">
        <div class="form-row top">
          {!saved && (
            <div>
              <label for="aud-name">Name</label>
              <input id="aud-name" type="text" value={name} required aria-describedby="aud-name-help" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              <p class="hint" id="aud-name-help">Letters, digits, - and _; starts with a letter.</p>
            </div>
          )}
          <div class="grow">
            <label for="aud-desc">Description</label>
            <input id="aud-desc" type="text" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </div>
        </div>
        <div class="mode" role="group" aria-label="Edit the rule as">
          <button type="button" class={mode === 'text' ? undefined : 'secondary'} aria-pressed={mode === 'text'} onClick={() => { setMode('text'); setModeNote(undefined); }}>Text</button>
          <button type="button" class={mode === 'builder' ? undefined : 'secondary'} aria-pressed={mode === 'builder'} onClick={toBuilder}>Builder</button>
        </div>
        {modeNote && <p class="empty-state" role="alert">{modeNote}</p>}
        {mode === 'text' ? <RuleTextEditor value={text} onChange={setText} diagnostics={diagnostics} status={status} /> : (
          <>
            <Builder root={root} onChange={setRoot} vocab={vocab} />
            <div class="produced">
              <h3 id="produced-h">Rule text</h3>
              <pre aria-labelledby="produced-h" aria-live="polite" id="produced-text"><code>{text || '–'}</code></pre>
              {builderNote && <p class="hint" role="status">{builderNote}</p>}
              <p class={diagnostics.length ? 'bad' : 'hint'} role="status">{status}</p>
              {diagnostics.length > 0 && <ul class="diagnostics" aria-label="Problems in the rule">{diagnostics.map((d, i) => <li key={i}>{d.message}{d.hint && <span class="hint"> — {d.hint}</span>}</li>)}</ul>}
            </div>
          </>
        )}
        {v?.valid && checked === text && v.warnings.length > 0 && <ul class="warnings">{v.warnings.map((w, i) => <li key={i} class="warn">{w}</li>)}</ul>}
        <LiveCount state={count} valid={valid} />
        <SaveBar saved={saved} name={name} description={description} text={text} valid={valid} onSaved={onSaved} />
      </Section>
      {saved && (
        <Section title="Snapshots" id="snapshots">
          <Snapshots name={saved.name} changed={saved.where !== text} />
        </Section>
      )}
      {saved && (
        <Section title="Why is a customer in or out?" id="explain">
          {saved.where !== text && <p class="hint">This explains the saved rule; save your changes to explain them.</p>}
          <Explain name={saved.name} />
        </Section>
      )}
    </>
  );
}

function LiveCount({ state, valid }: { state: { data?: AudienceCount; error: unknown; loading: boolean }; valid: boolean }) {
  return (
    <div class="live-count" id="live-count" aria-live="polite">
      {!valid ? <p class="hint">The count shows once the rule has no problems.</p> : state.error ? <ErrorBox error={state.error} title="Could not count" /> : !state.data || state.loading ? <p class="loading">Counting…</p> : (
        <p><strong class="count-value">{fmt(state.data.customers)}</strong> customers ({pct(state.data.share)} of all) as of {state.data.asOf}</p>
      )}
    </div>
  );
}

function SaveBar({ saved, name, description, text, valid, onSaved }: { saved: AudienceDef | null; name: string; description: string; text: string; valid: boolean; onSaved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const can = useAllowed('analyst');
  const target = saved?.name ?? name.trim();
  const nameOk = NAME_RE.test(target);
  const changed = !saved || saved.where !== text || (saved.description ?? '') !== description;
  const weak = (e: unknown, what: string) => (e instanceof ApiError && e.status === 403 ? new ApiError(403, e.code, `${what} needs an analyst or admin token; the token you signed in with is a viewer's.`, e.hint) : e);
  const save = async () => {
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    try {
      await send('PUT', `/audiences/${encodeURIComponent(target)}`, { where: text, ...(description ? { description } : {}) });
      if (!saved) navigate(href('audiences', target));
      else {
        setNote('Saved.');
        onSaved();
      }
    } catch (e) {
      setError(weak(e, 'Saving'));
    } finally {
      setBusy(false);
    }
  };
  const del = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await send('DELETE', `/audiences/${encodeURIComponent(target)}`);
      navigate(href('audiences'));
    } catch (e) {
      setError(weak(e, 'Deleting'));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="save-bar">
      <button type="button" onClick={save} disabled={busy || !valid || !nameOk || !changed || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : 'save-role'}>{busy ? 'Saving…' : saved ? 'Save changes' : 'Save'}</button>
      {!nameOk && !saved && can.allowed && <span class="hint"> Give the audience a name to save it.</span>}
      <RoleHint need="analyst" id="save-role">saving or deleting needs the analyst role</RoleHint>
      {saved && !confirming && <button type="button" class="secondary" onClick={() => setConfirming(true)} disabled={busy || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : 'save-role'}>Delete…</button>}
      {saved && confirming && (
        <span role="group" aria-label="Confirm the deletion">
          Delete {saved.name}? Its snapshots stay. <button type="button" onClick={del} disabled={busy}>Yes, delete</button> <button type="button" class="secondary" onClick={() => setConfirming(false)}>Cancel</button>
        </span>
      )}
      {note && <span role="status" class="good"> {note}</span>}
      {error !== undefined && <ErrorBox error={error} title="Not done" />}
    </div>
  );
}
