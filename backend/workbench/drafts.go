package workbench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
	"smallfry/backend/notebook"
)

// A draft holds a notebook's unsaved edits, written by Autosave while the
// user types (the UI calls it within a second of the last keystroke), so
// that a crash loses at most the last moments of typing. Saving the
// notebook drops it; opening the notebook restores it.
type draft struct {
	Path    string     `json:"path"` // the notebook file, to tell hash collisions apart
	SavedAt time.Time  `json:"savedAt"`
	Cells   []CellData `json:"cells"`
}

func (s *Service) draftPath(notebookFile string) string {
	sum := sha256.Sum256([]byte(notebookFile))
	return filepath.Join(s.cfg.Root, ".smallfry", "drafts", hex.EncodeToString(sum[:12])+".json")
}

// Autosave keeps the editor's cells as the notebook's draft.
func (s *Service) Autosave(ctx context.Context, session string, cells []CellData) error {
	ss, err := s.lookup(session)
	if err != nil {
		return err
	}
	// A draft that could not be applied would keep the notebook from
	// opening: refuse it now, as SaveNotebook would.
	if err := applyCells(notebook.New(), cells); err != nil {
		return backend.Errorf(backend.EINVALID, "autosave: %w", err)
	}
	ss.mu.Lock()
	path := ss.path
	ss.mu.Unlock()
	data, err := json.Marshal(draft{Path: path, SavedAt: time.Now().UTC(), Cells: cells})
	if err != nil {
		return backend.Errorf(backend.EINVALID, "autosave: %w", err)
	}
	target := s.draftPath(path)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("autosave: %w", err)
	}
	if err := s.files().WriteAtomic(s.wsRel(target), data, 0o600); err != nil {
		return fmt.Errorf("autosave: %w", err)
	}
	return nil
}

// readDraft returns the draft of a notebook file when it is newer than the
// file; an older or unreadable draft is dropped (the file won).
func (s *Service) readDraft(notebookFile string) (*draft, error) {
	path := s.draftPath(notebookFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read autosave draft: %w", err)
	}
	var d draft
	info, statErr := os.Stat(notebookFile)
	if json.Unmarshal(data, &d) != nil || d.Path != notebookFile || statErr != nil || !d.SavedAt.After(info.ModTime()) {
		os.Remove(path)
		return nil, nil
	}
	return &d, nil
}

// moveDraft follows a notebook renamed to newFile.
func (s *Service) moveDraft(oldFile, newFile string) error {
	from := s.draftPath(oldFile)
	data, err := os.ReadFile(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("move autosave draft: %w", err)
	}
	defer os.Remove(from)
	var d draft
	if json.Unmarshal(data, &d) != nil {
		return nil
	}
	d.Path = newFile
	if data, err = json.Marshal(d); err != nil {
		return fmt.Errorf("move autosave draft: %w", err)
	}
	if err := atomicfile.Write(s.draftPath(newFile), data, 0o600); err != nil {
		return fmt.Errorf("move autosave draft: %w", err)
	}
	return nil
}
