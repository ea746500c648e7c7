# Smallfry's start-up file for IPython kernels: IPython runs it before the
# first cell (Smallfry points IPYTHONDIR at the session's scratch folder).
# It makes the `smallfry` module that hands tables between SQL and Python:
#
#   - a SQL cell's named result `sales` is a pandas DataFrame `sales` in the
#     Python cells that mention it (Smallfry writes it as Parquet before the
#     cell runs; this file loads it);
#   - smallfry.table("name", df) makes df queryable as `name` in later SQL
#     cells (written as Parquet, which Smallfry loads into DuckDB).
import sys as _sys


def _smallfry_module():
    # Imports stay local: the names this file defines at top level land in
    # the user's namespace, and are deleted at the end.
    import json as _json
    import os as _os
    import re as _re
    import types as _types

    scratch = _os.environ["SMALLFRY_SCRATCH"]
    to_python = _os.path.join(scratch, "sql")
    from_python = _os.path.join(scratch, "py")
    _os.makedirs(from_python, exist_ok=True)
    valid = _re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    loaded = {}

    mod = _types.ModuleType("smallfry", "Hand tables between Smallfry's SQL and Python cells.")

    def table(name, df):
        """Make the DataFrame df queryable as `name` in later SQL cells.

        The index is not kept: call df.reset_index() first to keep it."""
        if not isinstance(name, str) or not valid.match(name):
            raise ValueError(f"smallfry.table: {name!r} is not a valid table name "
                             "(letters, digits and _, not starting with a digit)")
        import pandas as pd
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"smallfry.table: expected a pandas DataFrame, got {type(df).__name__}")
        tmp = _os.path.join(from_python, f".{name}.parquet.tmp")
        df.to_parquet(tmp, index=False, engine="pyarrow")
        _os.replace(tmp, _os.path.join(from_python, f"{name}.parquet"))

    def _load(*_args):
        try:
            with open(_os.path.join(to_python, "manifest.json")) as f:
                manifest = _json.load(f)
        except FileNotFoundError:
            return
        ip = get_ipython()  # noqa: F821 (IPython's builtin)
        for name, entry in manifest.items():
            if loaded.get(name) != entry["version"]:
                import pandas as pd
                ip.user_ns[name] = pd.read_parquet(entry["path"], engine="pyarrow")
                loaded[name] = entry["version"]

    mod.table = table
    mod._load = _load
    return mod


_sys.modules["smallfry"] = _smallfry_module()
get_ipython().events.register("pre_run_cell", _sys.modules["smallfry"]._load)  # noqa: F821
del _smallfry_module, _sys
