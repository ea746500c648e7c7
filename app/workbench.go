package app

import (
	"context"

	"smallfry/backend/duckdb"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
	"smallfry/backend/workbench"
)

// Workbench binds backend/workbench.Service to the window. Wails binds
// every exported method and passes no context, so each method here forwards
// to the service's method of the same name with the app's context; the
// frontend's api module calls them by those names (and TestBindingsMatch
// keeps the two lists equal).
type Workbench struct {
	svc *workbench.Service
	ctx context.Context
}

func (w *Workbench) start(ctx context.Context) { w.ctx = ctx }
func (w *Workbench) stop()                     { w.svc.Close() }

func (w *Workbench) Info() (*workbench.Info, error) { return w.svc.Info(w.ctx) }

func (w *Workbench) ListNotebooks() ([]workbench.NotebookEntry, error) {
	return w.svc.ListNotebooks(w.ctx)
}

func (w *Workbench) CreateNotebook(name string) (*workbench.NotebookEntry, error) {
	return w.svc.CreateNotebook(w.ctx, name)
}

func (w *Workbench) RenameNotebook(from, to string) (*workbench.NotebookEntry, error) {
	return w.svc.RenameNotebook(w.ctx, from, to)
}

func (w *Workbench) DuplicateNotebook(path, to string) (*workbench.NotebookEntry, error) {
	return w.svc.DuplicateNotebook(w.ctx, path, to)
}

func (w *Workbench) DeleteNotebook(path string) (*workbench.Trashed, error) {
	return w.svc.DeleteNotebook(w.ctx, path)
}

func (w *Workbench) CreateFolder(path string) error { return w.svc.CreateFolder(w.ctx, path) }

func (w *Workbench) RenameFolder(from, to string) error { return w.svc.RenameFolder(w.ctx, from, to) }

func (w *Workbench) DeleteFolder(path string) (*workbench.Trashed, error) {
	return w.svc.DeleteFolder(w.ctx, path)
}

func (w *Workbench) OpenNotebook(path string) (*workbench.OpenedNotebook, error) {
	return w.svc.OpenNotebook(w.ctx, path)
}

func (w *Workbench) CloseNotebook(session string) error { return w.svc.CloseNotebook(w.ctx, session) }

func (w *Workbench) SaveNotebook(session string, cells []workbench.CellData) (*workbench.SavedNotebook, error) {
	return w.svc.SaveNotebook(w.ctx, session, cells)
}

func (w *Workbench) Autosave(session string, cells []workbench.CellData) error {
	return w.svc.Autosave(w.ctx, session, cells)
}

func (w *Workbench) DiscardDraft(session string) ([]workbench.CellData, error) {
	return w.svc.DiscardDraft(w.ctx, session)
}

func (w *Workbench) ClearOutputs(session string, cells []string) error {
	return w.svc.ClearOutputs(w.ctx, session, cells)
}

func (w *Workbench) RunCells(session string, req workbench.RunRequest) (*workbench.RunSummary, error) {
	return w.svc.RunCells(w.ctx, session, req)
}

func (w *Workbench) Cancel(runID string) error { return w.svc.Cancel(w.ctx, runID) }

func (w *Workbench) Window(session string, req workbench.WindowRequest) (*workbench.WindowResult, error) {
	return w.svc.Window(w.ctx, session, req)
}

func (w *Workbench) Summarize(session, schema, table, column string) (*duckdb.Summary, error) {
	return w.svc.Summarize(w.ctx, session, schema, table, column)
}

func (w *Workbench) Export(session string, req workbench.ExportRequest) (*workbench.Exported, error) {
	return w.svc.Export(w.ctx, session, req)
}

func (w *Workbench) Lake() ([]workbench.Dataset, error) { return w.svc.Lake(w.ctx) }

func (w *Workbench) PreviewImport(src workbench.ImportSource) (*workbench.ImportPreview, error) {
	return w.svc.PreviewImport(w.ctx, src)
}

func (w *Workbench) ImportData(req workbench.ImportRequest) (*workbench.Dataset, error) {
	return w.svc.ImportData(w.ctx, req)
}

func (w *Workbench) PreviewLake(session, name string) (*workbench.CellOutput, error) {
	return w.svc.PreviewLake(w.ctx, session, name)
}

func (w *Workbench) Completions(session string) (*workbench.Completions, error) {
	return w.svc.Completions(w.ctx, session)
}

func (w *Workbench) Runs(path string) ([]*runs.Record, error) { return w.svc.Runs(w.ctx, path) }

func (w *Workbench) OpenRun(id string) (*workbench.OpenedNotebook, error) {
	return w.svc.OpenRun(w.ctx, id)
}

func (w *Workbench) SetRuntime(session string, rt workbench.Runtime) (*workbench.Runtime, error) {
	return w.svc.SetRuntime(w.ctx, session, rt)
}

func (w *Workbench) RestartKernel(session string) (*workbench.KernelEvent, error) {
	return w.svc.RestartKernel(w.ctx, session)
}

func (w *Workbench) Variables(session string) (*workbench.Variables, error) {
	return w.svc.Variables(w.ctx, session)
}

func (w *Workbench) SetupPython() (*workbench.PythonSetup, error) { return w.svc.SetupPython(w.ctx) }
func (w *Workbench) CancelPythonSetup() error                     { return w.svc.CancelPythonSetup(w.ctx) }

func (w *Workbench) Account() (*workbench.Account, error) { return w.svc.Account(w.ctx) }

func (w *Workbench) ImportSettings(content string) (*workbench.Account, error) {
	return w.svc.ImportSettings(w.ctx, content)
}

func (w *Workbench) SignIn() (*workbench.DeviceCode, error) { return w.svc.SignIn(w.ctx) }
func (w *Workbench) CancelSignIn() error                    { return w.svc.CancelSignIn(w.ctx) }
func (w *Workbench) SignOut() error                         { return w.svc.SignOut(w.ctx) }
func (w *Workbench) S3Lake() (*workbench.S3Lake, error)     { return w.svc.S3Lake(w.ctx) }

func (w *Workbench) AirflowAccount() (*workbench.AirflowAccount, error) {
	return w.svc.AirflowAccount(w.ctx)
}

func (w *Workbench) AirflowSignIn(login workbench.AirflowLogin) (*workbench.AirflowAccount, error) {
	return w.svc.AirflowSignIn(w.ctx, login)
}

func (w *Workbench) DescribeSchedule(req workbench.ScheduleRequest) (*workbench.ScheduleInfo, error) {
	return w.svc.DescribeSchedule(w.ctx, req)
}

func (w *Workbench) CheckPublish(req workbench.PublishRequest) (*workbench.PublishCheck, error) {
	return w.svc.CheckPublish(w.ctx, req)
}

func (w *Workbench) Publish(req workbench.PublishRequest) (*workbench.PublishState, error) {
	return w.svc.Publish(w.ctx, req)
}

func (w *Workbench) PublishState(path string) (*workbench.PublishState, error) {
	return w.svc.PublishState(w.ctx, path)
}

func (w *Workbench) PublishedNotebooks() ([]workbench.PublishState, error) {
	return w.svc.PublishedNotebooks(w.ctx)
}

func (w *Workbench) RunNow(path string) (*runs.Record, error) { return w.svc.RunNow(w.ctx, path) }

func (w *Workbench) SetPublishedPaused(path string, paused bool) (*workbench.PublishState, error) {
	return w.svc.SetPublishedPaused(w.ctx, path, paused)
}

func (w *Workbench) Unpublish(path string) (*workbench.PublishState, error) {
	return w.svc.Unpublish(w.ctx, path)
}

func (w *Workbench) ScheduledLog(path, runID string) (string, error) {
	return w.svc.ScheduledLog(w.ctx, path, runID)
}

func (w *Workbench) Clusters() ([]workbench.ClusterInfo, error) { return w.svc.Clusters(w.ctx) }

func (w *Workbench) SetEngine(session, engine string) (*workbench.Runtime, error) {
	return w.svc.SetEngine(w.ctx, session, engine)
}

func (w *Workbench) Estimate(session, source string) (*runner.Estimate, error) {
	return w.svc.Estimate(w.ctx, session, source)
}
