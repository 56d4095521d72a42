// The rule as text: a textarea over a layer that marks the problems the server found, the problems listed
// with their line and column (a click puts the caret there), and completion of fields, audience names,
// event types and products in a listbox (arrows, Enter or Tab to take one, Escape to close).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { applyCompletion, completionAt, offsetOf, type CompletionContext } from './audience-completion.ts';
import type { Diagnostic, VocabItem, Vocabulary } from './audience-types.ts';

const LIST_ID = 'rule-completions';

/** The length of what a problem points at when the server gives none: the word or quoted value there. */
function spanAt(text: string, off: number, length?: number): number {
  if (length && length > 0) return length;
  const m = /^('([^']|'')*'?|[A-Za-z0-9_.]+|\S)/.exec(text.slice(off));
  return m ? m[0].length : 0;
}

export function RuleTextEditor({ value, onChange, diagnostics, status }: { value: string; onChange: (t: string) => void; diagnostics: Diagnostic[]; status: string }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const layer = useRef<HTMLDivElement>(null);
  const [ctx, setCtx] = useState<CompletionContext>();
  const [items, setItems] = useState<VocabItem[]>([]);
  const [active, setActive] = useState(0);
  const open = ctx !== undefined && items.length > 0;

  // the choices for the context at the caret, asked of the server a moment after the last key
  useEffect(() => {
    if (!ctx) {
      setItems([]);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      get<Vocabulary>('/audience-vocabulary', { kind: ctx.kind, prefix: ctx.prefix, limit: 8 }, ctl.signal).then(
        (v) => {
          if (ctl.signal.aborted) return;
          // a word already complete is not offered again
          const rest = v.items.filter((i) => !(ctx.kind === 'fields' && i.value === ctx.prefix));
          setItems(rest);
          setActive(0);
        },
        () => {
          if (!ctl.signal.aborted) setItems([]);
        },
      );
    }, 120);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [ctx?.kind, ctx?.prefix, ctx?.from]);

  const refresh = (el: HTMLTextAreaElement) => setCtx(el.selectionStart === el.selectionEnd ? completionAt(el.value, el.selectionStart) : undefined);

  const accept = (i: number) => {
    const el = area.current;
    const it = items[i];
    if (!el || !ctx || !it) return;
    const r = applyCompletion(el.value, ctx, it.value);
    onChange(r.text);
    setCtx(undefined);
    setItems([]);
    // the caret after the choice once the new text is in
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(r.caret, r.caret);
    });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      refresh(e.currentTarget as HTMLTextAreaElement);
      return;
    }
    if (!open) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      accept(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setCtx(undefined);
      setItems([]);
    }
  };

  const goTo = (d: Diagnostic) => {
    const el = area.current;
    if (!el) return;
    const off = offsetOf(value, d.line, d.column);
    el.focus();
    el.setSelectionRange(off, off + spanAt(value, off, d.length));
    setCtx(undefined);
  };

  // the marks under the text: each problem's span
  const marks = diagnostics.map((d): [number, number] => {
    const off = offsetOf(value, d.line, d.column);
    return [off, off + Math.max(1, spanAt(value, off, d.length))];
  }).sort((a, b) => a[0] - b[0]);
  const pieces: ComponentChildren[] = [];
  let at = 0;
  for (const [s, e] of marks) {
    if (s < at) continue;
    pieces.push(value.slice(at, s), <mark key={s}>{value.slice(s, e) || ' '}</mark>);
    at = e;
  }
  pieces.push(`${value.slice(at)}\n`);

  return (
    <div class="rule-editor">
      <label for="rule-text">Rule</label>
      <p class="hint" id="rule-help">e.g. <code>all(has no orders in last 90 days, country = 'Germany')</code>. Completion offers fields, audience names (after <code>in audience</code>), event types and products as you type; Ctrl+Space asks for it.</p>
      <div class="rule-box">
        <div class="rule-layer" ref={layer} aria-hidden="true">{pieces}</div>
        <textarea
          id="rule-text" ref={area} rows={6} spellcheck={false} value={value}
          aria-describedby="rule-help rule-status" aria-invalid={diagnostics.length > 0}
          aria-autocomplete="list" aria-controls={open ? LIST_ID : undefined} aria-activedescendant={open ? `${LIST_ID}-${active}` : undefined}
          onInput={(e) => {
            const el = e.currentTarget as HTMLTextAreaElement;
            onChange(el.value);
            refresh(el);
          }}
          onKeyDown={onKeyDown}
          onClick={(e) => refresh(e.currentTarget as HTMLTextAreaElement)}
          onBlur={() => setTimeout(() => {
            // closed when the focus went elsewhere (not when it came back meanwhile)
            if (document.activeElement !== area.current) setCtx(undefined);
          }, 150)}
          onScroll={(e) => {
            if (layer.current) layer.current.scrollTop = (e.currentTarget as HTMLTextAreaElement).scrollTop;
          }}
        />
        {open && (
          <ul id={LIST_ID} role="listbox" aria-label={`Completions: ${ctx.kind}`} class="completions">
            {items.map((it, i) => (
              <li key={it.value} id={`${LIST_ID}-${i}`} role="option" aria-selected={i === active} class={i === active ? 'active' : undefined}
                onMouseDown={(e) => { e.preventDefault(); accept(i); }}>
                <span class="value">{it.label}</span>{it.label !== it.value && <span class="hint"> {it.value}</span>}{it.detail && <span class="hint"> — {it.detail}{it.type ? `, ${it.type}` : ''}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p id="rule-status" class={diagnostics.length ? 'bad' : 'hint'} role="status">{status}</p>
      {diagnostics.length > 0 && (
        <ul class="diagnostics" aria-label="Problems in the rule">
          {diagnostics.map((d, i) => (
            <li key={i}>
              <button type="button" class="link" onClick={() => goTo(d)}>Line {d.line}, column {d.column}</button>: {d.message}
              {d.hint && <span class="hint"> — {d.hint}</span>} <span class="code">({d.code})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
