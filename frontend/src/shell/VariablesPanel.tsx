// What the notebook's session holds now: its live named results (rows,
// columns) and the Python kernel's variables (type, short repr). Read again
// after each run and whenever the kernel goes idle; asking never starts a
// kernel.
import { useCallback, useEffect, useState } from "react";
import { api, toApiError, type Variables } from "../api";
import { formatCount } from "../grid/plain";
import type { SessionCall } from "../notebook/reopen";

export function VariablesPanel({ session, call, refreshKey }: { session?: string; call: SessionCall; refreshKey: number }) {
  const [vars, setVars] = useState<Variables>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    if (!session) return;
    call((s) => api.variables(s)).then(
      (v) => {
        setVars(v);
        setError(undefined);
      },
      (e) => setError(toApiError(e).message),
    );
  }, [session, call]);
  useEffect(() => {
    setVars(undefined);
    load();
  }, [load, refreshKey]);
  useEffect(() => {
    if (!session) return;
    return api.on("kernel", (e) => {
      if (e.session === session && (e.state === "idle" || e.state === "dead" || e.state === "none")) load();
    });
  }, [session, load]);

  if (!session) return <p className="sf-vars-note">Open a notebook to see its results and variables.</p>;
  return (
    <div className="sf-vars" data-testid="variables-panel">
      <h4>Named results</h4>
      {error && <p className="sf-vars-error">{error}</p>}
      {vars && vars.results.length === 0 && <p className="sf-vars-note">None yet: name a SQL cell's result and run it.</p>}
      {vars && vars.results.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>name</th>
              <th className="num">rows</th>
              <th className="num">cols</th>
            </tr>
          </thead>
          <tbody>
            {vars.results.map((r) => (
              <tr key={r.name} data-testid="var-result" data-name={r.name}>
                <td className="name" title={r.name}>
                  {r.name}
                </td>
                <td className="num" data-testid="var-rows">
                  {r.rows < 0 ? "view" : formatCount(r.rows)}
                </td>
                <td className="num" data-testid="var-columns">
                  {r.columns}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Python variables</h4>
      {vars?.pythonError && <p className="sf-vars-error">{vars.pythonError}</p>}
      {vars && !vars.python && !vars.pythonError && (
        <p className="sf-vars-note" data-testid="vars-python-note">
          {vars.kernel === "busy" ? "The kernel is busy; shown when it is idle." : vars.kernel === "none" ? "No kernel yet: run a Python cell." : `The kernel is ${vars.kernel}.`}
        </p>
      )}
      {vars?.python && vars.python.length === 0 && <p className="sf-vars-note">No variables.</p>}
      {vars?.python && vars.python.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>value</th>
            </tr>
          </thead>
          <tbody>
            {vars.python.map((v) => (
              <tr key={v.name} data-testid="var-python" data-name={v.name}>
                <td className="name" title={v.name}>
                  {v.name}
                </td>
                <td className="type" title={v.type}>
                  {v.type}
                </td>
                <td className="repr" title={v.repr} data-testid="var-repr">
                  {v.repr}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
