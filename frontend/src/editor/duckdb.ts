// The SQL dialect of our SQL cells: DuckDB's words on top of standard SQL,
// and `$name` notebook parameters tokenized apart so they can stand out.
import { SQLDialect } from "@codemirror/lang-sql";

// lang-sql does not export its standard lists, and SQLDialect.define replaces
// (not extends) the word set, so the standard words are repeated here.
const standardKeywords =
  "absolute action add after all allocate alter and any are as asc assertion at authorization before begin between both breadth by call cascade cascaded case cast catalog check close collate collation column commit condition connect connection constraint constraints constructor continue corresponding count create cross cube current current_date current_default_transform_group current_transform_group_for_type current_path current_role current_time current_timestamp current_user cursor cycle data day deallocate declare default deferrable deferred delete depth deref desc describe descriptor deterministic diagnostics disconnect distinct do domain drop dynamic each else elseif end end-exec equals escape except exception exec execute exists exit external fetch first for foreign found from free full function general get global go goto grant group grouping handle having hold hour identity if immediate in indicator initially inner inout input insert intersect into is isolation join key language last lateral leading leave left level like limit local localtime localtimestamp locator loop map match method minute modifies module month names natural nesting new next no none not of old on only open option or order ordinality out outer output overlaps pad parameter partial path prepare preserve primary prior privileges procedure public read reads recursive redo ref references referencing relative release repeat resignal restrict result return returns revoke right role rollback rollup routine row rows savepoint schema scroll search second section select session session_user set sets signal similar size some space specific specifictype sql sqlexception sqlstate sqlwarning start state static system_user table temporary then timezone_hour timezone_minute to trailing transaction translation treat trigger under undo union unique unnest until update usage user using value values view when whenever where while with without work write year zone";

const standardTypes =
  "array binary bit boolean char character clob date decimal double float int integer interval large national nchar nclob numeric object precision real smallint time timestamp varchar varying";

// DuckDB's statements and clauses. Unreserved words that are common column
// names (name, type, key, version) are left out on purpose: as keywords they
// would be coloured wrongly and break lang-sql's alias detection
// (`FROM t name`), which only accepts identifiers as aliases.
export const duckdbKeywords =
  "qualify pivot pivot_wider pivot_longer unpivot asof positional summarize exclude replace columns " +
  "anti semi ilike glob try_cast filter over window partition range groups unbounded preceding following ties " +
  "respect ignore nulls within sample tablesample offset percent materialized temp " +
  "attach detach use install load pragma copy export import checkpoint vacuum analyze explain show tables " +
  "databases macro sequence returning conflict nothing lambda generated always virtual stored include";

export const duckdbTypes =
  "bigint int8 long hugeint uhugeint ubigint uinteger usmallint utinyint tinyint int1 int2 int4 short signed " +
  "float4 float8 bool logical blob bytea varbinary bitstring bpchar text string uuid json datetime timetz " +
  "timestamptz timestamp_s timestamp_ms timestamp_ns timestamp_us varint bignum enum list struct map";

// Functions analysts reach for first; coloured as built-ins so a table
// function like read_parquet reads differently from a table name.
export const duckdbBuiltins =
  "read_parquet parquet_scan parquet_metadata parquet_schema read_csv read_csv_auto read_json read_json_auto " +
  "read_ndjson read_ndjson_auto read_json_objects read_text read_blob glob generate_series " +
  "struct_pack struct_extract list_value list_transform list_filter list_aggregate list_sort list_distinct " +
  "list_contains array_agg string_agg date_trunc date_part date_diff datediff date_add epoch_ms strftime " +
  "strptime make_date make_timestamp to_timestamp regexp_matches regexp_replace regexp_extract string_split " +
  "split_part concat_ws coalesce ifnull nullif greatest least arg_max arg_min max_by min_by " +
  "approx_count_distinct approx_quantile median mode quantile_cont quantile_disc stddev variance sum avg " +
  "min max any_value bool_and bool_or histogram row_number rank dense_rank lag lead ntile percent_rank " +
  "cume_dist first_value last_value nth_value hash md5 sha256 len length lower upper trim starts_with " +
  "ends_with contains round floor ceil abs ln log exp sqrt pow power now today age";

export const DuckDB = SQLDialect.define({
  keywords: `${standardKeywords} ${duckdbKeywords}`,
  types: `${standardTypes} ${duckdbTypes}`,
  builtin: duckdbBuiltins,
  // `$year` is a notebook parameter, `?` a prepared-statement placeholder.
  // Dollar-quoted strings stay off: lang-sql then would not tokenize `$year`.
  specialVar: "$?",
  // DuckDB folds unquoted identifiers, so completing Fact_Sales must not
  // wrap it in quotes.
  caseInsensitiveIdentifiers: true,
});
