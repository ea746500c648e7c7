"""Unit tests of the DAG factory (assets/airflow/smallfry_dags.py) with the
real Airflow 3 package: specs in a temp folder, loaded by Airflow's own
DagBag or by the factory's functions, and the task's callable running stub
`smallfry` scripts. Run with the Airflow venv's python (`make test-airflow`);
scripts/airflow/test_server.py checks a running server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import socketserver
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

# Airflow reads its configuration when first imported: a throwaway home.
_HOME = tempfile.mkdtemp(prefix="smallfry-airflow-test-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = os.path.join(_HOME, "dags")
os.environ.pop("SMALLFRY_SPECS_ROOT", None)

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FACTORY = REPO / "assets" / "airflow" / "smallfry_dags.py"


def _load_factory():
    spec = importlib.util.spec_from_file_location("smallfry_dags", FACTORY)
    module = importlib.util.module_from_spec(spec)
    sys.modules["smallfry_dags"] = module
    spec.loader.exec_module(module)
    return module


f = _load_factory()

NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


# --- helpers -----------------------------------------------------------------


class Specs:
    """A specs root (specs/ and snapshots/) in a temp folder."""

    def __init__(self, root: Path):
        self.root = root
        (root / "specs").mkdir(parents=True)
        (root / "snapshots").mkdir()
        self.snapshot = self.add_snapshot(json.dumps(NOTEBOOK).encode())

    def add_snapshot(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (self.root / "snapshots" / f"{digest}.ipynb").write_bytes(data)
        return f"snapshots/{digest}.ipynb"

    def good(self, dag_id: str = "smallfry_sales", **over) -> dict:
        doc = {
            "version": 1,
            "dag_id": dag_id,
            "title": "sales",
            "notebook": "notebooks/sales.ipynb",
            "snapshot": self.snapshot,
            "schedule": "0 3 * * *",
            "timezone": "Europe/Berlin",
            "start_date": "2026-12-02T06:30:00Z",
            "parameters": {"year": "1998", "note": "it's {{ 7 * 7 }} $HOME `id`"},
            "owner": "ana",
            "notify": {"webhook_variable": f"smallfry_webhook__{dag_id}", "email": ["ana@example.com"]},
            "retries": 2,
            "retry_delay_seconds": 300,
            "timeout_seconds": 3600,
            "outputs": "/srv/shared/smallfry",
            "published_at": "2026-12-02T06:30:00Z",
            "published_by": "ana",
        }
        doc.update(over)
        return doc

    def write(self, name: str, doc) -> Path:
        path = self.root / "specs" / name
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
        return path


@pytest.fixture
def specs(tmp_path):
    return Specs(tmp_path / "smallfry")


def context(run_id="scheduled__2026-12-03T02:00:00+00:00", try_number=1, logical=None):
    class Obj:
        pass

    dag_run, ti = Obj(), Obj()
    dag_run.run_id = run_id
    ti.try_number = try_number
    return {"dag_run": dag_run, "ti": ti, "run_id": run_id, "logical_date": logical}


def task_of(dag):
    (task,) = dag.tasks
    return task


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def stub(tmp_path: Path, body: str) -> str:
    """A stand-in `smallfry` (python) that records its argv and environment."""
    path = tmp_path / "smallfry-stub"
    path.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            """\
            import json, os, subprocess, sys, time
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, "called.json"), "w") as fh:
                json.dump({"argv": sys.argv, "env": dict(os.environ)}, fh)
            """
        )
        + textwrap.dedent(body)
    )
    path.chmod(0o755)
    return str(path)


class Lines(logging.Logger):
    def __init__(self):
        super().__init__("lines")
        self.lines: list[str] = []

    def info(self, fmt, *args, **kw):
        self.lines.append(fmt % args if args else fmt)


# --- good specs --------------------------------------------------------------


def test_good_spec_becomes_a_dag(specs):
    from airflow.sdk import CronTriggerTimetable

    specs.write("smallfry_sales.json", specs.good())
    dags = f.build_all(specs.root)
    dag = dags["smallfry_sales"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 3 * * *"
    assert str(dag.timetable.timezone) == "Europe/Berlin"
    assert dag.start_date == dt.datetime(2026, 12, 2, 6, 30, tzinfo=dt.timezone.utc)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.is_paused_upon_creation is True
    assert set(dag.tags) == {"smallfry", "smallfry:notebook"}
    assert dag.description == "smallfry: sales (notebooks/sales.ipynb)"
    assert "notebooks/sales.ipynb" in dag.doc_md and "`year` | `1998`" in dag.doc_md
    task = task_of(dag)
    assert task.task_id == "run_notebook"
    assert task.owner == "ana"
    assert task.retries == 2
    assert task.retry_delay == dt.timedelta(seconds=300)
    assert task.execution_timeout == dt.timedelta(seconds=3600)
    # Nothing of the spec goes through Jinja.
    assert task.template_fields == ()
    # The last failure notifies; retries do not.
    assert task.on_failure_callback and not task.on_retry_callback


def test_timetable_fires_at_the_tick_in_the_spec_time_zone(specs):
    """What the scheduler computes from the serialized DAG: 03:00 in Berlin."""
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.timetables.base import TimeRestriction

    specs.write("smallfry_sales.json", specs.good(start_date="2026-01-10T06:30:00Z"))
    dag = DagSerialization.from_dict(DagSerialization.to_dict(f.build_all(specs.root)["smallfry_sales"]))
    info = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    berlin = info.run_after.in_timezone("Europe/Berlin")
    # The first tick after the publish time (06:30 UTC = 07:30 in Berlin), not a past one.
    assert (berlin.year, berlin.month, berlin.day, berlin.hour, berlin.minute) == (2026, 1, 11, 3, 0)


def test_manual_only_spec_has_no_schedule(specs):
    specs.write("smallfry_sales.json", specs.good(schedule=None))
    dag = f.build_all(specs.root)["smallfry_sales"]
    assert type(dag.timetable).__name__ == "NullTimetable"
    assert "manual runs only" in dag.doc_md


def test_presets_become_cron(specs):
    specs.write("smallfry_sales.json", specs.good(schedule="@daily"))
    assert f.build_all(specs.root)["smallfry_sales"].timetable.expression == "0 0 * * *"


def test_task_argv_and_env(specs, tmp_path):
    spec = f.load_spec(specs.write("smallfry_sales.json", specs.good(outputs="s3://lake/runs/")), specs.root)
    argv = f.notebook_argv("/opt/smallfry", spec)
    assert argv == [
        "/opt/smallfry",
        "run",
        str(specs.root / specs.snapshot),
        "--scheduled",
        "--params-env",
        "SMALLFRY_PARAMETERS",
        "--record-to",
        "s3://lake/runs/smallfry_sales",
        "--timeout",
        "3600s",
    ]
    base = {"PATH": "/usr/bin", "AIRFLOW__API_AUTH__JWT_SECRET": "s", "AIRFLOW_CONN_X": "c", "HOME": "/h"}
    env = f.notebook_env(spec, context(logical=dt.datetime(2026, 12, 3, 2, tzinfo=dt.timezone.utc)), base)
    assert json.loads(env["SMALLFRY_PARAMETERS"]) == spec.parameters
    assert env["AIRFLOW_CTX_DAG_ID"] == "smallfry_sales"
    assert env["AIRFLOW_CTX_DAG_RUN_ID"] == "scheduled__2026-12-03T02:00:00+00:00"
    assert env["AIRFLOW_CTX_TRY_NUMBER"] == "1"
    assert env["AIRFLOW_CTX_LOGICAL_DATE"] == "2026-12-03T02:00:00+00:00"
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/h"
    # The worker's Airflow secrets stay with the worker.
    assert "AIRFLOW__API_AUTH__JWT_SECRET" not in env and "AIRFLOW_CONN_X" not in env
    assert f.notebook_env(spec, context(logical=None), base)["AIRFLOW_CTX_LOGICAL_DATE"] == ""


def test_operator_runs_the_binary_by_argv(specs, tmp_path, monkeypatch):
    binary = stub(tmp_path, "print('ran'); sys.exit(0)\n")
    monkeypatch.setenv("SMALLFRY_BIN", binary)
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", "secret")
    specs.write("smallfry_sales.json", specs.good())
    task = task_of(f.build_all(specs.root)["smallfry_sales"])
    task.execute(context())
    called = json.loads((tmp_path / "called.json").read_text())
    assert called["argv"][1:3] == ["run", str(specs.root / specs.snapshot)]
    # The parameters arrive as typed, `{{ }}`, `$HOME` and backticks included.
    assert json.loads(called["env"]["SMALLFRY_PARAMETERS"])["note"] == "it's {{ 7 * 7 }} $HOME `id`"
    assert "AIRFLOW__CORE__FERNET_KEY" not in called["env"]


def test_missing_binary_fails_the_task_without_retry(specs, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.delenv("SMALLFRY_BIN", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    specs.write("smallfry_sales.json", specs.good())
    with pytest.raises(AirflowFailException, match="not installed"):
        task_of(f.build_all(specs.root)["smallfry_sales"]).execute(context())


# --- broken specs ------------------------------------------------------------

BROKEN = [
    ("not_json", "{not json", "spec:"),
    ("a_list", "[1, 2]", "spec:"),
    ("version", {"version": 2}, "version:"),
    ("dag_id_mismatch", {"dag_id": "other"}, "dag_id:"),
    ("bad_cron", {"schedule": "61 * * * *"}, "schedule:"),
    ("six_fields", {"schedule": "0 0 3 * * *"}, "schedule:"),
    ("never_fires", {"schedule": "0 0 31 2 *"}, "schedule:"),
    ("cron_not_string", {"schedule": 5}, "schedule:"),
    ("no_schedule_key", {"schedule": "DELETE"}, "schedule:"),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}, "timezone:"),
    ("naive_start", {"start_date": "2026-12-02T06:30:00"}, "start_date:"),
    ("bad_start", {"start_date": "tomorrow"}, "start_date:"),
    ("snapshot_missing", {"snapshot": "snapshots/" + "0" * 64 + ".ipynb"}, "snapshot:"),
    ("snapshot_escape", {"snapshot": "../../etc/passwd"}, "snapshot:"),
    ("params_not_object", {"parameters": ["year=1998"]}, "parameters:"),
    ("param_not_string", {"parameters": {"year": 1998}}, "parameters.year:"),
    ("retries_high", {"retries": 11}, "retries:"),
    ("retries_bool", {"retries": True}, "retries:"),
    ("timeout_zero", {"timeout_seconds": 0}, "timeout_seconds:"),
    ("timeout_week", {"timeout_seconds": 7 * 24 * 3600 + 1}, "timeout_seconds:"),
    ("outputs_empty", {"outputs": ""}, "outputs:"),
    ("outputs_relative", {"outputs": "shared/out"}, "outputs:"),
    ("email", {"notify": {"email": ["not an address"]}}, "notify.email:"),
    ("webhook", {"notify": {"webhook_variable": 3}}, "notify.webhook_variable:"),
]


@pytest.mark.parametrize("stem,change,field", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_spec_becomes_a_placeholder(specs, stem, change, field):
    from airflow.sdk.exceptions import AirflowFailException

    if isinstance(change, dict):
        doc = specs.good(stem)
        for key, value in change.items():
            if value == "DELETE":
                del doc[key]
            else:
                doc[key] = value
        specs.write(f"{stem}.json", doc)
    else:
        specs.write(f"{stem}.json", change)
    specs.write("smallfry_sales.json", specs.good())
    dags = f.build_all(specs.root)
    # The good spec beside it is still there.
    assert set(dags) == {stem, "smallfry_sales", f.SENTINEL_DAG_ID}
    dag = dags[stem]
    assert dag.description.startswith(f"broken spec: {field}"), dag.description
    assert set(dag.tags) == {"smallfry", "smallfry:broken"}
    assert dag.is_paused_upon_creation is True
    assert type(dag.timetable).__name__ == "NullTimetable"
    task = task_of(dag)
    with pytest.raises(AirflowFailException) as raised:
        task.execute({})
    assert str(raised.value) == dag.description


def test_snapshot_hash_mismatch(specs):
    rel = specs.add_snapshot(b"{}")
    (specs.root / rel).write_bytes(b'{"changed": true}')
    specs.write("smallfry_sales.json", specs.good(snapshot=rel))
    dag = f.build_all(specs.root)["smallfry_sales"]
    assert dag.description.startswith("broken spec: snapshot:")
    assert "does not match its name" in dag.description


def test_placeholder_id_for_a_file_name_that_is_no_dag_id(specs):
    specs.write("bad name!.json", specs.good("bad name!"))
    dags = f.build_all(specs.root)
    (broken,) = [d for d in dags if d.startswith("smallfry_broken_")]
    assert broken.startswith("smallfry_broken_bad_name_")
    assert f.DAG_ID_RE.match(broken)
    assert dags[broken].description.startswith("broken spec: dag_id:")


def test_temp_files_and_other_names_are_ignored(specs):
    specs.write("smallfry_sales.json", specs.good())
    specs.write(".smallfry_new.json", "{half a fi")
    specs.write(".tmp-123", "{")
    specs.write("smallfry_sales.json.tmp", "{")
    (specs.root / "specs" / "folder.json").mkdir()
    assert set(f.build_all(specs.root)) == {"smallfry_sales", f.SENTINEL_DAG_ID}


def test_sentinel_is_always_there(tmp_path):
    for root in (tmp_path / "missing", tmp_path):
        dags = f.build_all(root)
        assert list(dags) == [f.SENTINEL_DAG_ID]
        sentinel = dags[f.SENTINEL_DAG_ID]
        assert sentinel.is_paused_upon_creation is True
        assert set(sentinel.tags) == {"smallfry"}
        assert type(sentinel.timetable).__name__ == "NullTimetable"


def test_an_exception_in_one_spec_stops_no_other(specs, monkeypatch):
    for name in ("smallfry_a", "smallfry_b", "smallfry_c"):
        specs.write(f"{name}.json", specs.good(name))
    real = f.build_notebook_dag

    def flaky(spec):
        if spec.dag_id == "smallfry_b":
            raise RuntimeError("boom")
        return real(spec)

    monkeypatch.setattr(f, "build_notebook_dag", flaky)
    dags = f.build_all(specs.root)
    assert set(dags) == {"smallfry_a", "smallfry_b", "smallfry_c", f.SENTINEL_DAG_ID}
    assert dags["smallfry_b"].description == "broken spec: spec: cannot be loaded (RuntimeError: boom)"

    # Even when the placeholder cannot be made, the others stay.
    monkeypatch.setattr(f, "build_broken_dag", lambda *a: (_ for _ in ()).throw(MemoryError()))
    assert set(f.build_all(specs.root)) == {"smallfry_a", "smallfry_c", f.SENTINEL_DAG_ID}


# --- through Airflow's DagBag ------------------------------------------------


def dagbag_of(folder: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="test")


def test_dagbag_loads_the_file_with_no_import_error(tmp_path, monkeypatch):
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(FACTORY, dags / "smallfry_dags.py")
    specs = Specs(dags / "smallfry")
    specs.write("smallfry_sales.json", specs.good())
    specs.write("smallfry_cron.json", specs.good("smallfry_cron", schedule="not a cron"))
    specs.write("smallfry_nojson.json", "{")
    bag = dagbag_of(dags)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"smallfry_sales", "smallfry_cron", "smallfry_nojson", f.SENTINEL_DAG_ID}
    assert "schedule:" in bag.dags["smallfry_cron"].description
    # SMALLFRY_SPECS_ROOT moves the specs.
    other = Specs(tmp_path / "elsewhere")
    other.write("smallfry_moved.json", other.good("smallfry_moved"))
    monkeypatch.setenv("SMALLFRY_SPECS_ROOT", str(other.root))
    assert set(dagbag_of(dags).dag_ids) == {"smallfry_moved", f.SENTINEL_DAG_ID}


def test_parse_time_for_100_specs(tmp_path, capsys):
    from airflow.configuration import conf

    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(FACTORY, dags / "smallfry_dags.py")
    specs = Specs(dags / "smallfry")
    # Notebooks of some size, each its own snapshot.
    for i in range(100):
        rel = specs.add_snapshot(json.dumps({**NOTEBOOK, "cells": [{"source": "x" * 20000, "n": i}]}).encode())
        specs.write(f"smallfry_n{i:03d}.json", specs.good(f"smallfry_n{i:03d}", snapshot=rel))
    dagbag_of(dags)  # warm the imports, as the dag-processor's are
    start = time.monotonic()
    bag = dagbag_of(dags)
    took = time.monotonic() - start
    assert bag.import_errors == {} and len(bag.dag_ids) == 101
    limit = conf.getfloat("core", "dagbag_import_timeout")
    with capsys.disabled():
        print(f"\n  parse time, 100 specs: {took:.2f} s (dagbag_import_timeout {limit:.0f} s)")
    assert took < limit / 3


# --- the task's callable -----------------------------------------------------


def test_run_exit_zero_streams_the_output(tmp_path):
    binary = stub(tmp_path, "print('one'); print('two', file=sys.stderr); print('three')\n")
    logger = Lines()
    f.run_notebook([binary], dict(os.environ), logger)
    assert logger.lines == ["one", "two", "three"]


def test_run_non_zero_raises_with_the_last_error_line(tmp_path):
    binary = stub(
        tmp_path,
        """\
        print("error: first", file=sys.stderr)
        print("[3/5] cell: error (1 ms)")
        print("error: cell 3: division by zero", file=sys.stderr)
        sys.exit(1)
        """,
    )
    with pytest.raises(f.NotebookRunError) as raised:
        f.run_notebook([binary], dict(os.environ), Lines())
    assert str(raised.value) == "smallfry run exited with status 1: cell 3: division by zero"


HANGS = """\
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(os.path.join(here, "pids"), "w").write(f"{os.getpid()} {grandchild.pid}")
print("hanging", flush=True)
time.sleep(600)
"""

IGNORES_TERM = """\
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
""" + HANGS


def wait_for_pids(tmp_path):
    for _ in range(200):
        if (tmp_path / "pids").exists() and (tmp_path / "pids").read_text():
            return [int(p) for p in (tmp_path / "pids").read_text().split()]
        time.sleep(0.05)
    raise AssertionError("the stub did not start")


@pytest.mark.parametrize("body", [HANGS, IGNORES_TERM], ids=["hangs", "ignores-SIGTERM"])
def test_on_kill_kills_the_whole_group(specs, tmp_path, monkeypatch, body):
    """What mark-failed does: Airflow's SIGTERM handler calls on_kill."""
    monkeypatch.setenv("SMALLFRY_BIN", stub(tmp_path, body))
    monkeypatch.setattr(f, "KILL_GRACE_SECONDS", 1.0)
    specs.write("smallfry_sales.json", specs.good())
    task = task_of(f.build_all(specs.root)["smallfry_sales"])
    raised = []

    def run():
        try:
            task.execute(context())
        except Exception as e:
            raised.append(e)

    runner = threading.Thread(target=run)
    runner.start()
    pids = wait_for_pids(tmp_path)
    start = time.monotonic()
    task.on_kill()
    runner.join(10)
    assert not runner.is_alive()
    assert time.monotonic() - start < 5, "killed before Airflow's own SIGKILL (5 s)"
    assert raised and "killed by signal" in str(raised[0])
    for _ in range(50):
        if not any(alive(p) for p in pids):
            break
        time.sleep(0.1)
    assert not any(alive(p) for p in pids), "a process of the group outlived the task"


def test_timeout_kills_the_whole_group(tmp_path):
    """Airflow's execution_timeout raises in the task's main thread (SIGALRM)."""

    class Timeout(Exception):
        pass

    def on_alarm(*_):
        raise Timeout()

    binary = stub(tmp_path, HANGS)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(Timeout):
            f.run_notebook([binary], dict(os.environ), Lines())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    for _ in range(50):
        if not any(alive(p) for p in pids):
            break
        time.sleep(0.1)
    assert not any(alive(p) for p in pids)


# --- notifications -----------------------------------------------------------


class Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Hook.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/services/T000/B000/secret-part"
    server.shutdown()
    server.server_close()


def failure_context():
    ctx = context(run_id="scheduled__x", try_number=3)
    ctx["exception"] = f.NotebookRunError("smallfry run exited with status 1: cell 3: division by zero")
    return ctx


def test_failure_posts_to_the_webhook_in_the_variable(specs, webhook, monkeypatch):
    from airflow.sdk import Variable

    asked = []
    monkeypatch.setattr(Variable, "get", lambda key, default=None: asked.append(key) or webhook)
    monkeypatch.setattr(f, "send_failure_email", lambda *a: None)
    spec = f.load_spec(specs.write("smallfry_sales.json", specs.good()), specs.root)
    f.notify_failure(spec, failure_context())
    assert asked == ["smallfry_webhook__smallfry_sales"]
    ((kind, payload),) = Hook.received
    assert kind == "application/json"
    assert "sales" in payload["text"] and "division by zero" in payload["text"]
    assert payload["smallfry"] == {
        "dag_id": "smallfry_sales",
        "run_id": "scheduled__x",
        "try_number": 3,
        "notebook": "notebooks/sales.ipynb",
        "error": "smallfry run exited with status 1: cell 3: division by zero",
    }


def test_a_dead_or_slow_webhook_is_swallowed_and_its_url_never_logged(specs, monkeypatch, caplog):
    from airflow.sdk import Variable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hooks/very-secret-token"
    monkeypatch.setattr(Variable, "get", lambda key, default=None: dead)
    monkeypatch.setattr(f, "send_failure_email", lambda *a: None)
    spec = f.load_spec(specs.write("smallfry_sales.json", specs.good()), specs.root)
    with caplog.at_level(logging.DEBUG):
        f.notify_failure(spec, failure_context())  # does not raise
    assert "webhook failed" in caplog.text
    assert "very-secret-token" not in caplog.text

    # One that accepts and never answers: the timeout ends it.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        start = time.monotonic()
        assert f.post_webhook(f"http://127.0.0.1:{silent.getsockname()[1]}/x", {"text": "t"}, timeout=1) is False
        assert time.monotonic() - start < 5

    # A Variable that is missing, or that cannot be read.
    monkeypatch.setattr(Variable, "get", lambda key, default=None: None)
    f.notify_failure(spec, failure_context())
    monkeypatch.setattr(Variable, "get", lambda key, default=None: (_ for _ in ()).throw(KeyError(key)))
    f.notify_failure(spec, failure_context())


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib's sendmail."""

    mails: list = []

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test")
        mail = {"rcpt": []}
        while line := self.rfile.readline().decode():
            cmd = line.strip().upper()
            if cmd.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif cmd.startswith("MAIL FROM"):
                mail["from"] = line.split(":", 1)[1].strip()
                self.reply("250 ok")
            elif cmd.startswith("RCPT TO"):
                mail["rcpt"].append(line.split(":", 1)[1].strip())
                self.reply("250 ok")
            elif cmd == "DATA":
                self.reply("354 go on")
                data = []
                while (row := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(row)
                mail["data"] = "".join(data)
                SMTPHandler.mails.append(mail)
                mail = {"rcpt": []}
                self.reply("250 queued")
            elif cmd == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def test_failure_sends_mail_through_the_smtp_default_connection(specs, monkeypatch):
    import email

    from airflow.sdk import Variable

    SMTPHandler.mails = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        extra = json.dumps({"disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.com"})
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMTP_DEFAULT",
            json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": server.server_address[1], "extra": extra}),
        )
        monkeypatch.setattr(Variable, "get", lambda key, default=None: None)
        spec = f.load_spec(
            specs.write("smallfry_sales.json", specs.good(notify={"email": ["ana@example.com", "bo@example.com"]})),
            specs.root,
        )
        ctx = failure_context()
        ctx["exception"] = f.NotebookRunError("error: <b>{{ 7*7 }}</b>")
        f.notify_failure(spec, ctx)
        (mail,) = SMTPHandler.mails
        assert mail["from"] == "<airflow@example.com>"
        assert mail["rcpt"] == ["<ana@example.com>", "<bo@example.com>"]
        message = email.message_from_string(mail["data"])
        assert message["Subject"] == "Smallfry: sales failed"
        body = "".join(
            p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/html"
        )
        # Escaped, and not rendered as a template.
        assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in body
    finally:
        server.shutdown()
        server.server_close()


def test_mail_failure_is_swallowed(specs, monkeypatch, caplog):
    from airflow.sdk import Variable

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": 1}))
    monkeypatch.setattr(Variable, "get", lambda key, default=None: None)
    spec = f.load_spec(specs.write("smallfry_sales.json", specs.good()), specs.root)
    with caplog.at_level(logging.WARNING):
        f.notify_failure(spec, failure_context())
    assert "e-mail failed" in caplog.text
