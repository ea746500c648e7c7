package app

import "context"

// Dialogs binds the system dialogs the frontend opens itself: "Add data…"
// picks a file whose path the window passes to the workbench's import
// (a browser sends the bytes instead, see backend/server's upload).
type Dialogs struct {
	shell *shell
}

func (d *Dialogs) start(context.Context) {}
func (d *Dialogs) stop()                 {}

// ChooseDataFile asks for a CSV, JSON-lines or Parquet file; "" when the
// user cancels.
func (d *Dialogs) ChooseDataFile() (string, error) {
	return d.shell.chooseFile("Add data", "*.csv;*.tsv;*.txt;*.json;*.jsonl;*.ndjson;*.parquet")
}
