package notebook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"smallfry/backend"
)

// ReadFile reads and parses the notebook at path. A missing file is a
// backend.ENOTFOUND error, a malformed one backend.EINVALID.
func ReadFile(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, backend.Errorf(backend.ENOTFOUND, "read notebook %s: the file does not exist", path)
		}
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	return Parse(path, data)
}

// renameFile is os.Rename; tests swap it to make the last step fail.
var renameFile = os.Rename

// WriteFile saves nb to path atomically: the bytes go to a temporary file in
// the same folder, which is synced and then renamed over path. Readers see
// the old file or the new one, never a mix, and on any failure the old file
// is left as it was and the temporary file is removed.
func WriteFile(path string, nb *Notebook) error {
	if nb == nil {
		return backend.Errorf(backend.EINVALID, "write notebook %s: no notebook given", path)
	}
	data, err := nb.marshal()
	if err != nil {
		return backend.Errorf(backend.EINVALID, "write notebook %s: %w", path, err)
	}
	// Replace the file a symlink points to, not the link itself.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	if err := writeAtomic(path, data, mode); err != nil {
		return fmt.Errorf("write notebook %s: %w", path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = renameFile(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every system can sync a folder
	// (Windows cannot), and the data is already safe, so errors are ignored.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
