// "Set up Python": offered when a Python cell found no usable Python (its
// error says "choose Set up Python"). It makes the managed environment with
// pip's output as progress and a Cancel; when done the cells run again
// with it. Offline, the error says what to install instead.
import { useEffect, useRef, useState } from "react";
import { api, toApiError, type PythonSetup as Outcome } from "../api";

/** The words of a cell error that offer the set-up (backend/python.SetupHint). */
export const setupHint = "choose Set up Python";

export function PythonSetupOffer(props: { onDone(): void }) {
  const [state, setState] = useState<"offer" | "running" | Outcome["state"]>("offer");
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const log = useRef<HTMLPreElement>(null);
  useEffect(
    () =>
      api.on("pythonSetup", (e) => {
        if (e.line) setLines((l) => [...l.slice(-199), e.line!]);
      }),
    [],
  );
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [lines]);
  const start = async () => {
    setState("running");
    setLines([]);
    setError(undefined);
    try {
      const out = await api.setupPython();
      setState(out.state);
      setError(out.error);
      if (out.state === "done") props.onDone();
    } catch (e) {
      setState("failed");
      setError(toApiError(e).message);
    }
  };
  return (
    <div className="banner sf-python-setup" data-testid="python-setup" data-state={state}>
      {state === "offer" && (
        <>
          Python cells need a Python with ipykernel. Smallfry can make one for you: a private environment with ipykernel, pandas, pyarrow and matplotlib.{" "}
          <button data-testid="setup-python" onClick={() => void start()}>
            Set up Python
          </button>
        </>
      )}
      {state === "running" && (
        <>
          Setting up Python…{" "}
          <button data-testid="setup-python-cancel" onClick={() => void api.cancelPythonSetup()}>
            Cancel
          </button>
        </>
      )}
      {state === "done" && <span data-testid="setup-python-done">Python is set up: run the Python cells again.</span>}
      {(state === "failed" || state === "canceled") && (
        <>
          <span className="sf-python-setup-error" data-testid="setup-python-error">
            {error}
          </span>{" "}
          <button data-testid="setup-python" onClick={() => void start()}>
            Try again
          </button>
        </>
      )}
      {lines.length > 0 && state !== "done" && (
        <pre className="sf-python-setup-log" data-testid="setup-python-log" ref={log}>
          {lines.join("\n")}
        </pre>
      )}
    </div>
  );
}
