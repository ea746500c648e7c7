"""Cold start to first paint, and idle memory, of a windowed program on an X display.

  coldstart.py measure --label NAME --json OUT [--runs N] [--extra-pid PID] [--shot PNG] -- CMD ARG...
  coldstart.py report APP.json PEER.json

`measure` starts CMD N+1 times (the first run is an untimed warm-up: file
cache, WebKit/Chromium profile) on $DISPLAY, which must be a fresh, empty
screen (Xvfb). For each run it polls the whole screen with XGetImage (libX11
through ctypes; no other dependency) from just before exec until the screen
has been still for a while, keeping every frame that changed, then stays idle
and reads the memory of CMD's process tree from /proc. Afterwards it works
out, against the final (settled) frame:

  window   the first frame that differs from the empty screen (the window mapped)
  content  the first frame with more than a blank window's few colours
  painted  the first frame from which on every frame is within 1% of the
           final one (of the area the program changed): the UI as it looks when idle

The screen is settled once no grab for --quiet seconds (2) changed more than
3% of it (a caret blinking or a scroll bar fading does not count).
Each time is from just before exec to the end of the screen grab that first
showed it, so it is late by at most one poll interval (printed).
COLDSTART_FRAMES=DIR saves every changed frame of each run there as PNG.
Memory: VmRSS from /proc/PID/status (shared pages counted in every process),
Pss from /proc/PID/smaps_rollup (shared pages split between their users) and,
per process, its Anonymous memory (heaps, not files or libraries mapped),
per process and summed over the tree; --extra-pid adds a process outside the
tree (the peer's `smallfry serve`, which is the backend the app has inside).
"""
import argparse
import ctypes
import json
import os
import signal
import statistics
import struct
import subprocess
import sys
import time
import zlib
from ctypes import POINTER, Structure, c_char_p, c_int, c_uint, c_ulong, c_void_p


class XImage(Structure):  # the leading fields of Xlib's XImage, as far as we read
    _fields_ = [("width", c_int), ("height", c_int), ("xoffset", c_int), ("format", c_int), ("data", c_void_p),
                ("byte_order", c_int), ("bitmap_unit", c_int), ("bitmap_bit_order", c_int), ("bitmap_pad", c_int),
                ("depth", c_int), ("bytes_per_line", c_int), ("bits_per_pixel", c_int)]


class Screen:
    """Grabs the root window of $DISPLAY as raw 32-bit pixels."""

    def __init__(self):
        x = ctypes.CDLL("libX11.so.6")
        x.XOpenDisplay.restype, x.XOpenDisplay.argtypes = c_void_p, [c_char_p]
        x.XDefaultRootWindow.restype, x.XDefaultRootWindow.argtypes = c_ulong, [c_void_p]
        x.XDisplayWidth.restype, x.XDisplayWidth.argtypes = c_int, [c_void_p, c_int]
        x.XDisplayHeight.restype, x.XDisplayHeight.argtypes = c_int, [c_void_p, c_int]
        x.XGetImage.restype = POINTER(XImage)
        x.XGetImage.argtypes = [c_void_p, c_ulong, c_int, c_int, c_uint, c_uint, c_ulong, c_int]
        x.XDestroyImage.argtypes = [POINTER(XImage)]
        self.x = x
        self.d = x.XOpenDisplay(None)
        if not self.d:
            sys.exit(f"coldstart: cannot open display {os.environ.get('DISPLAY')!r}")
        self.root = x.XDefaultRootWindow(self.d)
        self.w, self.h = x.XDisplayWidth(self.d, 0), x.XDisplayHeight(self.d, 0)

    def grab(self) -> bytes:
        im = self.x.XGetImage(self.d, self.root, 0, 0, self.w, self.h, c_ulong(2**64 - 1), 2)  # AllPlanes, ZPixmap
        if not im:
            sys.exit("coldstart: XGetImage failed")
        c = im.contents
        if c.bits_per_pixel != 32:
            sys.exit(f"coldstart: need a 24/32-bit screen, got {c.bits_per_pixel} bits a pixel")
        data = ctypes.string_at(c.data, c.bytes_per_line * c.height)
        self.stride = c.bytes_per_line
        self.x.XDestroyImage(im)
        return data


BLOCK = 64  # bytes (16 pixels) compared at once


def blocks_differing(a: bytes, b: bytes) -> int:
    if a == b:
        return 0
    return sum(1 for i in range(0, len(a), BLOCK) if a[i:i + BLOCK] != b[i:i + BLOCK])


def sampled_change(a: bytes, b: bytes, stride: int) -> float:
    """The share of the screen that differs, estimated cheaply on every 4th row."""
    if a == b:
        return 0.0
    rows = range(0, len(a), 4 * stride)
    n = sum(1 for i in rows if a[i:i + stride] != b[i:i + stride] for j in range(i, i + stride, BLOCK)
            if a[j:j + BLOCK] != b[j:j + BLOCK])
    return n / (len(rows) * (stride // BLOCK))


def colours(frame: bytes) -> int:
    return len(set(memoryview(frame).cast("I")[::7]))  # every 7th pixel: enough to tell blank from content


def write_png(path, frame, w, h, stride):
    raw = bytearray()
    for y in range(h):
        row = frame[y * stride:y * stride + w * 4]
        raw.append(0)
        rgb = bytearray(w * 3)
        rgb[0::3], rgb[1::3], rgb[2::3] = row[2::4], row[1::4], row[0::4]  # BGRX -> RGB
        raw += rgb
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(bytes(raw), 3)) + chunk(b"IEND", b""))


def process_tree(root: int) -> list[int]:
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        tree.append(pid)
        todo += sorted(children.get(pid, []))
    return tree


def describe(pid: int) -> str:
    """The program's name, and Chromium's process type (its --type= flag)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    if len(argv) <= 2 and " " in argv[0]:
        argv = argv[0].split(" ")  # Chromium rewrites its children's command lines into one string
    kind = next((a[len("--type="):] for a in argv if a.startswith("--type=")), "")
    name = os.path.basename(argv[0])
    return f"{name} ({kind})" if kind else name


def memory_of(pid: int) -> dict | None:
    """VmRSS and Pss of one process, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        with open(f"/proc/{pid}/smaps_rollup") as f:
            rollup = {l.split(":")[0]: int(l.split()[1]) for l in f if l.endswith("kB\n")}
        pss, anon = rollup["Pss"], rollup["Anonymous"]
    except (OSError, StopIteration, KeyError):
        return None  # gone, or a kernel thread
    return {"pid": pid, "name": describe(pid), "rss_kib": rss, "pss_kib": pss, "anon_kib": anon}


def stop(proc: subprocess.Popen, tree: list[int]):
    """TERM the program (it may run its shutdown), KILL it after 5 s, then any of its tree left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 5
    for pid in tree[1:]:
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)  # a child of ours that outlived its parent
        except ProcessLookupError:
            pass


def one_run(screen, cmd, args, log, extra_pids, run):
    empty = screen.grab()
    frames = [(-0.0, empty)]
    stride = screen.stride
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "NO_AT_BRIDGE": "1"})
    tree = [proc.pid]
    try:
        grabs, last_change, seen_content = [], None, False
        while True:
            t_start = time.monotonic()
            frame = screen.grab()
            t = time.monotonic() - t0
            grabs.append(t)
            prev = frames[-1][1]
            if frame != prev:
                frames.append((t, frame))
                # A change of a few % (a caret blinking, a scroll bar fading) is not "still painting".
                if sampled_change(frame, prev, stride) >= args.still:
                    last_change = t
                if not seen_content and colours(frame) > args.min_colours:
                    seen_content = True
            if proc.poll() is not None:
                raise SystemExit(f"coldstart: {cmd[0]} exited with {proc.returncode} before its window settled (log: {log.name})")
            if seen_content and last_change is not None and t - last_change >= args.quiet:
                break
            if t > args.timeout:
                why = "showed nothing but a blank screen" if not seen_content else "kept changing"
                raise SystemExit(f"coldstart: {cmd[0]} {why} for {args.timeout:.0f} s (log: {log.name})")
            time.sleep(max(0.0, args.interval - (time.monotonic() - t_start)))
        final = frames[-1][1]
        time.sleep(args.idle)
        tree = process_tree(proc.pid)
        mem = [m for m in map(memory_of, tree + extra_pids) if m]
        for m in mem:
            m["extra"] = m["pid"] in extra_pids
    finally:
        stop(proc, process_tree(proc.pid) if proc.poll() is None else tree)

    changed = blocks_differing(empty, final)
    if changed == 0 or colours(final) <= args.min_colours:
        raise SystemExit(f"coldstart: {cmd[0]}'s settled screen looks blank")
    window = next(t for t, f in frames[1:])
    content = next(t for t, f in frames[1:] if colours(f) > args.min_colours)
    # The earliest frame from which on every frame is within 1% of the final one.
    painted = frames[-1][0]
    for t, f in reversed(frames[1:]):
        if blocks_differing(f, final) > changed * args.tolerance:
            break
        painted = t
    if os.environ.get("COLDSTART_FRAMES"):  # every frame that changed, to see what the figures stand for
        d = os.path.join(os.environ["COLDSTART_FRAMES"], f"{args.label}-{run}")
        os.makedirs(d, exist_ok=True)
        for t, f in frames[1:]:
            write_png(os.path.join(d, f"{t*1000:05.0f}ms.png"), f, screen.w, screen.h, stride)
    gaps = [b - a for a, b in zip(grabs, grabs[1:])]
    return {"window": window, "content": content, "painted": painted, "interval": statistics.median(gaps) if gaps else 0,
            "frames": len(frames) - 1, "memory": mem, "final": final, "stride": stride}


def measure(args):
    screen = Screen()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    runs = []
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.log, "ab") as log:
        for i in range(args.runs + 1):
            r = one_run(screen, cmd, args, log, args.extra_pid, i)
            if i == 0:
                if args.shot:
                    write_png(args.shot, r["final"], screen.w, screen.h, r["stride"])
                continue  # the warm-up
            rss = sum(m["rss_kib"] for m in r["memory"] if not m["extra"]) / 1024
            pss = sum(m["pss_kib"] for m in r["memory"] if not m["extra"]) / 1024
            print(f"    {args.label} run {i}: window {r['window']*1000:6.0f} ms  content {r['content']*1000:6.0f} ms  "
                  f"painted {r['painted']*1000:6.0f} ms  (polled every {r['interval']*1000:.0f} ms)  idle RSS {rss:5.0f} MiB  PSS {pss:5.0f} MiB",
                  flush=True)
            del r["final"], r["stride"]
            runs.append(r)
            time.sleep(1)  # let the last run's processes go and the screen clear
    with open(args.json, "w") as f:
        json.dump({"label": args.label, "cmd": cmd, "runs": runs}, f)


def report(args):
    def load(path):
        with open(path) as f:
            return json.load(f)

    def summary(d):
        med = lambda k: statistics.median(r[k] for r in d["runs"]) * 1000
        mx = lambda k: max(r[k] for r in d["runs"]) * 1000
        mn = lambda k: min(r[k] for r in d["runs"]) * 1000
        tot = lambda r, k, extra: sum(m[k] for m in r["memory"] if m["extra"] == extra) / 1024
        rss = statistics.median(tot(r, "rss_kib", False) for r in d["runs"])
        pss = statistics.median(tot(r, "pss_kib", False) for r in d["runs"])
        anon = statistics.median(tot(r, "anon_kib", False) for r in d["runs"])
        xrss = statistics.median(tot(r, "rss_kib", True) for r in d["runs"])
        xpss = statistics.median(tot(r, "pss_kib", True) for r in d["runs"])
        return {"window": med("window"), "content": med("content"), "painted": med("painted"), "painted_max": mx("painted"), "painted_min": mn("painted"),
                "rss": rss, "pss": pss, "anon": anon, "xrss": xrss, "xpss": xpss, "n": len(d["runs"]),
                "interval": statistics.median(r["interval"] for r in d["runs"]) * 1000}

    app, peer = load(args.app), load(args.peer)
    a, p = summary(app), summary(peer)
    n = a["n"]
    print(f"  {n} cold starts each after 1 warm-up (warm file cache), medians; screen polled every ~{a['interval']:.0f} ms")
    print(f"  {'':34s} {app['label']:>14s} {peer['label']:>14s}   ratio")
    for key, what in [("window", "exec -> window mapped"), ("content", "exec -> first content"), ("painted", "exec -> UI painted (settled)")]:
        print(f"  {what:34s} {a[key]:11.0f} ms {p[key]:11.0f} ms   {a[key]/p[key]:5.2f}")
    print(f"  {'  (min over the runs)':34s} {a['painted_min']:11.0f} ms {p['painted_min']:11.0f} ms   {a['painted_min']/p['painted_min']:5.2f}")
    print(f"  {'  (max over the runs)':34s} {a['painted_max']:11.0f} ms {p['painted_max']:11.0f} ms")
    # The goals of issue #12: a median cold start of at most 800 ms and 0.7x the peer's, idle PSS at most 250 MiB.
    ok = lambda b: "ok" if b else "OVER"
    print(f"  cold start to UI painted: {a['painted']:.0f} ms (goal <= 800 ms)  {ok(a['painted'] <= 800)}; "
          f"{a['painted']/p['painted']:.2f}x the peer's (goal <= 0.7x)  {ok(a['painted'] <= 0.7 * p['painted'])}")
    print(f"  {'idle memory, RSS summed':34s} {a['rss']:10.0f} MiB {p['rss']:10.0f} MiB   {a['rss']/p['rss']:5.2f}")
    print(f"  {'idle memory, PSS summed':34s} {a['pss']:10.0f} MiB {p['pss']:10.0f} MiB   {a['pss']/p['pss']:5.2f}")
    print(f"  {'idle memory, anonymous summed':34s} {a['anon']:10.0f} MiB {p['anon']:10.0f} MiB   {a['anon']/p['anon']:5.2f}")
    if p["xrss"]:
        print(f"  {'  peer + smallfry serve (backend)':34s} {'':14s} {p['rss']+p['xrss']:10.0f} MiB   RSS {a['rss']/(p['rss']+p['xrss']):5.2f}")
        print(f"  {'':34s} {'':14s} {p['pss']+p['xpss']:10.0f} MiB   PSS {a['pss']/(p['pss']+p['xpss']):5.2f}")
    print(f"  idle PSS of the app and its children: {a['pss']:.0f} MiB (goal <= 250 MiB)  {ok(a['pss'] <= 250)}")
    for d in (app, peer):
        r = d["runs"][-1]
        print(f"  {d['label']} processes (last run, idle):")
        for m in r["memory"]:
            extra = "  [not in the tree: the peer's backend]" if m["extra"] else ""
            print(f"    {m['pid']:>7d} {m['name'][:40]:40s} RSS {m['rss_kib']/1024:6.1f} MiB  PSS {m['pss_kib']/1024:6.1f} MiB  anonymous {m['anon_kib']/1024:6.1f} MiB{extra}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--label", required=True)
    m.add_argument("--json", required=True)
    m.add_argument("--log", default="/dev/null")
    m.add_argument("--shot", help="PNG of the warm-up's settled screen")
    m.add_argument("--runs", type=int, default=5)
    m.add_argument("--extra-pid", type=int, action="append", default=[])
    m.add_argument("--interval", type=float, default=0.05, help="seconds between screen grabs")
    m.add_argument("--quiet", type=float, default=2.0, help="seconds without change that mean settled")
    m.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading memory")
    m.add_argument("--timeout", type=float, default=30.0)
    m.add_argument("--still", type=float, default=0.03, help="a smaller share of the screen changing is not painting")
    m.add_argument("--tolerance", type=float, default=0.01)
    m.add_argument("--min-colours", type=int, default=10)
    m.add_argument("cmd", nargs=argparse.REMAINDER)
    r = sub.add_parser("report")
    r.add_argument("app")
    r.add_argument("peer")
    args = ap.parse_args()
    if args.what == "measure":
        measure(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
