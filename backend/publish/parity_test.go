package publish

import (
	"encoding/json"
	"testing"
)

// outputNotebook is an output notebook as smallfry run writes it: the
// parameters cell, the injected-parameters cell after it, then the rest,
// each with papermill's status.
func outputNotebook(t *testing.T, lastSource, lastStatus string) []byte {
	t.Helper()
	cell := func(id string, tags []string, source, status string) map[string]any {
		return map[string]any{"cell_type": "code", "id": id, "execution_count": nil, "outputs": []any{}, "source": source,
			"metadata": map[string]any{"tags": tags, "papermill": map[string]any{"status": status}}}
	}
	sql := cell("top", nil, lastSource, lastStatus)
	sql["metadata"].(map[string]any)["smallfry"] = map[string]any{"kind": "sql", "name": "top_brands"}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{
		cell("params", []string{"parameters"}, "year = 1997", "completed"),
		cell("injected", []string{"injected-parameters"}, "# Parameters\nyear = 1998\n", "completed"),
		cell("sales", nil, "SELECT 1", "completed"),
		sql,
	}}
	data, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Cells are named as the editor numbers them: the injected-parameters cell
// of an output notebook is not one of the author's.
func TestLabelsCountTheAuthorsCells(t *testing.T) {
	failed := failedCell(outputNotebook(t, "SELECT * FROM Fact_Sale", "failed"), "Catalog Error")
	if failed.ID != "top" || failed.Label != "cell 3 (top_brands)" {
		t.Errorf("failed cell: %+v, want top labelled cell 3 (top_brands)", failed)
	}
	changes, err := Diff(outputNotebook(t, "SELECT 3", "completed"), outputNotebook(t, "SELECT 5", "completed"))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].CellID != "top" || changes[0].Label != "cell 3 (top_brands)" || changes[0].What != "source" {
		t.Errorf("changes: %+v, want one source change of cell 3 (top_brands)", changes)
	}
}
