"""Side-by-side benchmarks of `smallfry run` against peers doing the same work.

1. SQL path: the SQL cells of the sample notebooks, on the same lake, with
   the same parameters, each result materialized and its first 1,000 rows
   fetched: Smallfry's run (its own timing, from the run record) vs the DuckDB
   Python package of the same DuckDB version, timed in-process the same way.
2. Whole run: `smallfry run` of a small SQL notebook vs papermill running the
   equivalent Python + duckdb notebook, wall time of each command.
3. JSON scan: the same read_json_auto scan of the sample's raw events (every
   column materialized in the engine, nothing fetched) in duckdb-go and in
   DuckDB Python, CPU time of the whole process (every DuckDB thread) and wall.
"""
import json, os, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path

import duckdb

BIN = os.environ["SMALLFRY_BIN"]
ENGINE = os.environ["ENGINE_BIN"]
WS = Path(sys.argv[1])
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
NOTEBOOKS = ["sales-by-brand-and-country.ipynb", "tour.ipynb"]


def sql_cells(nb):
    params = {}
    cells = []
    for c in nb["cells"]:
        src = "".join(c["source"])
        if "parameters" in c.get("metadata", {}).get("tags", []):
            exec(src, {}, params)  # the defaults are Python syntax, as in papermill
        meta = c.get("metadata", {}).get("smallfry", {})
        if meta.get("kind") == "sql":
            cells.append((meta.get("name"), src))
    return params, cells


def setup(con, lake):
    for d in sorted(lake.iterdir()):
        if d.is_dir() and not d.name.startswith(".") and d.name != "raw":
            con.execute(f"CREATE VIEW \"{d.name}\" AS SELECT * FROM read_parquet('{d}/**/*.parquet')")
    con.execute("CREATE SCHEMA raw")
    for d in sorted((lake / "raw").iterdir()):
        con.execute(f"CREATE VIEW raw.\"{d.name}\" AS SELECT * FROM read_json_auto('{d}/**/*.json*')")


def used(sql, params):
    return {k: v for k, v in params.items() if re.search(r"\$" + k + r"\b", sql)}


def peer_sql(path):
    params, cells = sql_cells(json.loads(path.read_text()))
    t0 = time.perf_counter()
    con = duckdb.connect()
    setup(con, WS / "lake")
    for i, (name, sql) in enumerate(cells):
        table = name or f"result_{i}"
        stmts = [s for s in sql.split(";") if s.strip()]
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS {stmts[-1]}', used(stmts[-1], params))
        con.execute(f'SELECT count(*) FROM "{table}"').fetchall()
        con.execute(f'SELECT * FROM "{table}" LIMIT 1000').fetchall()
    con.close()
    return time.perf_counter() - t0


def engine_script(path):
    """peer_sql's statements as one literal script (parameters inlined)."""
    params, cells = sql_cells(json.loads(path.read_text()))
    lake = WS / "lake"
    script = [f"CREATE VIEW \"{d.name}\" AS SELECT * FROM read_parquet('{d}/**/*.parquet')"
              for d in sorted(lake.iterdir()) if d.is_dir() and not d.name.startswith(".") and d.name != "raw"]
    script.append("CREATE SCHEMA raw")
    script += [f"CREATE VIEW raw.\"{d.name}\" AS SELECT * FROM read_json_auto('{d}/**/*.json*')" for d in sorted((lake / "raw").iterdir())]
    for i, (name, sql) in enumerate(cells):
        table = name or f"result_{i}"
        last = [s for s in sql.split(";") if s.strip()][-1]
        for k, v in params.items():
            last = re.sub(r"\$" + k + r"\b", repr(v), last)
        script += [f'CREATE OR REPLACE TABLE "{table}" AS {last}', f'SELECT count(*) FROM "{table}"', f'SELECT * FROM "{table}" LIMIT 1000']
    return script


def engines(path):
    """The same script in duckdb-go (the library Smallfry links) and in DuckDB Python."""
    (go, _), (py, _) = run_script(engine_script(path))
    return go, py


def run_script(script):
    """(wall, cpu) medians in seconds of script in duckdb-go, then in DuckDB Python."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(script, f)
    try:
        out = subprocess.run([ENGINE, str(RUNS), f.name], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    go_wall, go_cpu = (float(x) / 1000 for x in out.split())

    def py():
        c0, t0 = time.process_time(), time.perf_counter()
        con = duckdb.connect()
        for q in script:
            con.execute(q).fetchall()
        con.close()
        return time.perf_counter() - t0, time.process_time() - c0
    py()
    walls, cpus = zip(*[py() for _ in range(RUNS)])
    return (go_wall, go_cpu), (med(walls), med(cpus))


def ours(path, out=None):
    cmd = [BIN, "run", "--workspace", str(WS), str(path)] + (["-o", out] if out else [])
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    runs = WS / ".smallfry" / "runs"
    latest = sorted(runs.iterdir())[-1]
    rec = json.loads((latest / "run.json").read_text())
    assert rec["status"] == "ok", rec
    return rec["durationMs"] / 1000, wall


def papermill_notebook(path, target):
    """The same notebook for papermill: Python cells that call duckdb."""
    params, cells = sql_cells(json.loads(path.read_text()))
    code = lambda src, tags=(): {"cell_type": "code", "execution_count": None, "metadata": {"tags": list(tags)}, "outputs": [], "source": src}
    lake = WS / "lake"
    nbcells = [code("\n".join(f"{k} = {v!r}" for k, v in params.items()), ["parameters"]),
               code(f"import duckdb\ncon = duckdb.connect()\nfrom pathlib import Path\nlake = Path({str(lake)!r})\n" +
                    "for d in sorted(lake.iterdir()):\n    if d.is_dir() and not d.name.startswith('.') and d.name != 'raw':\n"
                    "        con.execute(f\"CREATE VIEW \\\"{d.name}\\\" AS SELECT * FROM read_parquet('{d}/**/*.parquet')\")\n"
                    "con.execute('CREATE SCHEMA raw')\nfor d in sorted((lake / 'raw').iterdir()):\n"
                    "    con.execute(f\"CREATE VIEW raw.\\\"{d.name}\\\" AS SELECT * FROM read_json_auto('{d}/**/*.json*')\")")]
    for i, (name, sql) in enumerate(cells):
        table = name or f"result_{i}"
        args = "{" + ", ".join(repr(k) + ": " + k for k in used(sql, params)) + "}"
        create = repr('CREATE OR REPLACE TABLE "' + table + '" AS ' + sql)
        preview = repr('SELECT * FROM "' + table + '" LIMIT 1000')
        nbcells.append(code("con.execute(" + create + ", " + args + ")\ncon.execute(" + preview + ").fetchall()[:20]"))
    nb = {"cells": nbcells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    Path(target).write_text(json.dumps(nb, indent=1))


def med(xs):
    return statistics.median(xs)


def main():
    print(f"DuckDB Python {duckdb.__version__}; {RUNS} runs each, medians")
    print("\n1. SQL path of `smallfry run` vs the DuckDB Python package (same queries, same lake)")
    worst = 0
    for name in NOTEBOOKS:
        path = WS / "notebooks" / name
        ours(path); peer_sql(path)  # warm the file cache for both
        o = med([ours(path)[0] for _ in range(RUNS)])
        p = med([peer_sql(path) for _ in range(RUNS)])
        worst = max(worst, o / p)
        print(f"  {name:40s} ours {o*1000:7.1f} ms   duckdb-python {p*1000:7.1f} ms   ratio {o/p:.2f}")
    print(f"  worst ratio ours/peer: {worst:.2f} (goal <= 1.05)")
    print("   the engines alone, same script in both (duckdb-go as Smallfry links it vs DuckDB Python):")
    for name in NOTEBOOKS:
        go, py = engines(WS / "notebooks" / name)
        print(f"  {name:40s} duckdb-go {go*1000:7.1f} ms   duckdb-python {py*1000:7.1f} ms   ratio {go/py:.2f}")

    print("\n2. `smallfry run` vs papermill on the equivalent Python+duckdb notebook (wall time)")
    path = WS / "notebooks" / "sales-by-brand-and-country.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        pm_in, pm_out, our_out = f"{tmp}/pm.ipynb", f"{tmp}/pm-out.ipynb", f"{tmp}/ours.ipynb"
        papermill_notebook(path, pm_in)
        pm = [sys.executable, "-m", "papermill", "--log-level", "ERROR", "-k", "python3", pm_in, pm_out]
        subprocess.run(pm, check=True, capture_output=True)
        o = med([ours(path, our_out)[1] for _ in range(RUNS)])
        walls = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            subprocess.run(pm, check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
        p = med(walls)
        print(f"  smallfry run {o*1000:7.1f} ms   papermill {p*1000:7.1f} ms   speed-up {p/o:.1f}x (goal >= 5x)")

    print("\n3. JSON scan of the raw events, duckdb-go vs DuckDB Python (same statement, whole-process CPU)")
    events = WS / "lake" / "raw" / "events"
    size = sum(f.stat().st_size for f in events.rglob("*.jsonl"))
    scan = [f"CREATE TABLE ev AS SELECT * FROM read_json_auto('{events}/**/*.jsonl')", "SELECT count(*) FROM ev"]
    (gw, gc), (pw, pc) = run_script(scan)
    print(f"  read_json_auto of {size / 1e6:.1f} MB of JSON lines into a table")
    print(f"  CPU   duckdb-go {gc*1000:7.1f} ms   duckdb-python {pc*1000:7.1f} ms   ratio {gc/pc:.2f}")
    print(f"  wall  duckdb-go {gw*1000:7.1f} ms   duckdb-python {pw*1000:7.1f} ms   ratio {gw/pw:.2f}")


main()
