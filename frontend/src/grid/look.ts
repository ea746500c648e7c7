// How both grids look: the theme's colours, ellipses on cut text, and the
// cut text in full as the tooltip of the cell under the pointer.
import type { DataEditorProps, GridCell, GridMouseEventArgs, Item, SizedGridColumn } from "@glideapps/glide-data-grid";
import { useCallback, useState } from "react";
import { useTheme } from "../theme/theme";
import { darkGridTheme, gridTheme } from "./cells";
import { cutText, drawCellWithEllipsis } from "./ellipsis";

export function useGridLook(columns: readonly SizedGridColumn[], getCellContent: (item: Item) => GridCell) {
  const theme = useTheme() === "dark" ? darkGridTheme : gridTheme;
  const [title, setTitle] = useState<string>();
  const onItemHovered = useCallback(
    (e: GridMouseEventArgs) => {
      if (e.kind !== "cell") return setTitle(undefined);
      const [col, row] = e.location;
      const c = columns[col];
      setTitle(c ? cutText(getCellContent([col, row]), c.width, theme) : undefined);
    },
    [columns, getCellContent, theme],
  );
  const props: Pick<DataEditorProps, "theme" | "drawCell" | "onItemHovered"> = { theme, drawCell: drawCellWithEllipsis, onItemHovered };
  return { props, title };
}
