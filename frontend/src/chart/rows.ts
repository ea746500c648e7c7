// Arrow rows as the plain objects Vega reads. Numbers become JS numbers
// (a chart cannot draw finer than a pixel, but an id past 2^53 used as a
// category stays exact text); time becomes ISO text: naive DATE and TIMESTAMP
// without a "Z", so Vega reads them as local time and shows the clock time
// stored in the data, and TIMESTAMPTZ with "Z", an instant shown in local time.
import { Type, type DataType, type Dictionary, type Table, type Timestamp } from "apache-arrow";
import { formatFor, jsonFor } from "../grid/format";

type Convert = (v: unknown) => unknown;

export interface ChartRowsOptions {
  /** Only these columns (all when absent). */
  fields?: ReadonlySet<string>;
  /** Columns drawn on a quantitative scale: even an integer past 2^53 becomes a number there. */
  quantitative?: ReadonlySet<string>;
}

export function chartRows(table: Table, opts: ChartRowsOptions = {}): Record<string, unknown>[] {
  const cols = table.schema.fields
    .filter((f) => !opts.fields || opts.fields.has(f.name))
    .map((f) => ({
      name: f.name,
      vector: table.getChild(f.name)!,
      convert: opts.quantitative?.has(f.name) && f.type.typeId === Type.Int ? Number : converter(f.type),
    }));
  const out: Record<string, unknown>[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, unknown> = {};
    for (const c of cols) {
      const v = c.vector.get(r);
      row[c.name] = v === null || v === undefined ? null : c.convert(v);
    }
    out[r] = row;
  }
  return out;
}

export function converter(type: DataType): Convert {
  switch (type.typeId) {
    case Type.Int:
      return (v) => (typeof v === "bigint" ? bigintValue(v) : v);
    case Type.Float:
      return (v) => v;
    case Type.Decimal: {
      const text = formatFor(type).text;
      return (v) => Number(text(v));
    }
    case Type.Bool:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return (v) => v;
    case Type.Date:
      return (v) => isoLocal(Number(v)).slice(0, 10) + "T00:00:00";
    case Type.Timestamp:
      return (type as Timestamp).timezone ? (v) => new Date(Math.floor(Number(v))).toISOString() : (v) => isoLocal(Number(v));
    case Type.Dictionary:
      return converter((type as Dictionary).dictionary);
    case Type.Struct:
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Map:
      return jsonFor(type);
    default:
      return formatFor(type).text;
  }
}

function bigintValue(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

// "2024-03-05T06:07:08.123": the UTC clock time, without a zone.
function isoLocal(ms: number): string {
  const d = new Date(Math.floor(ms));
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().slice(0, -1);
}
