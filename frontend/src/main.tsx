import { createRoot } from "react-dom/client";
import { api } from "./api";
import { App } from "./App";
import { loadEditor } from "./notebook/lazy";
import { firstGuess, openEarly } from "./shell/firstnotebook";
import "./style.css";
import "./theme/dark.css";
import "./theme/theme";

// The first notebook is asked for, and the editor's code fetched, while the
// app renders its first frame.
const first = firstGuess(location.hash, localStorage);
openEarly(first.path, api.openNotebook);
void loadEditor();

createRoot(document.getElementById("app")!).render(<App first={first} />);
