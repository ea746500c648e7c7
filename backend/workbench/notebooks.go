package workbench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"smallfry/backend"
	"smallfry/backend/notebook"
)

// Info describes the workspace for the start screen.
func (s *Service) Info(ctx context.Context) (*Info, error) {
	list, err := s.ListNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	folders, err := s.listFolders(ctx)
	if err != nil {
		return nil, err
	}
	return &Info{Version: s.cfg.Version, WorkspaceDir: s.cfg.Root, Notebooks: list, Folders: folders}, nil
}

// ListNotebooks lists the workspace's notebooks, sub-folders included,
// sorted by path.
func (s *Service) ListNotebooks(ctx context.Context) ([]NotebookEntry, error) {
	list := []NotebookEntry{}
	err := filepath.WalkDir(s.cfg.Notebooks, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != s.cfg.Notebooks {
			return filepath.SkipDir // .ipynb_checkpoints and the like
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".ipynb") {
			return nil
		}
		e, err := s.entry(p)
		if err != nil {
			return err
		}
		list = append(list, *e)
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list notebooks: %w", err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	return list, nil
}

func (s *Service) entry(abs string) (*NotebookEntry, error) {
	info, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(s.cfg.Notebooks, abs)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	return &NotebookEntry{Path: rel, Name: strings.TrimSuffix(filepath.Base(rel), ".ipynb"), Modified: info.ModTime().UTC(), Bytes: info.Size()}, nil
}

// notebookPath turns a path as the UI names it (relative to notebooks/,
// slash-separated) into a file path, refusing anything outside the folder.
func (s *Service) notebookPath(rel string) (string, error) {
	if err := checkPathText("notebook path", rel); err != nil {
		return "", err
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if rel == "" || filepath.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", backend.Errorf(backend.EINVALID, "notebook path %q is not inside the workspace's notebooks folder", rel)
	}
	if !strings.HasSuffix(clean, ".ipynb") {
		return "", backend.Errorf(backend.EINVALID, "notebook path %q does not end in .ipynb", rel)
	}
	return filepath.Join(s.cfg.Notebooks, clean), nil
}

// newName checks a name typed by the user for a new or renamed notebook;
// ".ipynb" is added when missing.
func (s *Service) newName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !strings.HasSuffix(name, ".ipynb") {
		name += ".ipynb"
	}
	base := strings.TrimSuffix(filepath.Base(filepath.FromSlash(name)), ".ipynb")
	if base == "" || strings.ContainsAny(base, `<>:"|?*`+"\x00") || strings.HasPrefix(base, ".") {
		return "", backend.Errorf(backend.EINVALID, "%q is not a usable notebook name (no leading dot, and none of <>:\"|?*)", strings.TrimSuffix(name, ".ipynb"))
	}
	abs, err := s.notebookPath(name)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err == nil {
		return "", backend.Errorf(backend.ECONFLICT, "a notebook named %s already exists", filepath.ToSlash(name))
	}
	return abs, nil
}

// CreateNotebook makes an empty SQL notebook with one SQL cell.
func (s *Service) CreateNotebook(ctx context.Context, name string) (*NotebookEntry, error) {
	abs, err := s.newName(name)
	if err != nil {
		return nil, err
	}
	nb := notebook.New()
	nb.Cells = append(nb.Cells, notebook.NewCell(notebook.KindSQL, ""))
	if err := s.createNotebookFile(abs, nb); err != nil {
		return nil, err
	}
	return s.entry(abs)
}

// RenameNotebook renames a notebook file; its run history keeps the old
// name. An open session of the notebook follows the file.
func (s *Service) RenameNotebook(ctx context.Context, from, to string) (*NotebookEntry, error) {
	src, err := s.notebookPath(from)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(src); err != nil {
		return nil, backend.Errorf(backend.ENOTFOUND, "notebook %s does not exist", from)
	}
	dst, err := s.newName(to)
	if err != nil {
		return nil, err
	}
	if err := s.files().Move(s.wsRel(src), s.wsRel(dst)); err != nil {
		if backend.ErrorCode(err) == backend.ECONFLICT {
			return nil, backend.Errorf(backend.ECONFLICT, "a notebook named %s already exists", to)
		}
		return nil, fmt.Errorf("rename notebook: %w", err)
	}
	s.mu.Lock()
	for _, ss := range s.sessions {
		ss.renamed(src, dst)
	}
	s.mu.Unlock()
	if err := s.moveDraft(src, dst); err != nil {
		return nil, err
	}
	return s.entry(dst)
}
