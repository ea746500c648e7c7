// Schema completion for SQL cells: what the backend says is queryable
// (lake tables, raw datasets, named cell results) in lang-sql's shape.
import { CompletionContext, type Completion, type CompletionResult, type CompletionSource } from "@codemirror/autocomplete";
import { schemaCompletionSource, type SQLNamespace } from "@codemirror/lang-sql";
import { syntaxTree } from "@codemirror/language";
import type { Completions } from "../api";
import { quoteIdent } from "../notebook/names";
import { DuckDB } from "./duckdb";

type Table = Completions["tables"][number];

const kindDetail: Record<Table["kind"], string> = {
  lake: "lake table",
  raw: "raw dataset",
  result: "cell result",
};

// lang-sql reads a dot in a key as a schema path; a name that holds a dot
// is one level, so its dots are escaped.
const key = (name: string) => name.replace(/\./g, "\\.");

// Names DuckDB accepts unquoted; anything else (odd names, keywords such
// as binary) is inserted as "quoted".
const quoted = (name: string) => (quoteIdent(name) === name ? undefined : quoteIdent(name));

function tableCompletion(t: Table): Completion {
  const apply = quoted(t.name);
  return { label: t.name, type: "type", detail: kindDetail[t.kind], ...(apply ? { apply } : {}) };
}

/**
 * Nests tables under their schema (`raw` → `events` → columns) and puts
 * schema-less tables and named results at the top, so `FROM Fa` offers
 * Fact_Sales, `raw.` offers raw datasets and `alias.` offers columns.
 */
export function schemaFromCompletions(c: Completions | undefined): SQLNamespace {
  const top: Record<string, SQLNamespace> = {};
  const schemas = new Map<string, Record<string, SQLNamespace>>();
  for (const t of c?.tables ?? []) {
    let level = top;
    if (t.schema) {
      level = schemas.get(t.schema) ?? {};
      schemas.set(t.schema, level);
    }
    level[key(t.name)] = { self: tableCompletion(t), children: [...t.columns] };
  }
  // A schema shadows a top-level table of the same name: `raw.` must keep
  // completing datasets, which is what the name is used for in practice.
  for (const [name, tables] of schemas) {
    const apply = quoted(name);
    top[key(name)] = { self: { label: name, type: "namespace", detail: "schema", ...(apply ? { apply } : {}) }, children: tables };
  }
  return top;
}

/**
 * A completion source that asks `get` for the current completions each time
 * it runs, rebuilding lang-sql's source only when the value changed; editors
 * thus follow new results without being reconfigured.
 */
export function lazySchemaSource(get: () => Completions | undefined): CompletionSource {
  let seen: Completions | undefined | null = null; // null: nothing built yet
  let source: CompletionSource = () => null;
  return (context) => {
    const c = get();
    if (c !== seen) {
      seen = c;
      source = schemaCompletionSource({ dialect: DuckDB, schema: schemaFromCompletions(c) });
    }
    return completeWord(source, context);
  };
}

/**
 * lang-sql completes names only where the typed word parses as a name or a
 * keyword; a word it knows as a function or a type (min, sum, date, list)
 * gets nothing, so `FROM min` would not offer a result named `mine`. Such a
 * word is completed as the start of a name: after a dot as a child of what
 * precedes the dot, else at the top level.
 */
function completeWord(source: CompletionSource, context: CompletionContext) {
  const { state, pos } = context;
  const word = syntaxTree(state).resolveInner(pos, -1);
  if ((word.name !== "Builtin" && word.name !== "Type") || word.to !== pos) return source(context);
  const afterDot = syntaxTree(state).resolveInner(word.from, -1).name === ".";
  const result = source(new CompletionContext(state, afterDot ? word.from : pos, true)) as CompletionResult | null;
  return result && { ...result, from: word.from };
}
