"""Checks the running Airflow of scripts/airflow.sh through its REST API, as
the Go side will use it: sign-in, the factory's sentinel and file_token,
parseDagFile, a spec published by hand appearing paused within seconds, a
broken spec beside it hiding nothing, and a run's task log read back.
Skipped unless SMALLFRY_AIRFLOW_URL is set (`. build/peers/airflow/env`);
required when SMALLFRY_REQUIRE_PEERS=1.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

URL = os.environ.get("SMALLFRY_AIRFLOW_URL", "")
SENTINEL = "smallfry__sentinel"

if not URL:
    if os.environ.get("SMALLFRY_REQUIRE_PEERS") == "1":
        raise RuntimeError("SMALLFRY_AIRFLOW_URL is not set (scripts/airflow.sh start; . build/peers/airflow/env)")
    pytest.skip("no Airflow (SMALLFRY_AIRFLOW_URL is not set)", allow_module_level=True)


def call(method, path, body=None, token=None, ok=(200, 201, 204)):
    """One API call; SQLite answers concurrent writes with 500 "database is
    locked", so a 500 is tried again."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for attempt in range(5):
        request = urllib.request.Request(URL + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            if e.code == 500 and attempt < 4:
                time.sleep(0.5 * (attempt + 1))
                continue
            if e.code in ok:
                return e.code, None
            return e.code, text


@pytest.fixture(scope="module")
def token():
    status, body = call(
        "POST",
        "/auth/token",
        {"username": os.environ["SMALLFRY_AIRFLOW_USER"], "password": os.environ["SMALLFRY_AIRFLOW_PASSWORD"]},
    )
    assert status == 201, body
    return body["access_token"]


def api(method, path, token, body=None):
    status, result = call(method, "/api/v2" + path, body, token)
    assert status in (200, 201, 204), f"{method} {path}: {status} {result}"
    return result


def quoted(text):
    return urllib.parse.quote(text, safe="")


def request_parse(token, file_token):
    """PUT parseDagFile. A 409 means a request for the file is already
    queued (the dag-processor deletes one when it claims it, before parsing),
    so the file will be parsed after this call either way."""
    status, body = call("PUT", f"/api/v2/parseDagFile/{file_token}", token=token)
    assert status in (201, 409), f"parseDagFile: {status} {body}"


def factory_import_errors(token):
    errors = api("GET", "/importErrors?limit=100", token)["import_errors"]
    return [e for e in errors if e["filename"].endswith("smallfry_dags.py")]


def test_sign_in_refuses_a_wrong_password():
    status, _ = call("POST", "/auth/token", {"username": "admin", "password": "wrong"})
    assert status == 401


def test_sentinel_is_listed_with_no_import_error(token):
    dag = api("GET", f"/dags/{SENTINEL}", token)
    assert dag["is_paused"] is True
    assert "smallfry" in [t["name"] for t in dag["tags"]]
    assert dag["file_token"]
    assert factory_import_errors(token) == []
    request_parse(token, dag["file_token"])


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        time.sleep(0.25)


def dag_or_none(token, dag_id):
    status, body = call("GET", f"/api/v2/dags/{dag_id}", token=token)
    return body if status == 200 and not body.get("is_stale") else None


def write_atomic(path: Path, data: bytes):
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}"
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_published_spec_appears_paused_and_a_broken_one_hides_nothing(token):
    root = Path(os.environ["SMALLFRY_AIRFLOW_DAGS"]) / "smallfry"
    suffix = uuid.uuid4().hex[:8]
    good, broken = f"smallfry_test_{suffix}", f"smallfry_test_broken_{suffix}"
    notebook = json.dumps(
        {
            "cells": [{"cell_type": "markdown", "id": "a1", "metadata": {}, "source": "# published by test_server.py"}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ).encode()
    digest = hashlib.sha256(notebook).hexdigest()
    spec = {
        "version": 1,
        "dag_id": good,
        "title": "server test",
        "notebook": "notebooks/server-test.ipynb",
        "snapshot": f"snapshots/{digest}.ipynb",
        "schedule": "0 3 * * *",
        "timezone": "Europe/Berlin",
        "start_date": "2026-01-01T00:00:00Z",
        "parameters": {},
        "owner": "test",
        "notify": {},
        "retries": 0,
        "retry_delay_seconds": 60,
        "timeout_seconds": 120,
        "outputs": os.environ["SMALLFRY_AIRFLOW_OUTPUTS"],
        "published_at": "2026-01-01T00:00:00Z",
        "published_by": "test",
    }
    files = [root / "snapshots" / f"{digest}.ipynb", root / "specs" / f"{good}.json", root / "specs" / f"{broken}.json"]
    file_token = api("GET", f"/dags/{SENTINEL}", token)["file_token"]
    try:
        # Snapshot first, then the spec that names it: the order the Go side writes.
        (root / "snapshots").mkdir(parents=True, exist_ok=True)
        (root / "specs").mkdir(parents=True, exist_ok=True)
        write_atomic(files[0], notebook)
        write_atomic(files[1], json.dumps(spec).encode())
        write_atomic(files[2], json.dumps({**spec, "dag_id": broken, "schedule": "0 3 * *"}).encode())
        start = time.monotonic()
        request_parse(token, file_token)
        dag = wait_for("the published DAG", lambda: dag_or_none(token, good))
        placeholder = wait_for("the broken spec's placeholder", lambda: dag_or_none(token, broken))
        print(f"\n  published DAG listed {time.monotonic() - start:.1f} s after parseDagFile")
        assert dag["is_paused"] is True
        assert {t["name"] for t in dag["tags"]} == {"smallfry", "smallfry:notebook"}
        assert dag["timetable_summary"] == "0 3 * * *"
        assert dag["description"] == "smallfry: server test (notebooks/server-test.ipynb)"
        assert placeholder["is_paused"] is True
        assert {t["name"] for t in placeholder["tags"]} == {"smallfry", "smallfry:broken"}
        assert placeholder["description"].startswith("broken spec: schedule:")
        assert factory_import_errors(token) == []
        # Berlin's 03:00, in UTC.
        assert dag["next_dagrun_run_after"][11:16] in ("01:00", "02:00")

        # A manual run: whatever smallfry makes of it, its task log is read
        # back through the API (the api-server reads it from disk).
        api("PATCH", f"/dags/{good}", token, {"is_paused": False})
        run_id = api("POST", f"/dags/{good}/dagRuns", token, {"logical_date": None})["dag_run_id"]
        run = wait_for(
            "the run to end",
            lambda: (r := api("GET", f"/dags/{good}/dagRuns/{quoted(run_id)}", token))["state"]
            in ("success", "failed")
            and r,
            timeout=120,
        )
        log = api("GET", f"/dags/{good}/dagRuns/{quoted(run_id)}/taskInstances/run_notebook/logs/1", token)
        events = [entry.get("event", "") for entry in log["content"] if isinstance(entry, dict)]
        print(f"  run {run['state']}; its log: {len(events)} lines")
        assert any(e.startswith("running ") and f"{digest}.ipynb" in e for e in events) or any(
            "not installed" in e for e in events
        ), events
    finally:
        for path in files:
            path.unlink(missing_ok=True)
        request_parse(token, file_token)
        # Unpublished specs' DAGs go stale on their own; deleting them keeps
        # the server's list to what other tests published. A parse that read
        # the files before they went could bring one back: delete again.
        for _ in range(2):
            for dag_id in (good, broken):
                call("DELETE", f"/api/v2/dags/{dag_id}", token=token)
            time.sleep(6)
        for dag_id in (good, broken):
            assert call("GET", f"/api/v2/dags/{dag_id}", token=token)[0] == 404
