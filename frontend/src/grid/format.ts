// Text for the values Arrow JS hands back from a DuckDB window. The formatter
// is chosen once per column from its Arrow type, so painting a cell is one
// call without a type switch. Values are shown the way DuckDB prints them
// (timestamps as "2024-03-05 06:07:08.123456", decimals with their scale),
// because the summary panel and exports show DuckDB's own text beside them.
import { TimeUnit, Type, type DataType, type Decimal, type Dictionary, type Duration, type Field, type Float, type Interval, type Time, type Timestamp } from "apache-arrow";

export interface ColumnFormat {
  /** Numbers are right-aligned, so digits line up. */
  align: "left" | "right";
  /** Text of a non-null value. */
  text(v: unknown): string;
}

export { duckdbTypeClass, formatCount, NULL_TEXT } from "./plain";

import { NULL_TEXT } from "./plain";

export function columnFormats(fields: readonly Field[]): ColumnFormat[] {
  return fields.map((f) => formatFor(f.type));
}

/** Text of any value of the type, null included. */
export function formatValue(type: DataType, v: unknown): string {
  return v === null || v === undefined ? NULL_TEXT : formatFor(type).text(v);
}

export function formatFor(type: DataType): ColumnFormat {
  switch (type.typeId) {
    case Type.Int:
      return { align: "right", text: String };
    case Type.Float:
      return { align: "right", text: (type as Float).precision === 2 ? floatText : (v) => String(v) };
    case Type.Decimal:
      return { align: "right", text: (v) => decimalText(BigInt(String(v)), (type as Decimal).scale) };
    case Type.Date:
      return left((v) => dateText(Number(v)));
    case Type.Timestamp: {
      const zone = (type as Timestamp).timezone ? "Z" : "";
      return left((v) => timestampText(Number(v)) + zone);
    }
    case Type.Time:
      return left((v) => timeOfDayText(toNanos(v, (type as Time).unit)));
    case Type.Duration:
      return left((v) => durationText(toNanos(v, (type as Duration).unit)));
    case Type.Interval:
      return left((v) => intervalText(v as ArrayLike<number>, (type as Interval).unit));
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
    case Type.BinaryView:
      return left((v) => blobText(v as Uint8Array));
    case Type.Dictionary:
      return formatFor((type as Dictionary).dictionary);
    case Type.Struct:
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Map:
    case Type.Union:
      return left(jsonFor(type));
    default:
      return left((v) => (typeof v === "object" && v !== null ? jsonFor(type)(v) : String(v)));
  }
}

function left(text: (v: unknown) => string): ColumnFormat {
  return { align: "left", text };
}

/**
 * JSON text of a nested value, its leaves formatted by their own Arrow types:
 * a struct of a date and a decimal shows {"d": "2024-03-05", "x": 12.34}.
 */
export function jsonFor(type: DataType): (v: unknown) => string {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Decimal: {
      const f = formatFor(type).text;
      return (v) => (v === null || v === undefined ? "null" : numberJSON(f(v)));
    }
    case Type.Bool:
      return (v) => (v === null || v === undefined ? "null" : String(v));
    case Type.Struct: {
      const fields = type.children.map((c: Field) => ({ key: JSON.stringify(c.name), name: c.name, json: jsonFor(c.type) }));
      return (v) => {
        if (v === null || v === undefined) return "null";
        const row = v as Record<string, unknown>;
        return "{" + fields.map((f: { key: string; name: string; json: (v: unknown) => string }) => `${f.key}: ${f.json(row[f.name])}`).join(", ") + "}";
      };
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const item = jsonFor(type.children[0].type);
      return (v) => {
        if (v === null || v === undefined) return "null";
        const list = v as { length: number; get(i: number): unknown };
        const out: string[] = [];
        for (let i = 0; i < list.length; i++) out.push(item(list.get(i)));
        return "[" + out.join(", ") + "]";
      };
    }
    case Type.Map: {
      const [keyField, valueField] = type.children[0].type.children as Field[];
      const key = formatFor(keyField.type).text;
      const value = jsonFor(valueField.type);
      return (v) => {
        if (v === null || v === undefined) return "null";
        const out: string[] = [];
        for (const [k, x] of v as Iterable<[unknown, unknown]>) out.push(`${JSON.stringify(key(k))}: ${value(x)}`);
        return "{" + out.join(", ") + "}";
      };
    }
    case Type.Dictionary:
      return jsonFor((type as Dictionary).dictionary);
    default: {
      const f = formatFor(type).text;
      return (v) => (v === null || v === undefined ? "null" : JSON.stringify(f(v)));
    }
  }
}

// NaN and Infinity are not JSON numbers; they are quoted rather than dropped.
function numberJSON(text: string): string {
  return /^-?\d/.test(text) ? text : JSON.stringify(text);
}

/** The shortest text that reads back as the same float32 (0.1f shows 0.1, not 0.10000000149011612). */
function floatText(v: unknown): string {
  const x = Number(v);
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** 1234n with scale 2 is "12.34": exact, however many digits the decimal has. */
export function decimalText(n: bigint, scale: number): string {
  if (scale <= 0) return (n * 10n ** BigInt(-scale)).toString();
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(scale + 1, "0");
  const cut = digits.length - scale;
  return (neg ? "-" : "") + digits.slice(0, cut) + "." + digits.slice(cut);
}

/**
 * Arrow JS gives timestamps as milliseconds with the microseconds in the
 * fraction (1709618828123.456); the fraction is kept to the microsecond.
 */
export function timestampText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1000);
  if (micros === 1000) {
    whole += 1;
    micros = 0;
  }
  const d = new Date(whole);
  if (Number.isNaN(d.getTime())) return String(ms);
  const iso = d.toISOString(); // 2024-03-05T06:07:08.123Z, or +275760-... past year 9999
  const t = iso.indexOf("T");
  const frac = (iso.slice(t + 10, t + 13) + String(micros).padStart(3, "0")).replace(/0+$/, "");
  return iso.slice(0, t) + " " + iso.slice(t + 1, t + 9) + (frac ? "." + frac : "");
}

/** Arrow JS gives DATE as milliseconds since the epoch, at midnight UTC. */
export function dateText(ms: number): string {
  const s = timestampText(ms);
  const space = s.indexOf(" ");
  return space < 0 ? s : s.slice(0, space);
}

const NANOS: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};

function toNanos(v: unknown, unit: TimeUnit): bigint {
  const n = typeof v === "bigint" ? v : BigInt(Math.round(Number(v)));
  return n * NANOS[unit];
}

/** 47655000000000n ns is "13:14:15"; fractions keep only significant digits. */
export function timeOfDayText(nanos: bigint): string {
  const neg = nanos < 0n;
  let n = neg ? -nanos : nanos;
  const frac = n % 1_000_000_000n;
  n /= 1_000_000_000n;
  const s = n % 60n;
  n /= 60n;
  const m = n % 60n;
  const h = n / 60n;
  const pad = (x: bigint) => x.toString().padStart(2, "0");
  const f = frac === 0n ? "" : "." + frac.toString().padStart(9, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${pad(h)}:${pad(m)}:${pad(s)}${f}`;
}

function durationText(nanos: bigint): string {
  const day = 86_400_000_000_000n;
  const days = nanos / day;
  const rest = nanos % day;
  if (days === 0n) return timeOfDayText(rest);
  return `${plural(days, "day")}${rest === 0n ? "" : " " + timeOfDayText(rest)}`;
}

function plural(n: bigint | number, unit: string): string {
  return `${n} ${unit}${n === 1 || n === 1n || n === -1 || n === -1n ? "" : "s"}`;
}

/**
 * DuckDB's INTERVAL arrives as Arrow MONTH_DAY_NANO, four int32s: months,
 * days, and the nanoseconds' low and high words. Shown as DuckDB prints it:
 * "1 month 2 days 03:04:05.5".
 */
export function intervalText(v: ArrayLike<number>, unit: number): string {
  let months = 0;
  let days = 0;
  let nanos = 0n;
  if (v.length >= 4) {
    [months, days] = [v[0], v[1]];
    nanos = BigInt.asIntN(64, (BigInt(v[3] >>> 0) << 32n) | BigInt(v[2] >>> 0));
  } else if (unit === 0 /* YEAR_MONTH */) {
    months = v[0];
  } else {
    [days] = [v[0]];
    nanos = BigInt(v[1]) * 1_000_000n;
  }
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  if (years) parts.push(plural(years, "year"));
  if (months % 12) parts.push(plural(months % 12, "month"));
  if (days) parts.push(plural(days, "day"));
  if (nanos !== 0n || parts.length === 0) parts.push(timeOfDayText(nanos));
  return parts.join(" ");
}

/** Bytes as DuckDB prints a BLOB: printable ASCII as is, the rest as \xHH. */
export function blobText(b: Uint8Array): string {
  let out = "";
  for (const x of b) {
    out += x >= 0x20 && x < 0x7f && x !== 0x5c ? String.fromCharCode(x) : "\\x" + x.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}
