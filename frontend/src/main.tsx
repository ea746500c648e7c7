import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./style.css";
import "./theme/dark.css";
import "./theme/theme";

createRoot(document.getElementById("app")!).render(<App />);
