package workbench

import (
	"fmt"
	"slices"
	"strings"

	"smallfry/backend/notebook"
)

// repairCells makes the editor's cells into cells that opening and
// `smallfry run` accept (notebook.Validate), changing as little as it can,
// and says what it changed, cell by cell, numbered from 1 as in the UI:
// a missing, invalid or repeated id gets a fresh one; tags are split at
// commas, trimmed and deduplicated; a second cell tagged parameters loses
// the tag; a result name equal to an earlier one ignoring case (as DuckDB
// compares names) becomes name_2, name_3, ... The input is not modified.
func repairCells(cells []CellData) ([]CellData, []string) {
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	out := make([]CellData, len(cells))
	ids := map[string]bool{}
	for _, c := range cells {
		ids[c.ID] = true
	}
	// Every name in use, so a new name_2 clashes with no later cell either.
	taken := map[string]bool{}
	for _, c := range cells {
		if c.Name != "" {
			taken[strings.ToLower(c.Name)] = true
		}
	}
	seenIDs := map[string]bool{}
	names := map[string]int{} // lower-cased name → cell number
	params := 0
	for i, c := range cells {
		num := i + 1
		if !notebook.ValidID(c.ID) || seenIDs[c.ID] {
			id := notebook.FreshID(ids)
			ids[id] = true
			note("cell %d: its id %q was %s, so it is now %q", num, c.ID, map[bool]string{true: "used by an earlier cell", false: "not valid"}[seenIDs[c.ID]], id)
			c.ID = id
		}
		seenIDs[c.ID] = true

		tags := cleanTags(c.Tags)
		if strings.Join(tags, "\x00") != strings.Join(c.Tags, "\x00") {
			note("cell %d: tags %s are now %s (a tag holds no comma and is given once)", num, quoteList(c.Tags), quoteList(tags))
		}
		if slices.Contains(tags, "parameters") {
			if params != 0 {
				tags = slices.DeleteFunc(tags, func(t string) bool { return t == "parameters" })
				note("cell %d: only one cell may be tagged parameters and cell %d is, so this cell's tag was dropped", num, params)
			} else {
				params = num
			}
		}
		if len(tags) == 0 && len(c.Tags) == 0 {
			tags = c.Tags // keep nil or empty as it came
		}
		c.Tags = tags

		if c.Name != "" {
			key := strings.ToLower(c.Name)
			if first := names[key]; first != 0 {
				name := freeName(c.Name, taken)
				taken[strings.ToLower(name)] = true
				note("cell %d: result name %q was already used by cell %d (names are compared ignoring case), so it is now %q", num, c.Name, first, name)
				c.Name, key = name, strings.ToLower(name)
			}
			names[key] = num
		}
		out[i] = c
	}
	return out, notes
}

// repairOpened repairs a notebook that fails Validate, in place, and says
// what it changed; nil when repairs cannot make it valid (an invalid name,
// a bad save-to-lake setting), and nb is then unchanged.
func repairOpened(nb *notebook.Notebook) []string {
	cells, notes := repairCells(cellsOf(nb))
	if len(notes) == 0 {
		return nil
	}
	data, err := nb.Marshal()
	if err != nil {
		return nil
	}
	trial, err := notebook.Parse("", data)
	if err != nil {
		return nil
	}
	for _, t := range []*notebook.Notebook{trial, nb} {
		for i, c := range t.Cells {
			c.ID = cells[i].ID // so applyCells finds the cells whose ids were replaced
		}
		if err := applyCells(t, cells); err != nil {
			return nil
		}
		if t == trial && t.Validate() != nil {
			return nil
		}
	}
	return notes
}

// cleanTags splits tags at commas, trims them and drops empty and repeated ones.
func cleanTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		for _, part := range strings.Split(t, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// freeName is name_2, name_3, ... whichever is first not taken (ignoring case).
func freeName(name string, taken map[string]bool) string {
	for n := 2; ; n++ {
		c := fmt.Sprintf("%s_%d", name, n)
		if !taken[strings.ToLower(c)] {
			return c
		}
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
