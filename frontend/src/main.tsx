import { createRoot } from "react-dom/client";
import { api } from "./api";
import { App } from "./App";
import { loadEditor, loadGrid } from "./notebook/lazy";
import { firstGuess, openEarly, settledWithin, showsGrid } from "./shell/firstnotebook";
import "./style.css";
import "./theme/dark.css";
import "./theme/theme";

// The first notebook is asked for, and the editor's code fetched, at once,
// and the grid's as soon as the notebook is known to show one. The first
// render waits (briefly) for all three, so that the window paints the
// notebook once, whole (docs/architecture.md, "Start-up").
const first = firstGuess(location.hash, localStorage);
const opening = openEarly(first.path, api.openNotebook);
const grid = opening.then((nb) => (showsGrid(nb) ? loadGrid() : undefined));
void settledWithin(400, opening, loadEditor(), grid).then(() => {
  createRoot(document.getElementById("app")!).render(<App first={first} />);
});
