/** Quoting for the few places where a name or a constant cannot be a bound parameter. */

/** Quote an identifier for DuckDB/PostgreSQL: `my "col"` → `"my ""col"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote a string constant (for DDL, macros and table-function arguments that cannot be bound). */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
