package notebook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
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
	// A new notebook follows the umask; one saved again keeps its mode.
	write, mode := atomicfile.Write, fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		write, mode = atomicfile.WriteMode, info.Mode().Perm()
	}
	if err := write(path, data, mode); err != nil {
		return fmt.Errorf("write notebook %s: %w", path, err)
	}
	return nil
}
