// The naming rule of result and lake table names, the backend's
// (backend.IsIdentifier): ASCII letters, digits and _, not starting with a
// digit. Such names need no quoting in SQL.
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** A name as SQL text: bare when it is an identifier, else double-quoted. */
export function quoteIdent(name: string): string {
  return isIdentifier(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
