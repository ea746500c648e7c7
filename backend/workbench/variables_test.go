package workbench_test

import (
	"context"
	"slices"
	"testing"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/workbench"
)

// kernelStates are the kernel states the recorder saw for a session, in order.
func (r *recorder) kernelStates(session string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if k, ok := e.data.(workbench.KernelEvent); ok && e.name == workbench.EventKernel && k.Session == session {
			out = append(out, k.State)
		}
	}
	return out
}

// The variables panel lists named results with their sizes before any
// kernel runs (and starts none), then Python's globals once one does; the
// kernel's states arrive as events, and a restart ends idle.
func TestVariablesAndKernelStates(t *testing.T) {
	needPython(t)
	s, rec := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "vars")
	if err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, entry.Path)
	cells := []workbench.CellData{
		{ID: "q", Kind: "sql", Name: "answers", Source: "SELECT range AS n, 'x' AS s FROM range(7)"},
		{ID: "py", Kind: "python", Source: "import pandas as pd\ncount = 3\nlabel = 'hello ' * 40\nframe = pd.DataFrame({'a': [1, 2]})\n_hidden = 1"},
	}
	run := func(id string) {
		t.Helper()
		if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{id}}); err != nil {
			t.Fatal(err)
		}
	}
	run("q")
	v, err := s.Variables(ctx, nb.Session)
	if err != nil {
		t.Fatal(err)
	}
	if want := []duckdb.ResultSize{{Name: "answers", Rows: 7, Columns: 2}}; !slices.Equal(v.Results, want) {
		t.Fatalf("results %+v, want %+v", v.Results, want)
	}
	if v.Kernel != bridge.StateNone || v.Python != nil {
		t.Fatalf("before any Python cell: kernel %q, python %+v; want none and no variables", v.Kernel, v.Python)
	}
	if got := rec.kernelStates(nb.Session); len(got) != 0 {
		t.Fatalf("Variables started a kernel: states %v", got)
	}

	run("py")
	v, err = s.Variables(ctx, nb.Session)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kernel != bridge.StateIdle || v.PythonError != "" {
		t.Fatalf("kernel %q, error %q; want idle and none", v.Kernel, v.PythonError)
	}
	byName := map[string]bridge.Variable{}
	var names []string
	for _, x := range v.Python {
		byName[x.Name] = x
		names = append(names, x.Name)
	}
	for _, tc := range []struct{ name, typ, repr string }{
		{"count", "int", "3"},
		{"frame", "pandas.DataFrame", "2 rows × 1 columns"},
	} {
		got, ok := byName[tc.name]
		if !ok || got.Type != tc.typ || got.Repr != tc.repr {
			t.Errorf("%s: got %+v (present %v), want type %q repr %q", tc.name, got, ok, tc.typ, tc.repr)
		}
	}
	if l := byName["label"]; l.Type != "str" || len(l.Repr) > 100 {
		t.Errorf("label: %+v, want a str with a short repr", l)
	}
	for _, hidden := range []string{"_hidden", "pd", "In", "Out", "get_ipython", "_smallfry_variables"} {
		if _, ok := byName[hidden]; ok {
			t.Errorf("%s is listed: %v", hidden, names)
		}
	}
	// The silent execution left no name behind and took no execution count.
	cells = append(cells, workbench.CellData{ID: "after", Kind: "python", Source: "print('_smallfry_variables' in globals())"})
	run("after")
	if ev := rec.waitCell(t, "after", "done"); streamText(ev.Output) != "False\n" {
		t.Fatalf("after Variables: %q", streamText(ev.Output))
	}

	if st, err := s.RestartKernel(ctx, nb.Session); err != nil || st.State != bridge.StateIdle {
		t.Fatalf("RestartKernel: %+v, %v; want idle", st, err)
	}
	states := rec.kernelStates(nb.Session)
	want := []string{bridge.StateStarting, bridge.StateIdle, bridge.StateBusy, bridge.StateIdle}
	if len(states) < len(want) || !slices.Equal(states[:len(want)], want) {
		t.Errorf("states %v, want them to begin %v", states, want)
	}
	if tail := states[len(states)-2:]; !slices.Equal(tail, []string{bridge.StateRestarting, bridge.StateIdle}) {
		t.Errorf("states %v, want them to end restarting, idle", states)
	}
}

// Restarting before any kernel started says so rather than nothing.
func TestRestartKernelWithoutKernel(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "nokernel")
	if err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, entry.Path)
	st, err := s.RestartKernel(ctx, nb.Session)
	if err != nil || st.State != bridge.StateNone {
		t.Fatalf("RestartKernel: %+v, %v; want state none", st, err)
	}
}
