import { createRoot } from "react-dom/client";
import { api } from "./api";
import { App } from "./App";
import { loadEditor, loadGrid } from "./notebook/lazy";
import { early, earlyKey, settledWithin } from "./shell/early";
import { firstGuess, showsGrid } from "./shell/firstnotebook";
import "./style.css";
import "./theme/dark.css";
import "./theme/theme";

// Everything the first screen shows is asked for at once, before React's
// first render: the first notebook, Info, the account, the notebook's runs,
// the editor's code, and the grid's as soon as the notebook is known to
// show one (the published list too, not waited for: it may ask Airflow).
// The first render waits (briefly) for them, so that the window paints the
// first screen once, whole (docs/architecture.md, "Start-up").
const first = firstGuess(location.hash, localStorage);
const opening = early(earlyKey.open(first.path), () => api.openNotebook(first.path));
const runsPath = first.path.replace(/^notebooks\//, "");
const waits = [
  opening,
  opening.then((nb) => (showsGrid(nb) ? loadGrid() : undefined)),
  loadEditor(),
  early(earlyKey.info, api.info),
  early(earlyKey.account, api.account),
  early(earlyKey.runs(runsPath), () => api.runs(runsPath)),
];
void early(earlyKey.published, api.publishedNotebooks);
void settledWithin(400, ...waits).then(() => {
  createRoot(document.getElementById("app")!).render(<App first={first} />);
});
