// System / Light / Dark, remembered.
import { setThemeChoice, useThemeChoice, type ThemeChoice } from "./theme";

export function ThemeSwitch() {
  const choice = useThemeChoice();
  return (
    <label className="sf-theme-switch" title="Colour theme (System follows the OS setting)">
      Theme{" "}
      <select data-testid="theme-switch" value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
