package workbench

import (
	"encoding/json"

	"smallfry/backend/notebook"
)

// A code cell's collapsed output is saved as JupyterLab saves it:
// metadata.jupyter.outputs_hidden, and nbformat's older metadata.collapsed,
// which Jupyter's classic notebook reads. Either set opens collapsed.

func outputsCollapsed(c *notebook.Cell) bool {
	if !c.Kind.IsCode() {
		return false
	}
	if raw, ok := c.Metadata("collapsed"); ok && string(raw) == "true" {
		return true
	}
	var j struct {
		OutputsHidden bool `json:"outputs_hidden"`
	}
	raw, ok := c.Metadata("jupyter")
	return ok && json.Unmarshal(raw, &j) == nil && j.OutputsHidden
}

// setOutputsCollapsed writes a cell's collapsed output into its metadata;
// a cell already so is left as read, so an unchanged cell saves the same.
func setOutputsCollapsed(c *notebook.Cell, collapsed bool) {
	if !c.Kind.IsCode() || outputsCollapsed(c) == collapsed {
		return
	}
	jupyter := map[string]any{}
	if raw, ok := c.Metadata("jupyter"); ok {
		_ = json.Unmarshal(raw, &jupyter) // not an object: replaced
	}
	if collapsed {
		jupyter["outputs_hidden"] = true
		c.SetMetadata("jupyter", jupyter)
		c.SetMetadata("collapsed", true)
		return
	}
	delete(jupyter, "outputs_hidden")
	if len(jupyter) == 0 {
		c.SetMetadata("jupyter", nil)
	} else {
		c.SetMetadata("jupyter", jupyter)
	}
	c.SetMetadata("collapsed", nil)
}
