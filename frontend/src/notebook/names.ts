import keywordsText from "../../../backend/sqlkeywords.json?raw";

// The naming rule of result and lake table names, the backend's
// (backend.IsIdentifier): ASCII letters, digits and _, not starting with a
// digit. Such names need no quoting in SQL unless they are keywords.
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

// The words DuckDB does not take as a bare name, the backend's list
// (backend.SQLName; a Go test keeps it equal to DuckDB's).
const keywords = new Set<string>(JSON.parse(keywordsText));

/** Whether DuckDB needs name quoted to read it as a name (binary, select). */
export function isKeyword(name: string): boolean {
  return keywords.has(name.toLowerCase());
}

/**
 * Why a result name will not do, in words (the backend refuses it when
 * saving or running), or undefined when it is fine or empty.
 */
export function resultNameProblem(name: string): string | undefined {
  if (!name) return undefined;
  if (!isIdentifier(name)) return `“${name}” is not a result name: letters, digits and _, not starting with a digit`;
  if (isKeyword(name)) return `“${name}” is a SQL keyword, which later cells could not query by name; choose another, such as ${name}_result`;
  return undefined;
}

/** A name as SQL text: bare when it is an identifier and no keyword, else double-quoted. */
export function quoteIdent(name: string): string {
  return isIdentifier(name) && !isKeyword(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** For each cell whose result name an earlier cell already has (ignoring
 * case, as DuckDB compares names), the number of that earlier cell. */
export function takenNames(cells: { id: string; name?: string }[]): Map<string, number> {
  const first = new Map<string, number>();
  const taken = new Map<string, number>();
  cells.forEach((c, i) => {
    if (!c.name) return;
    const key = c.name.toLowerCase();
    const n = first.get(key);
    if (n === undefined) first.set(key, i + 1);
    else taken.set(c.id, n);
  });
  return taken;
}
