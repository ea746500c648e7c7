// The workbench shell: notebook list, the open notebook, side panels.
import { useEffect, useState } from "react";
import { api, type Info } from "./api";

export function App() {
  const [info, setInfo] = useState<Info>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.info().then(setInfo, (e: Error) => setError(e.message));
  }, []);
  return (
    <div className="app">
      <header>
        <h1>Smallfry</h1>
        <span className="version">{info?.version}</span>
      </header>
      {error && <p className="error">{error}</p>}
      <ul className="notebooks">{info?.notebooks.map((n) => <li key={n.path}>{n.name}</li>)}</ul>
    </div>
  );
}
