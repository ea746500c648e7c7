"""Smallfry's DAG factory: one Airflow DAG per notebook published from Smallfry.

An admin copies this one file into the DAG folder (or the root of a DAG
bundle) once; `smallfry publish` then writes, beside it,

    smallfry/specs/<dag_id>.json          what to run, when, with which parameters
    smallfry/snapshots/<sha256>.ipynb     the notebook as published

(SMALLFRY_SPECS_ROOT moves the `smallfry` folder). Every spec is checked here
before it becomes a DAG: a spec that fails a check becomes a paused
placeholder DAG whose description and only task name the field, so one bad
spec never hides the others (an exception escaping this module would hide
every DAG of the file, a bad cron too: Airflow checks it only after the
module loaded). Each task runs `smallfry run` on the snapshot, by argv and
never through a shell or a template, so nothing a user typed is parsed by
bash or rendered by Jinja. See docs/airflow.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from airflow.sdk import DAG, BaseOperator, CronTriggerTimetable
from airflow.sdk.exceptions import AirflowException, AirflowFailException

SPEC_VERSION = 1
SENTINEL_DAG_ID = "smallfry__sentinel"
TAG = "smallfry"
NOTEBOOK_TAG = "smallfry:notebook"
BROKEN_TAG = "smallfry:broken"
TASK_ID = "run_notebook"
BROKEN_TASK_ID = "broken_spec"
# The variable the task hands the parameters in (`smallfry run --params-env`).
PARAMETERS_ENV = "SMALLFRY_PARAMETERS"

DAG_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
SNAPSHOT_RE = re.compile(r"^snapshots/([0-9a-f]{64})\.ipynb$")
CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
MAX_SPEC_BYTES = 1 << 20
MAX_RETRIES = 10
MAX_RETRY_DELAY_SECONDS = 24 * 3600
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
# Airflow's supervisor escalates SIGINT to SIGTERM to SIGKILL 5 s apart: the
# notebook's process group gets TERM, and KILL before that deadline.
KILL_GRACE_SECONDS = 3.0
WEBHOOK_TIMEOUT_SECONDS = 10
# Environment the notebook's process does not inherit from the worker: the
# worker's Airflow configuration (JWT secret, Fernet key, database URL) and
# connections and variables given as environment. AIRFLOW_CTX_* is set anew.
_PRIVATE_ENV_PREFIXES = ("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "AIRFLOW_CTX_")

log = logging.getLogger(__name__)


class SpecError(ValueError):
    """A spec that cannot become a DAG; the message names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Spec:
    """A checked spec (version 1): everything the DAG and its task need."""

    dag_id: str
    title: str
    notebook: str
    snapshot_path: Path
    schedule: str | None
    timezone: str
    start_date: dt.datetime
    parameters: dict[str, str]
    owner: str
    webhook_variable: str | None
    email: list[str]
    retries: int
    retry_delay_seconds: int
    timeout_seconds: int
    outputs: str
    published_at: str = ""
    published_by: str = ""


# --- checking a spec ---------------------------------------------------------


def specs_root() -> Path:
    """The folder holding specs/ and snapshots/."""
    root = os.environ.get("SMALLFRY_SPECS_ROOT")
    return Path(root) if root else Path(__file__).resolve().parent / "smallfry"


def _require(doc: dict, name: str, kinds: type | tuple[type, ...], what: str):
    if name not in doc:
        raise SpecError(name, "missing")
    value = doc[name]
    # JSON true/false are Python bools, which are also ints: refuse them as numbers.
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise SpecError(name, f"must be {what}, not a boolean")
    if not isinstance(value, kinds):
        raise SpecError(name, f"must be {what}")
    return value


def _optional_str(doc: dict, name: str, default: str) -> str:
    value = doc.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise SpecError(name, "must be a string")
    return value


def _int_in(doc: dict, name: str, low: int, high: int, unit: str = "") -> int:
    value = _require(doc, name, int, "an integer")
    if not low <= value <= high:
        raise SpecError(name, f"must be between {low} and {high}{unit}, not {value}")
    return value


def check_cron(expression: str, timezone: str) -> str:
    """The 5-field cron expression (presets resolved); SpecError if it is bad."""
    from croniter import croniter

    cron = CRON_PRESETS.get(expression.strip(), expression.strip())
    if len(cron.split()) != 5:
        raise SpecError("schedule", f"{expression!r} is not a 5-field cron expression")
    try:
        # A cron that never fires (30 February) only fails when asked for a time.
        croniter(cron, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)).get_next(dt.datetime)
    except Exception as e:  # croniter's errors have no common base
        raise SpecError("schedule", f"{expression!r} is not a valid cron expression ({e})") from None
    return cron


def check_timezone(name: str) -> None:
    import pendulum

    try:
        pendulum.timezone(name)
    except Exception:
        raise SpecError("timezone", f"unknown time zone {name!r}") from None


def parse_start_date(text: str) -> dt.datetime:
    try:
        # Python 3.11's fromisoformat takes ISO 8601, "Z" included.
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SpecError("start_date", f"{text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise SpecError("start_date", f"{text!r} has no time zone (end it with Z or +HH:MM)")
    return value


def check_snapshot(rel: str, root: Path) -> Path:
    match = SNAPSHOT_RE.match(rel)
    if not match:
        raise SpecError("snapshot", f"{rel!r} is not snapshots/<sha256 in lower-case hex>.ipynb")
    path = root / rel
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise SpecError("snapshot", f"{rel} is missing") from None
    except OSError as e:
        raise SpecError("snapshot", f"{rel} cannot be read ({e.strerror})") from None
    if digest.hexdigest() != match.group(1):
        raise SpecError("snapshot", f"{rel} does not match its name (sha256 {digest.hexdigest()})")
    return path


def check_outputs(value: str) -> str:
    value = value.strip()
    if not value:
        raise SpecError("outputs", "is empty")
    if value.startswith("s3://"):
        if len(value) <= len("s3://") or value[len("s3://") :].startswith("/"):
            raise SpecError("outputs", f"{value!r} names no bucket")
    elif not os.path.isabs(value):
        # The worker's current folder is nobody's choice: a relative
        # folder would land wherever the worker happens to run.
        raise SpecError("outputs", f"{value!r} is neither an absolute folder nor s3://bucket/prefix")
    return value.rstrip("/") if value.rstrip("/") else value


def check_notify(value) -> tuple[str | None, list[str]]:
    if value is None:
        return None, []
    if not isinstance(value, dict):
        raise SpecError("notify", "must be an object")
    webhook = value.get("webhook_variable")
    if webhook is not None and (not isinstance(webhook, str) or not webhook.strip()):
        raise SpecError("notify.webhook_variable", "must be a non-empty string (an Airflow Variable's key)")
    email = value.get("email", [])
    if email is None:
        email = []
    if isinstance(email, str):
        email = [email]
    if not isinstance(email, list) or not all(isinstance(a, str) and "@" in a for a in email):
        raise SpecError("notify.email", "must be a list of e-mail addresses")
    return webhook, list(email)


def parse_spec(doc, stem: str, root: Path) -> Spec:
    """Checks a decoded spec named `stem`.json; raises SpecError naming the field."""
    if not isinstance(doc, dict):
        raise SpecError("spec", "must be a JSON object")
    version = doc.get("version")
    if version != SPEC_VERSION or isinstance(version, bool):
        raise SpecError("version", f"must be {SPEC_VERSION}, not {version!r}")
    dag_id = _require(doc, "dag_id", str, "a string")
    if not DAG_ID_RE.match(dag_id):
        raise SpecError("dag_id", f"{dag_id!r} must be 1 to 200 of A-Z a-z 0-9 _ . -")
    if dag_id != stem:
        raise SpecError("dag_id", f"{dag_id!r} does not match the file name {stem}.json")
    timezone = _require(doc, "timezone", str, "a string (an IANA time zone)")
    check_timezone(timezone)
    if "schedule" not in doc:
        raise SpecError("schedule", "missing (null for manual runs only)")
    schedule = doc["schedule"]
    if schedule is not None:
        if not isinstance(schedule, str):
            raise SpecError("schedule", "must be a cron expression or null")
        schedule = check_cron(schedule, timezone)
    start_date = parse_start_date(_require(doc, "start_date", str, "an ISO 8601 string"))
    snapshot_path = check_snapshot(_require(doc, "snapshot", str, "a string"), root)
    parameters = _require(doc, "parameters", dict, "an object of strings")
    for name, value in parameters.items():
        if not isinstance(value, str):
            raise SpecError(f"parameters.{name}", "must be a string (as typed after -p name=)")
        if not name:
            raise SpecError("parameters", "has an empty name")
    webhook, email = check_notify(doc.get("notify"))
    owner = _optional_str(doc, "owner", "smallfry").strip() or "smallfry"
    return Spec(
        dag_id=dag_id,
        title=_optional_str(doc, "title", dag_id),
        notebook=_optional_str(doc, "notebook", ""),
        snapshot_path=snapshot_path,
        schedule=schedule,
        timezone=timezone,
        start_date=start_date,
        parameters=dict(parameters),
        owner=owner,
        webhook_variable=webhook,
        email=email,
        retries=_int_in(doc, "retries", 0, MAX_RETRIES),
        retry_delay_seconds=_int_in(doc, "retry_delay_seconds", 0, MAX_RETRY_DELAY_SECONDS, " s"),
        timeout_seconds=_int_in(doc, "timeout_seconds", 1, MAX_TIMEOUT_SECONDS, " s"),
        outputs=check_outputs(_require(doc, "outputs", str, "a folder or s3://bucket/prefix")),
        published_at=_optional_str(doc, "published_at", ""),
        published_by=_optional_str(doc, "published_by", ""),
    )


def load_spec(path: Path, root: Path) -> Spec:
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError("spec", f"larger than {MAX_SPEC_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError("spec", "is not UTF-8") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError("spec", f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    return parse_spec(doc, path.stem, root)


# --- running a notebook ------------------------------------------------------


class NotebookRunError(AirflowException):
    """`smallfry run` exited non-zero; the message carries its last error line."""


def smallfry_binary() -> str:
    found = os.environ.get("SMALLFRY_BIN") or shutil.which("smallfry")
    if not found:
        # Not retried: no retry finds a binary that is not installed.
        raise AirflowFailException(
            "smallfry is not installed on this worker (put it on PATH or set SMALLFRY_BIN)"
        )
    return found


def notebook_argv(binary: str, spec: Spec) -> list[str]:
    return [
        binary,
        "run",
        str(spec.snapshot_path),
        "--scheduled",
        "--params-env",
        PARAMETERS_ENV,
        "--record-to",
        f"{spec.outputs}/{spec.dag_id}",
        "--timeout",
        f"{spec.timeout_seconds}s",
    ]


def notebook_env(spec: Spec, context, base: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(_PRIVATE_ENV_PREFIXES)
    }
    dag_run = context.get("dag_run")
    ti = context.get("ti")
    logical = context.get("logical_date")
    env[PARAMETERS_ENV] = json.dumps(spec.parameters, ensure_ascii=False)
    env["AIRFLOW_CTX_DAG_ID"] = spec.dag_id
    env["AIRFLOW_CTX_DAG_RUN_ID"] = str(getattr(dag_run, "run_id", "") or context.get("run_id") or "")
    env["AIRFLOW_CTX_TRY_NUMBER"] = str(getattr(ti, "try_number", "") or "")
    # Manual runs in Airflow 3 may have no logical date.
    env["AIRFLOW_CTX_LOGICAL_DATE"] = logical.isoformat() if logical is not None else ""
    return env


def kill_group(proc: subprocess.Popen, grace: float = KILL_GRACE_SECONDS) -> None:
    """TERM to the child's process group, then KILL after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if sig == signal.SIGTERM:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; what it started may linger in the group.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
    proc.wait()


def run_notebook(argv: list[str], env: dict[str, str], logger, started=None) -> None:
    """Runs argv in a process group of its own, its output line by line into
    `logger`; raises NotebookRunError on a non-zero exit. The group is killed
    when this returns by an exception (Airflow's timeout, SIGINT).
    `started(proc)` gets the child once it runs (for on_kill)."""
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own group, so one signal reaches smallfry and the kernels it started.
            process_group=0,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
    except OSError as e:
        raise AirflowFailException(f"cannot start {argv[0]}: {e.strerror}") from None
    if started is not None:
        started(proc)
    last_error = ""
    done = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            logger.info("%s", line)
            if line.startswith("error:"):
                last_error = line[len("error:") :].strip()
        code = proc.wait()
        done = True
    finally:
        if not done:
            kill_group(proc)
        elif proc.poll() is not None:
            # The leader exited; a kernel it left behind must not outlive the task.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    if code != 0:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise NotebookRunError(f"smallfry run {how}" + (f": {last_error}" if last_error else ""))


class SmallfryNotebookOperator(BaseOperator):
    """Runs one published notebook with `smallfry run`."""

    # Nothing here is a template: the spec's values are a user's text.
    template_fields = ()
    ui_color = "#e8f4ea"

    def __init__(self, *, spec: Spec, **kwargs):
        super().__init__(**kwargs)
        self._spec = spec
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def execute(self, context):
        argv = notebook_argv(smallfry_binary(), self._spec)
        self.log.info("running %s", " ".join(argv[:3]))
        run_notebook(argv, notebook_env(self._spec, context), self.log, started=self._started)

    def _started(self, proc):
        with self._lock:
            self._child = proc

    def on_kill(self):
        # Airflow calls this on SIGTERM (mark failed, shutdown) and on its timeout.
        with self._lock:
            proc = self._child
        if proc is not None and proc.poll() is None:
            self.log.info("stopping smallfry run (process group %d)", proc.pid)
            kill_group(proc)


class BrokenSpecOperator(BaseOperator):
    template_fields = ()
    ui_color = "#f8d7da"

    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self._message = message

    def execute(self, context):
        raise AirflowFailException(f"broken spec: {self._message}")


# --- notifications -----------------------------------------------------------


def notify_failure(spec: Spec, context) -> None:
    """on_failure_callback (the last try failed): the webhook, then e-mail.
    Never raises: a notification problem must not change the task's state."""
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    error = context.get("exception")
    info = {
        "dag_id": spec.dag_id,
        "run_id": str(getattr(dag_run, "run_id", "") or context.get("run_id") or ""),
        "try_number": getattr(ti, "try_number", None),
        "notebook": spec.notebook,
        "error": str(error) if error is not None else "",
    }
    text = f"Smallfry: scheduled run of {spec.title} ({spec.notebook}) failed: {info['error'] or 'no error message'} (run {info['run_id']})"
    if spec.webhook_variable:
        try:
            from airflow.sdk import Variable

            url = Variable.get(spec.webhook_variable, default=None)
            if url:
                post_webhook(url, {"text": text, "smallfry": info})
            else:
                log.warning("notification: Variable %s is not set", spec.webhook_variable)
        except Exception as e:
            log.warning("notification: webhook failed (%s)", type(e).__name__)
    if spec.email:
        try:
            send_failure_email(spec.email, f"Smallfry: {spec.title} failed", text)
        except Exception as e:
            log.warning("notification: e-mail failed (%s: %s)", type(e).__name__, e)


def post_webhook(url: str, payload: dict, timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> bool:
    """POSTs Slack-compatible JSON; True on a 2xx. Never raises, never logs the URL."""
    import urllib.error
    import urllib.request

    try:
        from airflow.sdk.log import mask_secret

        mask_secret(url)
    except Exception:
        pass
    if not url.startswith(("https://", "http://")):
        log.warning("notification: the webhook Variable does not hold an http(s) URL")
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300
    except urllib.error.HTTPError as e:
        log.warning("notification: webhook answered %d", e.code)
    except Exception as e:
        # Only the kind: a URLError's text may hold the host name.
        log.warning("notification: webhook failed (%s)", type(e).__name__)
    return False


def send_failure_email(to: list[str], subject: str, text: str) -> None:
    """Through the SMTP provider's hook and the smtp_default connection; the
    body is escaped, never rendered as a template. The sender is the
    connection's from_email extra, else Airflow's [email] from_email."""
    import html

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    sender = None
    try:
        from airflow.sdk.configuration import conf

        sender = conf.get("email", "from_email", fallback=None)
    except Exception:
        pass
    with SmtpHook(smtp_conn_id="smtp_default") as hook:
        hook.send_email_smtp(
            to=to,
            subject=subject,
            html_content=f"<pre>{html.escape(text)}</pre>",
            from_email=hook.from_email or sender,
        )


# --- building the DAGs -------------------------------------------------------


def _doc_md(spec: Spec) -> str:
    lines = [
        f"### {spec.title}",
        "",
        f"Notebook `{spec.notebook}`, published by {spec.published_by or 'unknown'} at {spec.published_at or 'unknown'}.",
        "",
        f"Schedule: `{spec.schedule}` ({spec.timezone})" if spec.schedule else "Schedule: manual runs only",
        "",
        "| parameter | value |",
        "| --- | --- |",
    ]
    for name, value in sorted(spec.parameters.items()):
        lines.append(f"| `{name}` | `{value}` |".replace("\n", " "))
    if not spec.parameters:
        lines.append("| (none) | |")
    # It never ends with ".md": Airflow would read such a doc_md as a file name.
    lines += ["", f"Outputs: `{spec.outputs}/{spec.dag_id}`", "", "Made by Smallfry's DAG factory."]
    return "\n".join(lines)


def build_notebook_dag(spec: Spec) -> DAG:
    schedule = CronTriggerTimetable(spec.schedule, timezone=spec.timezone) if spec.schedule else None
    dag = DAG(
        dag_id=spec.dag_id,
        description=f"smallfry: {spec.title} ({spec.notebook})",
        schedule=schedule,
        start_date=spec.start_date,
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=True,
        tags={TAG, NOTEBOOK_TAG},
        doc_md=_doc_md(spec),
        default_args={"owner": spec.owner},
        auto_register=False,
    )
    SmallfryNotebookOperator(
        task_id=TASK_ID,
        spec=spec,
        dag=dag,
        owner=spec.owner,
        retries=spec.retries,
        retry_delay=dt.timedelta(seconds=spec.retry_delay_seconds),
        execution_timeout=dt.timedelta(seconds=spec.timeout_seconds),
        on_failure_callback=functools.partial(notify_failure, spec),
    )
    return dag


def broken_dag_id(stem: str) -> str:
    if DAG_ID_RE.match(stem):
        return stem
    clean = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:160]
    # Two odd names that clean up alike stay apart.
    return f"smallfry_broken_{clean}_{hashlib.sha256(stem.encode()).hexdigest()[:8]}"


def build_broken_dag(dag_id: str, message: str) -> DAG:
    dag = DAG(
        dag_id=dag_id,
        description=f"broken spec: {message}"[:1000],
        schedule=None,
        start_date=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
        catchup=False,
        is_paused_upon_creation=True,
        tags={TAG, BROKEN_TAG},
        doc_md=f"This spec could not become a DAG:\n\n    {message}\n\nPublish the notebook again from Smallfry.",
        auto_register=False,
    )
    BrokenSpecOperator(task_id=BROKEN_TASK_ID, message=message, dag=dag, retries=0)
    return dag


def build_sentinel(root: Path, good: int, broken: int) -> DAG:
    return DAG(
        dag_id=SENTINEL_DAG_ID,
        description=f"Smallfry's DAG factory (specs in {root}): {good} notebooks, {broken} broken specs",
        schedule=None,
        start_date=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
        catchup=False,
        is_paused_upon_creation=True,
        tags={TAG},
        doc_md="Present while the factory loads, so Smallfry can find this file's `file_token` and ask Airflow to parse it again.",
        auto_register=False,
    )


def spec_files(root: Path) -> list[Path]:
    folder = root / "specs"
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    # Names starting with "." are a writer's temp files, renamed when whole.
    return [folder / n for n in names if n.endswith(".json") and not n.startswith(".") and (folder / n).is_file()]


def build_all(root: Path | None = None) -> dict[str, DAG]:
    """Every DAG of the specs under root, the sentinel included. A failure in
    one spec becomes that spec's placeholder and touches no other."""
    root = specs_root() if root is None else root
    dags: dict[str, DAG] = {}
    good = broken = 0
    for path in spec_files(root):
        stem = path.stem
        try:
            try:
                dag = build_notebook_dag(load_spec(path, root))
                good += 1
            except SpecError as e:
                dag = build_broken_dag(broken_dag_id(stem), str(e))
                broken += 1
            except Exception as e:
                log.exception("smallfry: spec %s", path.name)
                dag = build_broken_dag(broken_dag_id(stem), f"spec: cannot be loaded ({type(e).__name__}: {e})")
                broken += 1
            dags[dag.dag_id] = dag
        except Exception:
            # Even a placeholder failed: leave this one out, keep the rest.
            log.exception("smallfry: spec %s left out", path.name)
    dags[SENTINEL_DAG_ID] = build_sentinel(root, good, broken)
    return dags


# Airflow collects the DAGs it finds in this module's globals.
for _dag_id, _dag in build_all().items():
    globals()[f"dag_{re.sub(r'[^0-9A-Za-z_]', '_', _dag_id)}_{hashlib.sha256(_dag_id.encode()).hexdigest()[:6]}"] = _dag
del _dag_id, _dag
