package workbench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/notebook"
	"smallfry/backend/workspace"
)

// Trashed says where a deleted notebook or folder went: nothing deleted
// from the app is lost, it waits in the workspace's trash folder.
type Trashed struct {
	Path  string `json:"path"`  // what was deleted, relative to notebooks/
	Trash string `json:"trash"` // where it is now, relative to the workspace
}

// files changes the workspace's files, never through a symlink that leads
// out of it (see workspace.Files).
func (s *Service) files() *workspace.Files { return workspace.NewFiles(s.cfg.Root) }

// wsRel is an absolute path inside the workspace as Files names it.
func (s *Service) wsRel(abs string) string {
	rel, err := filepath.Rel(s.cfg.Root, abs)
	if err != nil {
		return abs // Files refuses it as not inside
	}
	return filepath.ToSlash(rel)
}

// createNotebookFile writes the new notebook file abs, refusing to replace
// one (two creations of one name must not both succeed).
func (s *Service) createNotebookFile(abs string, nb *notebook.Notebook) error {
	data, err := nb.Bytes()
	if err != nil {
		return err
	}
	if err := s.files().Create(s.wsRel(abs), data, 0o644); err != nil {
		if backend.ErrorCode(err) == backend.ECONFLICT {
			rel, _ := filepath.Rel(s.cfg.Notebooks, abs)
			return backend.Errorf(backend.ECONFLICT, "a notebook named %s already exists", strings.TrimSuffix(filepath.ToSlash(rel), ".ipynb"))
		}
		return fmt.Errorf("create notebook: %w", err)
	}
	return nil
}

// writeNotebook saves nb over its file abs, atomically, inside the workspace.
func (s *Service) writeNotebook(abs string, nb *notebook.Notebook) error {
	data, err := nb.Bytes()
	if err != nil {
		return err
	}
	if err := s.files().WriteAtomic(s.wsRel(abs), data, 0o644); err != nil {
		return fmt.Errorf("write notebook %s: %w", filepath.Base(abs), err)
	}
	return nil
}

// folderPath checks a folder as the UI names it (relative to notebooks/,
// slash-separated) and returns its absolute path.
func (s *Service) folderPath(rel string) (string, error) {
	rel = strings.Trim(strings.TrimSpace(rel), "/")
	clean := filepath.Clean(filepath.FromSlash(rel))
	if rel == "" || clean == "." || !filepath.IsLocal(clean) {
		return "", backend.Errorf(backend.EINVALID, "folder %q is not inside the workspace's notebooks folder", rel)
	}
	for _, part := range strings.Split(filepath.ToSlash(clean), "/") {
		if strings.HasPrefix(part, ".") || strings.ContainsAny(part, `<>:"|?*\`+"\x00") || strings.TrimSpace(part) != part {
			return "", backend.Errorf(backend.EINVALID, "%q is not a usable folder name (no leading dot, spaces at the ends or any of <>:\"|?*\\)", part)
		}
	}
	return filepath.Join(s.cfg.Notebooks, clean), nil
}

// listFolders lists the folders under notebooks/ (empty ones too, so the
// sidebar can show them), sorted by path.
func (s *Service) listFolders(ctx context.Context) ([]string, error) {
	out := []string{}
	err := filepath.WalkDir(s.cfg.Notebooks, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == s.cfg.Notebooks {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(s.cfg.Notebooks, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// DuplicateNotebook copies a notebook's saved file to a new name (to, as
// CreateNotebook takes it: ".ipynb" is added, a folder may be given). The
// copy has no run history of its own.
func (s *Service) DuplicateNotebook(ctx context.Context, path, to string) (*NotebookEntry, error) {
	src, err := s.notebookPath(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(src); err != nil {
		return nil, backend.Errorf(backend.ENOTFOUND, "notebook %s does not exist", path)
	}
	dst, err := s.newName(to)
	if err != nil {
		return nil, err
	}
	if err := s.files().Copy(s.wsRel(src), s.wsRel(dst), 0o644); err != nil {
		if backend.ErrorCode(err) == backend.ECONFLICT {
			return nil, backend.Errorf(backend.ECONFLICT, "a notebook named %s already exists", strings.TrimSuffix(to, ".ipynb"))
		}
		return nil, fmt.Errorf("duplicate notebook %s: %w", path, err)
	}
	return s.entry(dst)
}

// DeleteNotebook moves a notebook into the workspace's trash folder, with
// its unsaved edits (the autosave draft) beside it. An open session of it
// ends. Its run history stays.
func (s *Service) DeleteNotebook(ctx context.Context, path string) (*Trashed, error) {
	abs, err := s.notebookPath(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(abs); err != nil {
		return nil, backend.Errorf(backend.ENOTFOUND, "notebook %s does not exist", path)
	}
	return s.trash(path, abs, []string{abs})
}

// CreateFolder makes a folder under notebooks/ (and its missing parents).
func (s *Service) CreateFolder(ctx context.Context, path string) error {
	abs, err := s.folderPath(path)
	if err != nil {
		return err
	}
	if err := s.files().Mkdir(s.wsRel(abs)); err != nil {
		if backend.ErrorCode(err) == backend.ECONFLICT {
			return backend.Errorf(backend.ECONFLICT, "a folder or notebook named %s already exists", path)
		}
		return fmt.Errorf("create folder %s: %w", path, err)
	}
	return nil
}

// RenameFolder renames or moves a folder under notebooks/; open sessions
// and unsaved edits of the notebooks in it follow.
func (s *Service) RenameFolder(ctx context.Context, from, to string) error {
	src, err := s.folderPath(from)
	if err != nil {
		return err
	}
	dst, err := s.folderPath(to)
	if err != nil {
		return err
	}
	if info, err := os.Lstat(src); err != nil || !info.IsDir() {
		return backend.Errorf(backend.ENOTFOUND, "folder %s does not exist", from)
	}
	inside, err := s.notebooksUnder(src)
	if err != nil {
		return err
	}
	if err := s.files().Move(s.wsRel(src), s.wsRel(dst)); err != nil {
		if backend.ErrorCode(err) == backend.ECONFLICT {
			return backend.Errorf(backend.ECONFLICT, "a folder or notebook named %s already exists", to)
		}
		return fmt.Errorf("rename folder %s: %w", from, err)
	}
	for _, old := range inside {
		moved := filepath.Join(dst, strings.TrimPrefix(old, src))
		s.mu.Lock()
		for _, ss := range s.sessions {
			ss.renamed(old, moved)
		}
		s.mu.Unlock()
		if err := s.moveDraft(old, moved); err != nil {
			return err
		}
	}
	return nil
}

// DeleteFolder moves a folder with everything in it into the trash
// folder; open sessions of its notebooks end.
func (s *Service) DeleteFolder(ctx context.Context, path string) (*Trashed, error) {
	abs, err := s.folderPath(path)
	if err != nil {
		return nil, err
	}
	if info, err := os.Lstat(abs); err != nil || !info.IsDir() {
		return nil, backend.Errorf(backend.ENOTFOUND, "folder %s does not exist", path)
	}
	inside, err := s.notebooksUnder(abs)
	if err != nil {
		return nil, err
	}
	return s.trash(path, abs, inside)
}

// notebooksUnder lists the notebook files in a folder, recursively.
func (s *Service) notebooksUnder(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".ipynb") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the notebooks in %s: %w", filepath.Base(dir), err)
	}
	return out, nil
}

// trash moves abs (a notebook or a folder holding the notebooks given)
// into the trash, ending their sessions and moving their drafts along.
func (s *Service) trash(path, abs string, notebooks []string) (*Trashed, error) {
	dest, err := s.files().Trash(s.wsRel(abs), time.Now())
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", path, err)
	}
	gone := map[string]bool{}
	for _, nb := range notebooks {
		gone[nb] = true
	}
	s.mu.Lock()
	var ended []*session
	for id, ss := range s.sessions {
		ss.mu.Lock()
		hit := gone[ss.path]
		ss.mu.Unlock()
		if hit {
			ended = append(ended, ss)
			delete(s.sessions, id)
		}
	}
	s.mu.Unlock()
	for _, ss := range ended {
		ss.close()
	}
	// The draft goes beside the trashed file, as <name>.ipynb.draft.json.
	trashAbs := filepath.Join(s.cfg.Root, filepath.FromSlash(dest))
	for _, nb := range notebooks {
		draft := s.draftPath(nb)
		if _, err := os.Stat(draft); err != nil {
			continue
		}
		to := filepath.Join(trashAbs, strings.TrimPrefix(nb, abs)) + ".draft.json"
		if nb == abs {
			to = trashAbs + ".draft.json"
		}
		if err := s.files().Move(s.wsRel(draft), s.wsRel(to)); err != nil {
			return nil, fmt.Errorf("delete %s: keep its unsaved edits: %w", path, err)
		}
	}
	return &Trashed{Path: path, Trash: dest}, nil
}
