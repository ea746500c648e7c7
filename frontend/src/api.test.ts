// The api module with fake transports: how errors become ApiErrors, how
// each transport carries calls and events, and how windows decode Arrow.
// The real transports are driven by the browser tests (HTTP) and the
// desktop smoke test (Wails).
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, httpTransport, makeApi, tabId, toApiError, wailsTransport, type Transport } from "./api";

describe("toApiError", () => {
  const cases: { name: string; input: unknown; code: string; message: string }[] = [
    { name: "a {code, message} object, as Wails rejects", input: { code: "not_found", message: "notebook x.ipynb does not exist" }, code: "not_found", message: "notebook x.ipynb does not exist" },
    { name: "JSON text, as the HTTP server answers", input: '{"code":"invalid","message":"line 2: syntax error"}', code: "invalid", message: "line 2: syntax error" },
    { name: "text that is not JSON", input: "connection reset", code: "internal", message: "connection reset" },
    { name: "a plain Error", input: new TypeError("Failed to fetch"), code: "internal", message: "Failed to fetch" },
    { name: "a number", input: 42, code: "internal", message: "42" },
    { name: "undefined", input: undefined, code: "internal", message: "undefined" },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const got = toApiError(c.input);
      expect(got).toBeInstanceOf(ApiError);
      expect(got).toBeInstanceOf(Error);
      expect({ code: got.code, message: got.message }).toEqual({ code: c.code, message: c.message });
    });
  }

  it("passes an ApiError through unchanged", () => {
    const e = new ApiError("conflict", "a notebook named a.ipynb already exists");
    expect(toApiError(e)).toBe(e);
  });
});

describe("wailsTransport", () => {
  function fakeWindow() {
    const listeners = new Map<string, Set<(data: unknown) => void>>();
    const RenameNotebook = vi.fn((...args: unknown[]) => Promise.resolve({ path: String(args[1]) + ".ipynb" }));
    const w = {
      go: { app: { Workbench: { RenameNotebook } } },
      runtime: {
        EventsOn(name: string, cb: (data: unknown) => void) {
          if (!listeners.has(name)) listeners.set(name, new Set());
          listeners.get(name)!.add(cb);
          return () => listeners.get(name)!.delete(cb);
        },
      },
    };
    const emit = (name: string, data: unknown) => listeners.get(name)?.forEach((cb) => cb(data));
    return { w: w as unknown as Window, RenameNotebook, emit, listeners };
  }

  it("forwards the arguments positionally to the bound method", async () => {
    const { w, RenameNotebook } = fakeWindow();
    const got = await wailsTransport(w).call("RenameNotebook", ["old.ipynb", "new"]);
    expect(RenameNotebook).toHaveBeenCalledWith("old.ipynb", "new");
    expect(got).toEqual({ path: "new.ipynb" });
  });

  it("rejects a method the window does not have with an ApiError", async () => {
    const { w } = fakeWindow();
    const err = await wailsTransport(w).call("NoSuchMethod", []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/NoSuchMethod/);
  });

  it("turns a Wails rejection into the backend's ApiError through makeApi", async () => {
    const { w, RenameNotebook } = fakeWindow();
    RenameNotebook.mockRejectedValueOnce({ code: "conflict", message: "a notebook named b.ipynb already exists" });
    const err = await makeApi(wailsTransport(w))
      .renameNotebook("a.ipynb", "b")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "conflict", message: "a notebook named b.ipynb already exists" });
  });

  it("subscribes to events and unsubscribes", () => {
    const { w, emit } = fakeWindow();
    const t = wailsTransport(w);
    const cell = vi.fn();
    const run = vi.fn();
    const off = t.on("cell", cell);
    t.on("run", run);
    emit("cell", { cellId: "a" });
    emit("run", { runId: "r1" });
    expect(cell).toHaveBeenCalledExactlyOnceWith({ cellId: "a" });
    expect(run).toHaveBeenCalledExactlyOnceWith({ runId: "r1" });
    off();
    emit("cell", { cellId: "b" });
    expect(cell).toHaveBeenCalledTimes(1);
  });
});

/** A WebSocket stand-in that records every instance; tests push messages and closes. */
class FakeSocket {
  static made: FakeSocket[] = [];
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(name: string, data: unknown) {
    this.onmessage?.({ data: JSON.stringify({ name, data }) });
  }
  close() {
    this.onclose?.();
  }
}
const fakeWS = FakeSocket as unknown as typeof WebSocket;

describe("httpTransport", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    FakeSocket.made = [];
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  const answer = (status: number, body: string, statusText = "") => new Response(body, { status, statusText });

  it("POSTs the arguments as a JSON array to /api/call/<Method>", async () => {
    fetchMock.mockResolvedValue(answer(200, '{"path":"b.ipynb","name":"b"}'));
    const got = await httpTransport("", fakeWS).call("RenameNotebook", ["a.ipynb", "b"]);
    expect(got).toEqual({ path: "b.ipynb", name: "b" });
    expect(fetchMock).toHaveBeenCalledOnce();
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/call/RenameNotebook");
    expect(init.method).toBe("POST");
    expect(new Headers(init.headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(init.body))).toEqual(["a.ipynb", "b"]);
  });

  it("answers null for an empty body (a method that returns nothing)", async () => {
    fetchMock.mockResolvedValue(answer(200, ""));
    expect(await httpTransport("", fakeWS).call("CloseNotebook", ["s1"])).toBeNull();
  });

  it("rejects an error status with the server's code and message", async () => {
    fetchMock.mockResolvedValue(answer(404, '{"code":"not_found","message":"notebook gone.ipynb does not exist"}'));
    const err = await makeApi(httpTransport("", fakeWS))
      .openNotebook("gone.ipynb")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "not_found", message: "notebook gone.ipynb does not exist" });
  });

  it("rejects an error status without a body with the status", async () => {
    fetchMock.mockResolvedValue(answer(502, "", "Bad Gateway"));
    const err = await httpTransport("", fakeWS)
      .call("Info", [])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "internal", message: "502 Bad Gateway" });
  });

  it("delivers socket messages to the handlers of their event only", () => {
    const t = httpTransport("", fakeWS);
    const cell = vi.fn();
    const progress = vi.fn();
    t.on("cell", cell);
    t.on("progress", progress);
    expect(FakeSocket.made).toHaveLength(1); // one socket for every event
    const s = FakeSocket.made[0];
    expect(s.url).toBe(new URL("/api/events", location.href).toString().replace(/^http/, "ws"));
    s.send("cell", { cellId: "a", status: "done" });
    s.send("run", { runId: "r1" }); // nobody listens: dropped
    expect(cell).toHaveBeenCalledExactlyOnceWith({ cellId: "a", status: "done" });
    expect(progress).not.toHaveBeenCalled();
  });

  it("stops delivering to a handler once it unsubscribes", () => {
    const t = httpTransport("", fakeWS);
    const a = vi.fn();
    const b = vi.fn();
    const offA = t.on("cell", a);
    t.on("cell", b);
    offA();
    FakeSocket.made[0].send("cell", { cellId: "x" });
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledOnce();
  });

  it("reconnects a closed socket while handlers remain, and not after", () => {
    vi.useFakeTimers();
    const t = httpTransport("", fakeWS);
    const cell = vi.fn();
    const off = t.on("cell", cell);
    FakeSocket.made[0].close();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.made).toHaveLength(2);
    FakeSocket.made[1].send("cell", { cellId: "after" });
    expect(cell).toHaveBeenCalledExactlyOnceWith({ cellId: "after" });

    off();
    FakeSocket.made[1].close();
    vi.advanceTimersByTime(5000);
    expect(FakeSocket.made).toHaveLength(2);
  });
});

describe("makeApi", () => {
  it("decodes a window's base64 Arrow IPC into a table", async () => {
    const ipc = tableToIPC(tableFromArrays({ Brand: ["Acme", "Globex"], Units: Int32Array.from([7, 11]) }), "stream");
    const arrow = btoa(String.fromCharCode(...ipc));
    const call = vi.fn().mockResolvedValue({ offset: 10, total: 12, arrow });
    const t: Transport = { call, on: () => () => undefined, openExternal: () => undefined };
    const req = { table: "sales", offset: 10, limit: 2, sort: [{ column: "Units", desc: true }] };
    const w = await makeApi(t).window("s1", req);
    expect(call).toHaveBeenCalledWith("Window", ["s1", req]);
    expect(w.offset).toBe(10);
    expect(w.total).toBe(12);
    expect(w.table.numRows).toBe(2);
    expect(w.table.schema.fields.map((f) => f.name)).toEqual(["Brand", "Units"]);
    expect(w.table.toArray().map((r) => r.toJSON())).toEqual([
      { Brand: "Acme", Units: 7 },
      { Brand: "Globex", Units: 11 },
    ]);
  });

  it("sends Summarize's reference as schema and table arguments", async () => {
    const call = vi.fn().mockResolvedValue({ column: "Units" });
    await makeApi({ call, on: () => () => undefined, openExternal: () => undefined }).summarize("s1", { table: "sales" }, "Units");
    expect(call).toHaveBeenCalledWith("Summarize", ["s1", "", "sales", "Units"]);
  });

  it("opens only web pages in the system browser", () => {
    const opened: string[] = [];
    const a = makeApi({ call: vi.fn(), on: () => () => undefined, openExternal: (u) => opened.push(u) });
    a.openExternal("http://127.0.0.1:9/device");
    expect(() => a.openExternal("javascript:alert(1)")).toThrow(/not a web address/);
    expect(() => a.openExternal("file:///etc/passwd")).toThrow(/not a web address/);
    expect(opened).toEqual(["http://127.0.0.1:9/device"]);
  });
});

describe("the publish calls", () => {
  const fake = (result: unknown = null) => {
    const call = vi.fn().mockResolvedValue(result);
    return { call, api: makeApi({ call, on: () => () => undefined, openExternal: () => undefined }) };
  };
  const req = { path: "sales.ipynb", cron: "0 3 * * *", timezone: "Europe/Berlin", params: ["year=1998"], retries: 0, timeoutMinutes: 60 };

  it.each<[string, (a: ReturnType<typeof makeApi>) => Promise<unknown>, string, unknown[]]>([
    ["airflowAccount", (a) => a.airflowAccount(), "AirflowAccount", []],
    ["airflowSignIn", (a) => a.airflowSignIn({ user: "admin", password: "pw" }), "AirflowSignIn", [{ user: "admin", password: "pw" }]],
    ["describeSchedule", (a) => a.describeSchedule({ cron: "0 3 * * *", timezone: "UTC" }), "DescribeSchedule", [{ cron: "0 3 * * *", timezone: "UTC" }]],
    ["checkPublish", (a) => a.checkPublish(req), "CheckPublish", [req]],
    ["publish", (a) => a.publish({ ...req, token: "t1" }), "Publish", [{ ...req, token: "t1" }]],
    ["publishState", (a) => a.publishState("sales.ipynb"), "PublishState", ["sales.ipynb"]],
    ["runNow", (a) => a.runNow("sales.ipynb"), "RunNow", ["sales.ipynb"]],
    ["setPublishedPaused", (a) => a.setPublishedPaused("sales.ipynb", true), "SetPublishedPaused", ["sales.ipynb", true]],
    ["unpublish", (a) => a.unpublish("sales.ipynb"), "Unpublish", ["sales.ipynb"]],
    ["scheduledLog", (a) => a.scheduledLog("sales.ipynb", "manual__2026"), "ScheduledLog", ["sales.ipynb", "manual__2026"]],
  ])("%s calls %s with its arguments in order", async (_name, invoke, method, args) => {
    const f = fake({ ok: true });
    expect(await invoke(f.api)).toEqual({ ok: true });
    expect(f.call).toHaveBeenCalledExactlyOnceWith(method, args);
  });

  it("lists no published notebooks as [] when Go sends a nil slice", async () => {
    expect(await fake(null).api.publishedNotebooks()).toEqual([]);
  });

  it("rejects with the backend's words, e.g. an Airflow that is not reachable", async () => {
    const call = vi.fn().mockRejectedValue({ code: "internal", message: "cannot reach Airflow at http://127.0.0.1:9: connection refused" });
    const err = await makeApi({ call, on: () => () => undefined, openExternal: () => undefined })
      .checkPublish(req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "internal", message: "cannot reach Airflow at http://127.0.0.1:9: connection refused" });
  });
});

describe("the browser tab", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
  const answer = (status: number, body: string) => new Response(body, { status });

  it("names its tab in every call and sends heartbeats as often as the server asks", async () => {
    vi.useFakeTimers();
    fetchMock.mockImplementation(async (url: string) =>
      url === "/api/heartbeat" ? answer(200, '{"everyMs":1000}') : answer(200, "null"),
    );
    const t = httpTransport("", fakeWS, "tab-1");
    await t.call("Touch", []);
    const calls = () => fetchMock.mock.calls as [string, RequestInit][];
    const call = calls().find(([u]) => u === "/api/call/Touch")!;
    expect(new Headers(call[1].headers).get("X-Smallfry-Tab")).toBe("tab-1");
    const beats = () => calls().filter(([u]) => u === "/api/heartbeat");
    await vi.advanceTimersByTimeAsync(0);
    expect(beats()).toHaveLength(1);
    expect(new Headers(beats()[0][1].headers).get("X-Smallfry-Tab")).toBe("tab-1");
    await vi.advanceTimersByTimeAsync(1000);
    expect(beats()).toHaveLength(2);
    await t.call("Touch", []); // one heartbeat loop per transport
    await vi.advanceTimersByTimeAsync(1000);
    expect(beats()).toHaveLength(3);
  });

  it("keeps one tab id across reloads of the tab (sessionStorage)", () => {
    sessionStorage.clear();
    const id = tabId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(tabId()).toBe(id);
    sessionStorage.clear();
    expect(tabId()).not.toBe(id);
  });
});
