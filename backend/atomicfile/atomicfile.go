// Package atomicfile replaces files so that readers see the old content or
// the new, never a mix, and a failed write leaves the old file as it was.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// rename is os.Rename; tests swap it to make the last step fail.
var rename = os.Rename

// Write writes data to a temporary file beside path, syncs it and renames
// it over path. The file gets perm less the process's umask, as any file
// the user's programs create (0o600 stays private whatever the umask). On
// any failure the temporary file is removed and path is untouched.
func Write(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, false)
}

// WriteMode is Write giving the file exactly perm, umask or not: for
// replacing a file with the mode it already has.
func WriteMode(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, true)
}

func write(path string, data []byte, perm fs.FileMode, exact bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".", ".tmp", perm)
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
	if exact {
		if err = tmp.Chmod(perm); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = rename(tmp.Name(), path); err != nil {
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

// createTemp is os.CreateTemp with a mode: the system applies the umask
// to perm as the file is made (os.CreateTemp makes 0o600, and a Chmod
// afterwards would skip the umask).
func createTemp(dir, prefix, suffix string, perm fs.FileMode) (*os.File, error) {
	for try := 0; ; try++ {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		name := filepath.Join(dir, prefix+hex.EncodeToString(b[:])+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}
