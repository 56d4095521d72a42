// The visual builder: a rule as blocks — and/or groups of conditions on a field (field, operator, value),
// `has (no) orders in last N days`, counts and sums of orders, first/last order dates, membership of
// another audience. The page turns the blocks into text through the server's formatter (POST
// /audiences/format) and text into blocks through its parser (POST /audiences/parse).
import { useEffect, useState } from 'preact/hooks';
import {
  AGGS, CMP_OPS, DATE_OPS, FIELD_OPS, SOURCES, UNITS, type Block, type BlockDuration, type BlockSource, type BlockValue, type FieldOp, type Group, type VocabItem,
} from './audience-types.ts';

export interface BuilderVocabulary {
  fields: VocabItem[];
  audiences: string[];
  events: string[];
}

type Change = (b: Block) => void;

export function Builder({ root, onChange, vocab }: { root: Group; onChange: (g: Group) => void; vocab: BuilderVocabulary }) {
  return (
    <div class="builder">
      <datalist id="builder-fields">{vocab.fields.filter((f) => f.scope !== 'transactions').map((f) => <option key={f.value} value={f.value}>{f.detail}</option>)}</datalist>
      <datalist id="builder-row-fields">{vocab.fields.filter((f) => f.scope === 'transactions' && f.type === 'number').map((f) => <option key={f.value} value={f.value} />)}</datalist>
      <datalist id="builder-events">{vocab.events.map((e) => <option key={e} value={e} />)}</datalist>
      <GroupBlock g={root} path="r" label="Customers who match" onChange={(b) => onChange(b as Group)} vocab={vocab} />
    </div>
  );
}

const NEW: Record<string, () => Block> = {
  field: () => ({ kind: 'field', field: '', op: '=', values: [{ type: 'string', value: '' }] }),
  has: () => ({ kind: 'has', negate: false, source: { kind: 'orders' } }),
  measure: () => ({ kind: 'measure', agg: 'count', source: { kind: 'orders' }, op: '>=', value: { type: 'number', value: 1 } }),
  ref: () => ({ kind: 'ref', negate: false, name: '' }),
  group: () => ({ kind: 'group', op: 'any', items: [] }),
};
const ADD: [keyof typeof NEW, string][] = [['field', 'Add a field condition'], ['has', 'Add an orders condition'], ['measure', 'Add a count condition'], ['ref', 'Add an audience condition'], ['group', 'Add a group']];

function GroupBlock({ g, path, label, onChange, onRemove, vocab }: { g: Group; path: string; label: string; onChange: Change; onRemove?: () => void; vocab: BuilderVocabulary }) {
  const set = (i: number, b: Block) => onChange({ ...g, items: g.items.map((x, j) => (j === i ? b : x)) });
  const remove = (i: number) => onChange({ ...g, items: g.items.filter((_, j) => j !== i) });
  return (
    <fieldset class="block group">
      <legend>{label}</legend>
      <Select id={`${path}-op`} label="Match" value={g.op} options={[['all', 'all of these'], ['any', 'any of these']]} onChange={(v) => onChange({ ...g, op: v as 'all' | 'any' })} />
      {g.items.length === 0 && <p class="hint">No condition yet: add one below.</p>}
      <ol class="blocks">
        {g.items.map((b, i) => (
          <li key={i}>
            <AnyBlock b={b} path={`${path}-${i}`} label={`${label === 'Customers who match' ? 'Condition' : `${label}, condition`} ${i + 1}`} onChange={(x) => set(i, x)} onRemove={() => remove(i)} vocab={vocab} />
          </li>
        ))}
      </ol>
      <div class="add-row">
        {ADD.map(([k, text]) => <button key={k} type="button" class="secondary" onClick={() => onChange({ ...g, items: [...g.items, NEW[k]!()] })} aria-label={`${text} to ${label.toLowerCase()}`}>{text}</button>)}
        {onRemove && <button type="button" class="link" onClick={onRemove}>Remove {label.toLowerCase()}</button>}
      </div>
    </fieldset>
  );
}

function AnyBlock({ b, path, label, onChange, onRemove, vocab }: { b: Block; path: string; label: string; onChange: Change; onRemove: () => void; vocab: BuilderVocabulary }) {
  if (b.kind === 'group') return <GroupBlock g={b} path={path} label={label.replace(/condition (\d+)$/, 'group $1')} onChange={onChange} onRemove={onRemove} vocab={vocab} />;
  return (
    <fieldset class={`block ${b.kind}`}>
      <legend>{label}</legend>
      <div class="form-row">
        {b.kind === 'not' && (
          <div class="not">
            <span class="badge">not</span>
            <AnyBlock b={b.item} path={`${path}-n`} label={`${label}, negated`} onChange={(x) => onChange({ kind: 'not', item: x })} onRemove={onRemove} vocab={vocab} />
          </div>
        )}
        {b.kind === 'field' && <FieldBlock b={b} path={path} onChange={onChange} vocab={vocab} />}
        {b.kind === 'has' && (
          <>
            <Select id={`${path}-neg`} label="Has" value={b.negate ? 'no' : 'yes'} options={[['yes', 'has'], ['no', 'has no']]} onChange={(v) => onChange({ ...b, negate: v === 'no' })} />
            <SourceInput path={path} s={b.source} onChange={(s) => onChange({ ...b, source: s })} />
            <WindowInput path={path} w={b.window} onChange={(w) => onChange(withWindow(b, w))} />
          </>
        )}
        {b.kind === 'measure' && (
          <>
            <Select id={`${path}-agg`} label="Measure" value={b.agg} options={AGGS.map((a) => [a, a === 'count' ? 'number of' : a === 'distinct' ? 'distinct values of' : `${a} of`])}
              onChange={(v) => onChange(v === 'count' ? { ...b, agg: 'count', aggField: undefined } : { ...b, agg: v as (typeof AGGS)[number], aggField: b.aggField ?? 'amount' })} />
            {b.agg !== 'count' && <TextInput id={`${path}-aggf`} label="Of field" value={b.aggField ?? ''} list="builder-row-fields" onChange={(v) => onChange({ ...b, aggField: v })} />}
            <SourceInput path={path} s={b.source} onChange={(s) => onChange({ ...b, source: s })} />
            <WindowInput path={path} w={b.window} onChange={(w) => onChange(withWindow(b, w))} />
            <Select id={`${path}-op`} label="Operator" value={b.op} options={CMP_OPS.map((o) => [o, o])} onChange={(v) => onChange({ ...b, op: v as typeof b.op })} />
            <ValueInput id={`${path}-v`} label="Value" type="number" value={b.value} onChange={(v) => onChange({ ...b, value: v })} />
          </>
        )}
        {b.kind === 'occurrence' && (
          <>
            <Select id={`${path}-which`} label="Which" value={b.which} options={[['first', 'first'], ['last', 'last']]} onChange={(v) => onChange({ ...b, which: v as 'first' | 'last' })} />
            <SourceInput path={path} s={b.source} onChange={(s) => onChange({ ...b, source: s })} />
            <OpAndValues path={path} b={b} ops={DATE_OPS} type="string" onChange={(x) => onChange({ ...b, ...x })} />
          </>
        )}
        {b.kind === 'ref' && (
          <>
            <Select id={`${path}-neg`} label="Membership" value={b.negate ? 'out' : 'in'} options={[['in', 'in audience'], ['out', 'not in audience']]} onChange={(v) => onChange({ ...b, negate: v === 'out' })} />
            <Select id={`${path}-aud`} label="Audience" value={b.name} options={[['', 'choose…'], ...vocab.audiences.map((a) => [a, a] as [string, string])]} onChange={(v) => onChange({ ...b, name: v })} />
          </>
        )}
        <button type="button" class="link remove" onClick={onRemove} aria-label={`Remove ${label.toLowerCase()}`}>Remove</button>
      </div>
    </fieldset>
  );
}

function withWindow<T extends Block & { window?: BlockDuration }>(b: T, w: BlockDuration | undefined): T {
  const { window: _, ...rest } = b;
  return (w ? { ...rest, window: w } : rest) as T;
}

function FieldBlock({ b, path, onChange, vocab }: { b: Block & { kind: 'field' }; path: string; onChange: Change; vocab: BuilderVocabulary }) {
  const ftype = vocab.fields.find((f) => f.value === b.field)?.type;
  const vtype = ftype === 'number' ? 'number' : ftype === 'boolean' ? 'boolean' : 'string';
  return (
    <>
      <TextInput id={`${path}-field`} label="Field" value={b.field} list="builder-fields" onChange={(v) => onChange({ ...b, field: v })} />
      <OpAndValues path={path} b={b} ops={[...FIELD_OPS]} type={vtype} onChange={(x) => onChange({ ...b, ...x })} />
    </>
  );
}

/** An operator and the values it takes: one, two (between), a list (in), a length of time, or none. */
function OpAndValues({ path, b, ops, type, onChange }: {
  path: string; b: { op: FieldOp; values: BlockValue[]; duration?: BlockDuration }; ops: FieldOp[]; type: 'number' | 'string' | 'boolean';
  onChange: (x: { op: FieldOp; values: BlockValue[]; duration?: BlockDuration }) => void;
}) {
  const set = (op: FieldOp) => {
    const arity = op === 'between' || op === 'between dates' ? 2 : op === 'is null' || op === 'is not null' || op === 'in last' || op === 'more than ago' ? 0 : 1;
    const values = Array.from({ length: arity }, (_, i) => b.values[i] ?? empty(op === 'between dates' || op === 'before' || op === 'after' ? 'string' : type));
    onChange({ op, values, ...(op === 'in last' || op === 'more than ago' ? { duration: b.duration ?? { n: 30, unit: 'days' } } : {}) });
  };
  const setValue = (i: number, v: BlockValue) => onChange({ op: b.op, values: b.values.map((x, j) => (j === i ? v : x)), ...(b.duration ? { duration: b.duration } : {}) });
  return (
    <>
      <Select id={`${path}-op`} label="Operator" value={b.op} options={ops.map((o) => [o, o === 'more than ago' ? 'more than … ago' : o])} onChange={(v) => set(v as FieldOp)} />
      {(b.op === 'in last' || b.op === 'more than ago') && <DurationInput path={path} d={b.duration ?? { n: 30, unit: 'days' }} onChange={(d) => onChange({ op: b.op, values: [], duration: d })} />}
      {(b.op === 'between' || b.op === 'between dates') && (
        <>
          <ValueInput id={`${path}-v0`} label="From" type={b.op === 'between dates' ? 'string' : type} value={b.values[0]} onChange={(v) => setValue(0, v)} />
          <ValueInput id={`${path}-v1`} label="To" type={b.op === 'between dates' ? 'string' : type} value={b.values[1]} onChange={(v) => setValue(1, v)} />
        </>
      )}
      {(b.op === 'in' || b.op === 'not in') && (
        <ListInput id={`${path}-vs`} type={type} values={b.values} onChange={(vs) => onChange({ op: b.op, values: vs })} />
      )}
      {['=', '!=', '<', '<=', '>', '>=', 'contains', 'starts with', 'before', 'after'].includes(b.op) && (
        <ValueInput id={`${path}-v`} label={b.op === 'before' || b.op === 'after' ? 'Date (YYYY-MM-DD)' : 'Value'} type={b.op === 'before' || b.op === 'after' ? 'string' : type} value={b.values[0]} onChange={(v) => setValue(0, v)} />
      )}
    </>
  );
}

const empty = (type: 'number' | 'string' | 'boolean'): BlockValue => (type === 'number' ? { type: 'number', value: 0 } : type === 'boolean' ? { type: 'boolean', value: true } : { type: 'string', value: '' });

/** A value typed as text, read as the field's type: a number, true/false, avg/median/pN for numbers, else text. */
function parseValue(text: string, type: 'number' | 'string' | 'boolean'): BlockValue {
  const t = text.trim();
  if (type === 'number') {
    if (/^(avg|median|p[1-9]\d?)$/.test(t)) return { type: 'stat', value: t };
    if (t !== '' && Number.isFinite(Number(t))) return { type: 'number', value: Number(t) };
  }
  if (type === 'boolean' && (t === 'true' || t === 'false')) return { type: 'boolean', value: t === 'true' };
  return { type: 'string', value: text };
}
const showValue = (v: BlockValue | undefined): string => (v === undefined ? '' : String(v.value));

function ValueInput({ id, label, type, value, onChange }: { id: string; label: string; type: 'number' | 'string' | 'boolean'; value: BlockValue | undefined; onChange: (v: BlockValue) => void }) {
  // the text as typed stays while it reads as the same value (1. is 1 until the next digit)
  const [text, setText] = useState(showValue(value));
  useEffect(() => {
    if (showValue(parseValue(text, type)) !== showValue(value)) setText(showValue(value));
  }, [showValue(value)]);
  return <TextInput id={id} label={label} value={text} onChange={(t) => { setText(t); onChange(parseValue(t, type)); }} />;
}

function ListInput({ id, type, values, onChange }: { id: string; type: 'number' | 'string' | 'boolean'; values: BlockValue[]; onChange: (vs: BlockValue[]) => void }) {
  const [text, setText] = useState(values.map(showValue).join(', '));
  return (
    <TextInput id={id} label="Values (comma-separated)" value={text} onChange={(t) => {
      setText(t);
      onChange(t.split(',').map((x) => x.trim()).filter(Boolean).map((x) => parseValue(x, type)));
    }} />
  );
}

function SourceInput({ path, s, onChange }: { path: string; s: BlockSource; onChange: (s: BlockSource) => void }) {
  return (
    <>
      <Select id={`${path}-src`} label="Of" value={s.kind} options={SOURCES.map((k) => [k, k === 'event' ? 'events of type' : k])} onChange={(v) => onChange(v === 'event' ? { kind: 'event', eventType: s.eventType ?? '' } : { kind: v as BlockSource['kind'] })} />
      {s.kind === 'event' && <TextInput id={`${path}-evt`} label="Event type" value={s.eventType ?? ''} list="builder-events" onChange={(v) => onChange({ kind: 'event', eventType: v })} />}
    </>
  );
}

function WindowInput({ path, w, onChange }: { path: string; w: BlockDuration | undefined; onChange: (w: BlockDuration | undefined) => void }) {
  return (
    <>
      <Select id={`${path}-when`} label="When" value={w ? 'last' : 'ever'} options={[['ever', 'ever'], ['last', 'in the last']]} onChange={(v) => onChange(v === 'last' ? (w ?? { n: 90, unit: 'days' }) : undefined)} />
      {w && <DurationInput path={path} d={w} onChange={onChange} />}
    </>
  );
}

function DurationInput({ path, d, onChange }: { path: string; d: BlockDuration; onChange: (d: BlockDuration) => void }) {
  const [text, setText] = useState(String(d.n));
  useEffect(() => {
    if (Number(text) !== d.n) setText(String(d.n));
  }, [d.n]);
  return (
    <>
      <div>
        <label for={`${path}-n`}>Number</label>
        <input id={`${path}-n`} type="number" min={1} step={1} size={5} value={text} onInput={(e) => {
          const t = (e.target as HTMLInputElement).value;
          setText(t);
          const n = Number(t);
          if (Number.isInteger(n) && n >= 1) onChange({ ...d, n });
        }} />
      </div>
      <Select id={`${path}-unit`} label="Unit" value={d.unit} options={UNITS.map((u) => [u, u])} onChange={(v) => onChange({ ...d, unit: v as BlockDuration['unit'] })} />
    </>
  );
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  return (
    <div>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, t]) => <option key={v} value={v}>{t}</option>)}
      </select>
    </div>
  );
}

function TextInput({ id, label, value, list, onChange }: { id: string; label: string; value: string; list?: string; onChange: (v: string) => void }) {
  return (
    <div>
      <label for={id}>{label}</label>
      <input id={id} type="text" value={value} list={list} autoComplete="off" onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
    </div>
  );
}
