// Why a customer is in or out of an audience: the saved rule's conditions as a tree, each with whether it
// holds for that customer and the value observed (GET /audiences/{name}/explain/{customer}).
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { ErrorBox, Loading } from './async.tsx';
import { fmt } from './chart.tsx';
import type { ExplainNode } from './audience-types.ts';

export function Explain({ name }: { name: string }) {
  const [id, setId] = useState('');
  const [state, setState] = useState<{ id: string; tree?: ExplainNode; error?: unknown }>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const cid = id.trim();
    if (!cid) return;
    setState({ id: cid });
    try {
      setState({ id: cid, tree: await get<ExplainNode>(`/audiences/${encodeURIComponent(name)}/explain/${encodeURIComponent(cid)}`) });
    } catch (err) {
      setState({ id: cid, error: err });
    }
  };
  return (
    <>
      <form class="form-row" onSubmit={submit}>
        <div>
          <label for="explain-id">Customer id</label>
          <input id="explain-id" type="text" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} autoComplete="off" />
        </div>
        <button type="submit">Explain</button>
      </form>
      {state && (state.error ? <ErrorBox error={state.error} title={`Cannot explain customer ${state.id}`} /> : !state.tree ? <Loading what="Evaluating the conditions" /> : (
        <div class="explain" aria-live="polite">
          <p class="verdict"><strong>Customer {state.id} is {state.tree.holds ? 'in' : 'not in'} the audience</strong> ({state.tree.holds ? 'every condition that must hold does' : 'a condition that must hold does not'}).</p>
          <ul class="tree"><ExplainItem n={state.tree} /></ul>
        </div>
      ))}
    </>
  );
}

function ExplainItem({ n }: { n: ExplainNode }) {
  const seen = n.observed !== undefined || n.threshold !== undefined;
  return (
    <li>
      <span class={n.holds ? 'good' : 'bad'}>{n.holds ? '✓ true' : '✗ false'}</span>{' '}
      <code>{n.condition}</code>
      {seen && <span class="hint"> — observed {fmt(n.observed)}{n.threshold !== undefined ? `, threshold ${fmt(n.threshold)}` : ''}</span>}
      {n.items && n.items.length > 0 && <ul>{n.items.map((k, i) => <ExplainItem key={i} n={k} />)}</ul>}
    </li>
  );
}
