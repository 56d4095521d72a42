// What completion offers at the caret of a rule text: fields (a word being typed), audience names (after
// `audience`), event types (after `event '`), products (inside a quoted value compared with product_id or
// description); the part of the text a choice replaces and how the choice is written there.

export interface CompletionContext {
  kind: 'fields' | 'audiences' | 'events' | 'products';
  /** what the server filters by */
  prefix: string;
  /** the text range a choice replaces */
  from: number;
  to: number;
  /** the choice is written inside quotes already open (close them) or needs quotes */
  quote: 'inside' | 'wrap' | 'none';
}

/** The completion context at `caret`, or undefined where nothing is offered. */
export function completionAt(text: string, caret: number): CompletionContext | undefined {
  const before = text.slice(0, caret);
  // inside a quoted value: an odd number of quotes before the caret (doubled quotes cancel out)
  const quotes = (before.match(/'/g) ?? []).length;
  if (quotes % 2 === 1) {
    const open = before.lastIndexOf("'");
    const head = before.slice(0, open);
    const prefix = before.slice(open + 1);
    const to = closingQuote(text, caret);
    const ctx = { prefix, from: open + 1, to, quote: 'inside' as const };
    if (/\baudience\s*$/i.test(head)) return { kind: 'audiences', ...ctx };
    if (/\bevent\s*$/i.test(head)) return { kind: 'events', ...ctx };
    if (/\b(product_id|description)\s*(=|!=|contains|starts\s+with|(not\s+)?in\s*\((\s*'[^']*'\s*,)*)\s*$/i.test(head)) return { kind: 'products', ...ctx };
    return undefined;
  }
  const aud = /\baudience\s+([A-Za-z0-9_-]*)$/i.exec(before);
  if (aud) return { kind: 'audiences', prefix: aud[1]!, from: caret - aud[1]!.length, to: caret, quote: 'wrap' };
  const word = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(before);
  if (!word) return undefined;
  // a keyword being typed before a number or after a comparison is no field
  if (/\d\s*$/.test(before.slice(0, caret - word[0].length)) && /^(days?|weeks?|months?|years?|hours?)$/.test(word[0])) return undefined;
  return { kind: 'fields', prefix: word[0], from: caret - word[0].length, to: caret, quote: 'none' };
}

/** The end of the value a caret inside quotes is in: up to (not past) its closing quote, else the caret. */
function closingQuote(text: string, caret: number): number {
  const m = /^[^'\n]*/.exec(text.slice(caret));
  const end = caret + (m ? m[0].length : 0);
  return text[end] === "'" ? end : caret;
}

/** The text with a choice put in: returns the new text and the caret after it. */
export function applyCompletion(text: string, ctx: CompletionContext, value: string): { text: string; caret: number } {
  const esc = value.replace(/'/g, "''");
  let put: string;
  let after = ctx.to;
  if (ctx.quote === 'wrap') put = `'${esc}'`;
  else if (ctx.quote === 'inside') {
    // write the value and its closing quote (replacing one that is there)
    put = `${esc}'`;
    if (text[after] === "'") after++;
  } else put = value;
  return { text: text.slice(0, ctx.from) + put + text.slice(after), caret: ctx.from + put.length };
}

/** The offset of a 1-based line and column. */
export function offsetOf(text: string, line: number, column: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  return Math.min(text.length, off + column - 1);
}
