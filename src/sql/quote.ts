/** Quoting for the few places where a name or a constant cannot be a bound parameter. */

/** A plain name: letters, digits and _, not starting with a digit (safe unquoted, and as a JSON key). */
export const isPlainName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

/** Quote an identifier for DuckDB/PostgreSQL: `my "col"` → `"my ""col"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote a string constant (for DDL, macros and table-function arguments that cannot be bound). */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

// ClickHouse reads C-style escapes inside quotes (backslash, quote, \n, \t, \0, \xHH …), so every backslash,
// the quote character and every control character is escaped; the rest of the text passes through as UTF-8.
const CH_ESCAPES: Record<string, string> = { '\\': '\\\\', '\0': '\\0', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const chEscape = (quote: string) => new RegExp(`[\\\\${quote}\\x00-\\x1f\\x7f]`, 'g');
const CH_STRING = chEscape("'");
const CH_IDENT = chEscape('`');
const escapeChar = (c: string) => CH_ESCAPES[c] ?? (c === "'" || c === '`' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Quote a string literal for ClickHouse: `it's` → `'it\'s'`, backslashes and control characters escaped. */
export function quoteClickHouseString(value: string): string {
  return `'${value.replace(CH_STRING, escapeChar)}'`;
}

/** Quote an identifier for ClickHouse: backticks, with backslash escapes. */
export function quoteClickHouseIdent(name: string): string {
  return `\`${name.replace(CH_IDENT, escapeChar)}\``;
}
