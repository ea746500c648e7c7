// The notebook's Python kernel at a glance: none, starting, idle, busy,
// restarting or dead (the backend's kernel events), with a restart that
// always answers: restarting… then idle, or the error.
import { useEffect, useState } from "react";
import { api, type ApiError } from "../api";
import { useSessionCall } from "./reopen";

const labels: Record<string, string> = {
  none: "no kernel",
  starting: "starting…",
  idle: "idle",
  busy: "busy",
  restarting: "restarting…",
  dead: "dead",
};

const titles: Record<string, string> = {
  none: "No Python kernel yet: the first Python cell starts one (SQL cells need none)",
  starting: "The Python kernel is starting",
  idle: "The Python kernel is idle",
  busy: "The Python kernel is running a cell",
  restarting: "The Python kernel is restarting",
  dead: "The Python kernel died: restart it, or run a Python cell",
};

export function KernelChip(props: { session: string; onNotice(msg: string): void; onError(msg: string): void; compact?: boolean }) {
  const [state, setState] = useState("none");
  const [busy, setBusy] = useState(false);
  const call = useSessionCall();
  useEffect(() => {
    setState("none");
    return api.on("kernel", (e) => {
      if (e.session === props.session) setState(e.state);
    });
  }, [props.session]);
  const restart = async () => {
    setBusy(true);
    try {
      const st = await call((s) => api.restartKernel(s));
      setState(st.state);
      props.onNotice(st.state === "none" ? "No Python kernel was running: the next Python cell starts a fresh one." : "Kernel restarted: Python's variables are cleared.");
    } catch (e) {
      setState("dead");
      props.onError(`Restart kernel: ${(e as ApiError).message}`);
    } finally {
      setBusy(false);
    }
  };
  const shown = busy && state !== "restarting" ? "restarting" : state;
  return (
    <span className="sf-kernel" data-testid="kernel-status" data-state={shown} title={titles[shown] ?? shown}>
      <span className={`sf-kernel-dot sf-kernel-${shown}`} aria-hidden="true" />
      {!props.compact && <span className="sf-kernel-label">Python {labels[shown] ?? shown}</span>}
      <button
        className="icon-button"
        data-testid="restart-kernel"
        data-busy={busy}
        disabled={busy}
        title="Restart the Python kernel (its variables are lost)"
        aria-label="Restart kernel"
        onClick={() => void restart()}
      >
        ↻
      </button>
    </span>
  );
}
