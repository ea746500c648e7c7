package workbench

// session is one open notebook: its DuckDB session and runtime state.
type session struct{}

func (ss *session) close() {}
