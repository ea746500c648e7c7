# Smallfry's start-up file for IPython kernels: IPython runs it before the
# first cell (Smallfry points IPYTHONDIR at the session's scratch folder).
# It makes the `smallfry` module that hands tables between SQL and Python:
#
#   - a SQL cell's named result `sales` is a pandas DataFrame `sales` in the
#     Python cells that mention it (Smallfry writes it as Parquet before the
#     cell runs; this file loads it);
#   - smallfry.table("name", df) makes df queryable as `name` in later SQL
#     cells (written as Parquet, which Smallfry loads into DuckDB).
#
# When Smallfry holds AWS keys for the session (SMALLFRY_AWS_CREDENTIALS is
# "endpoint"), it also serves them to boto3 and other AWS SDKs in this kernel;
# see _smallfry_credentials below.
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


def _smallfry_credentials(kernel):
    """Serve Smallfry's temporary AWS keys to the AWS SDKs in this kernel.

    The SDKs' container credential provider (botocore's, and the AWS C++
    SDK's under pyarrow) reads AWS_CONTAINER_CREDENTIALS_FULL_URI with the
    AWS_CONTAINER_AUTHORIZATION_TOKEN header, and refreshes by itself before
    the keys expire. botocore takes plain http only from a loopback address,
    and a kernel in a container cannot reach the app's, so the endpoint is
    served here, on the kernel's own 127.0.0.1, for local and Docker kernels
    alike. The keys live in this process's memory only: Smallfry pushes them
    with a "smallfry_credentials" message on the control channel (handled on
    ipykernel's control thread, so it arrives while a cell runs, which a comm
    message on the shell channel would not), and when the endpoint is asked
    while it has none or they are about to expire, it asks Smallfry for fresh
    ones with a "smallfry_credentials_request" message on IOPub.

    pyarrow.fs.S3FileSystem needs nothing of its own: the AWS C++ SDK's
    default chain reads this endpoint too (tested with pyarrow 25 and 26),
    and reads it again when its keys are about to expire.
    """
    import datetime as _dt
    import hmac as _hmac
    import http.server as _http
    import json as _json
    import os as _os
    import secrets as _secrets
    import threading as _threading
    import time as _time

    # Whatever would win over the endpoint in the SDKs' default chains goes:
    # keys, profiles and role settings inherited from the app's environment,
    # and the shared credentials file (long-lived keys). ~/.aws/config, with
    # regions and endpoints, stays: a [default] profile there that names keys,
    # a role or SSO still comes first.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"):
        _os.environ.pop(name, None)
    _os.environ["AWS_SHARED_CREDENTIALS_FILE"] = _os.devnull

    # botocore re-reads the endpoint from 15 minutes before expiry (its
    # advisory window) and reads it with a 2 s timeout, 3 tries 1 s apart:
    # keys with less left than that are refreshed from Smallfry, and one
    # request waits for Smallfry's answer for less than botocore's timeout,
    # the next try finding what arrived meanwhile.
    refresh_before = 15 * 60
    usable_for = 60  # keys with less left are not handed out at all
    wait = 1.5
    reask_after = 10  # an unanswered request to Smallfry is sent again

    cond = _threading.Condition()
    state = {"keys": None, "expires": None, "error": None, "pushes": 0, "asked": None}

    def remaining():
        if state["expires"] is None:
            return -1
        return (state["expires"] - _dt.datetime.now(_dt.timezone.utc)).total_seconds()

    def parse_time(s):
        t = _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        if t.tzinfo is None:
            raise ValueError("Expiration has no time zone")
        return t

    def on_push(stream, idents, msg):
        # ipykernel's control thread; (stream, idents, msg) as dispatch_control
        # calls control handlers.
        content = msg.get("content") or {}
        reply = {"status": "ok"}
        try:
            with cond:
                if content.get("error"):
                    state["error"] = str(content["error"])
                else:
                    keys = {f: content[f] for f in ("AccessKeyId", "SecretAccessKey", "Token")}
                    if not all(isinstance(v, str) for v in keys.values()):
                        raise ValueError("AccessKeyId, SecretAccessKey and Token must be strings")
                    state["expires"] = parse_time(content["Expiration"])
                    state["keys"] = dict(keys, Expiration=content["Expiration"])
                    state["error"] = None
                state["pushes"] += 1
                state["asked"] = None
                cond.notify_all()
        except Exception as e:  # a reply names the problem, never the values
            reply = {"status": "error", "ename": type(e).__name__, "evalue": "bad smallfry_credentials message"}
        kernel.session.send(stream, "smallfry_credentials_reply", reply, parent=msg, ident=idents)

    def ask():
        # From an HTTP thread: iopub_socket hands sends to ipykernel's IOPub
        # thread, as print() from any thread does.
        topic = kernel._topic("smallfry_credentials_request") if hasattr(kernel, "_topic") else None
        kernel.session.send(kernel.iopub_socket, "smallfry_credentials_request", {}, ident=topic)

    def answer():
        with cond:
            if state["keys"] is not None and remaining() > refresh_before:
                return 200, state["keys"]
            now = _time.monotonic()
            if state["asked"] is None or now - state["asked"] > reask_after:
                state["asked"] = now
                ask()
            seen = state["pushes"]
            cond.wait_for(lambda: state["pushes"] != seen, timeout=wait)
            if state["keys"] is not None and remaining() > usable_for:
                return 200, state["keys"]
            if state["error"] is not None:
                return 500, {"Code": "CredentialsUnavailable", "Message": state["error"]}
            if state["keys"] is not None:
                return 503, {"Code": "CredentialsUnavailable",
                             "Message": f"the AWS keys Smallfry sent expire at {state['keys']['Expiration']} "
                                        "and it has sent no fresh ones (asked for them: try again)"}
            return 503, {"Code": "CredentialsUnavailable",
                         "Message": "Smallfry has not sent AWS keys yet (asked for them: try again)"}

    # The token only proves a caller is in this kernel (or was given it): it
    # is a random value made here, per kernel, not an AWS key, and is what
    # user code sees in os.environ; the keys never enter the environment.
    token = _secrets.token_urlsafe(32)
    path = "/smallfry/credentials"

    class Handler(_http.BaseHTTPRequestHandler):
        def do_GET(self):
            given = self.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
            if not _hmac.compare_digest(given, token.encode()):
                return self.reply(403, {"Code": "AccessDenied", "Message": "wrong or missing Authorization token"})
            if self.path != path:
                return self.reply(404, {"Code": "NotFound", "Message": "no such path"})
            self.reply(*answer())

        def reply(self, code, body):
            data = _json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass  # no request lines on the kernel's stderr

    server = _http.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    _threading.Thread(target=server.serve_forever, name="smallfry-credentials", daemon=True).start()
    kernel.control_handlers["smallfry_credentials"] = on_push
    _os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = f"http://127.0.0.1:{server.server_address[1]}{path}"
    _os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token

    def status():
        """What the endpoint holds, without the keys: for tests and support."""
        with cond:
            keys = state["keys"]
            return {"pushes": state["pushes"], "error": state["error"],
                    "expiration": keys["Expiration"] if keys else None}

    return status


_sys.modules["smallfry"] = _smallfry_module()
get_ipython().events.register("pre_run_cell", _sys.modules["smallfry"]._load)  # noqa: F821
if __import__("os").environ.pop("SMALLFRY_AWS_CREDENTIALS", "") == "endpoint":
    _sys.modules["smallfry"]._credentials_status = _smallfry_credentials(get_ipython().kernel)  # noqa: F821
del _smallfry_module, _smallfry_credentials, _sys
