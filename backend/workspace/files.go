package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"smallfry/backend"
)

// TrashDir is where deleted notebooks and folders go, relative to the
// workspace folder: one folder per deletion, holding the deleted path as
// it was under notebooks/, so nothing deleted from the app is lost.
const TrashDir = stateDir + "/trash"

// Files changes files inside one workspace folder and nowhere else. Each
// path is resolved first (symlinks inside the workspace are followed, one
// that leads out is refused with an EINVALID error), and the change itself
// goes through an os.Root on the workspace, which refuses to leave it even
// if a symlink is planted between the check and the change.
//
// Paths are relative to the workspace folder and slash-separated
// ("notebooks/sales/q1.ipynb").
type Files struct {
	dir string
}

// NewFiles returns the file operations of the workspace folder dir.
func NewFiles(dir string) *Files { return &Files{dir: dir} }

// escapes is the refusal of a path that leads out of the workspace.
func escapes(rel string) error {
	return backend.Errorf(backend.EINVALID, "%s leads out of the workspace through a symbolic link: Smallfry only changes files inside the workspace folder", rel)
}

// root opens the workspace, resolved: the os.Root and the real folder.
func (f *Files) root() (*os.Root, string, error) {
	real, err := filepath.EvalSymlinks(f.dir)
	if err != nil {
		return nil, "", fmt.Errorf("open workspace %s: %w", f.dir, err)
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, "", fmt.Errorf("open workspace %s: %w", f.dir, err)
	}
	return r, real, nil
}

// local checks that rel is a plain relative path inside the workspace.
func local(rel string) (string, error) {
	p := filepath.FromSlash(rel)
	if rel == "" || strings.ContainsRune(rel, 0) || !filepath.IsLocal(p) {
		return "", backend.Errorf(backend.EINVALID, "path %q is not inside the workspace", rel)
	}
	return filepath.Clean(p), nil
}

// resolve follows the symlinks of rel (all of them with followLast, else
// all but the last element, which is then the link itself) and returns the
// result relative to the real workspace folder. Elements that do not exist
// yet are kept as they are.
func resolve(real, rel string, followLast bool) (string, error) {
	p, err := local(rel)
	if err != nil {
		return "", err
	}
	if err := fileInPath(real, rel, p); err != nil {
		return "", err
	}
	dir, last := filepath.Dir(p), filepath.Base(p)
	if followLast {
		dir, last = p, ""
	}
	// The deepest existing ancestor is resolved; the rest is appended.
	var missing []string
	cur := dir
	var resolved string
	for {
		r, err := filepath.EvalSymlinks(filepath.Join(real, cur))
		if err == nil {
			resolved = r
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("resolve %s: %w", rel, err)
		}
		if cur == "." {
			return "", fmt.Errorf("resolve %s: %w", rel, err)
		}
		missing = append([]string{filepath.Base(cur)}, missing...)
		cur = filepath.Dir(cur)
	}
	inside, err := filepath.Rel(real, resolved)
	if err != nil || !(inside == "." || filepath.IsLocal(inside)) {
		return "", escapes(rel)
	}
	parts := append([]string{inside}, missing...)
	if last != "" {
		parts = append(parts, last)
	}
	return filepath.Join(parts...), nil
}

// fileInPath refuses, as the user's mistake, a path through a file as if
// it were a folder (tour.ipynb/x.ipynb), which the file system would
// answer with "not a directory".
func fileInPath(real, rel, p string) error {
	parts := strings.Split(p, string(filepath.Separator))
	for i := 1; i < len(parts); i++ {
		prefix := filepath.Join(parts[:i]...)
		info, err := os.Stat(filepath.Join(real, prefix))
		if err != nil {
			return nil // missing (made later) or unreadable: the operation says
		}
		if !info.IsDir() {
			return backend.Errorf(backend.EINVALID, "%s: %s is a file, not a folder", rel, filepath.ToSlash(prefix))
		}
	}
	return nil
}

// rootErr turns os.Root's refusal of an escape (a symlink planted after
// the check) into the same error the check gives.
func rootErr(op, rel string, err error) error {
	if err != nil && strings.Contains(err.Error(), "path escapes from parent") {
		return escapes(rel)
	}
	// What a file system says of a folder or file in the wrong place (one
	// made meanwhile) is the user's mistake, said so.
	if errors.Is(err, syscall.ENOTDIR) {
		return backend.Errorf(backend.EINVALID, "%s %s: a part of the path is a file, not a folder", op, rel)
	}
	if errors.Is(err, syscall.EISDIR) {
		return backend.Errorf(backend.EINVALID, "%s %s: it is a folder, not a file", op, rel)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, rel, err)
	}
	return nil
}

// ReadFile reads a file of the workspace.
func (f *Files) ReadFile(rel string) ([]byte, error) {
	r, real, err := f.root()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, err := resolve(real, rel, true)
	if err != nil {
		return nil, err
	}
	data, err := r.ReadFile(p)
	return data, rootErr("read", rel, err)
}

// WriteAtomic replaces the file rel (the file a symlink inside the
// workspace points to) with data: a temporary file beside it, synced,
// renamed over it. perm applies to a new file; an existing one keeps its
// mode. Missing parent folders are made.
func (f *Files) WriteAtomic(rel string, data []byte, perm fs.FileMode) (err error) {
	r, real, err := f.root()
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := resolve(real, rel, true)
	if err != nil {
		return err
	}
	// A file replaced keeps its mode exactly, umask or not; a new one gets
	// perm less the umask.
	keep := false
	if info, err := r.Stat(p); err == nil {
		if info.IsDir() {
			return backend.Errorf(backend.EINVALID, "write %s: it is a folder, not a file", rel)
		}
		perm, keep = info.Mode().Perm(), true
	}
	if err := r.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return rootErr("write", rel, err)
	}
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+"."+randomHex(6)+".tmp")
	file, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return rootErr("write", rel, err)
	}
	defer func() {
		if err != nil {
			file.Close()
			r.Remove(tmp)
		}
	}()
	if keep {
		if err = file.Chmod(perm); err != nil {
			return rootErr("write", rel, err)
		}
	}
	if _, err = file.Write(data); err != nil {
		return rootErr("write", rel, err)
	}
	if err = file.Sync(); err != nil {
		return rootErr("write", rel, err)
	}
	if err = file.Close(); err != nil {
		return rootErr("write", rel, err)
	}
	if err = r.Rename(tmp, p); err != nil {
		return rootErr("write", rel, err)
	}
	return nil
}

// Create makes the new file rel holding data, refusing (ECONFLICT) when
// something of that name exists. Missing parent folders are made. The
// bytes go to a temporary file first, so a failure leaves no half file.
func (f *Files) Create(rel string, data []byte, perm fs.FileMode) error {
	r, real, err := f.root()
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := resolve(real, rel, false)
	if err != nil {
		return err
	}
	if err := r.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return rootErr("create", rel, err)
	}
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+"."+randomHex(6)+".tmp")
	if err := f.writeNew(r, tmp, data, perm); err != nil {
		return rootErr("create", rel, err)
	}
	defer r.Remove(tmp)
	return noReplace(r, tmp, p, rel)
}

func (f *Files) writeNew(r *os.Root, name string, data []byte, perm fs.FileMode) error {
	file, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		r.Remove(name)
		return err
	}
	if err := file.Sync(); err != nil {
		file.Close()
		r.Remove(name)
		return err
	}
	return file.Close()
}

// noReplace renames the file from to to, never replacing what is at to: a
// hard link fails where a rename would overwrite.
func noReplace(r *os.Root, from, to, rel string) error {
	if err := r.Link(from, to); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return backend.Errorf(backend.ECONFLICT, "%s already exists", rel)
		}
		if _, serr := r.Lstat(to); serr == nil {
			return backend.Errorf(backend.ECONFLICT, "%s already exists", rel)
		}
		// A file system without hard links: rename after the check above.
		return rootErr("rename", rel, r.Rename(from, to))
	}
	return rootErr("rename", rel, r.Remove(from))
}

// Move renames the file or folder from to to (another folder is fine),
// never replacing anything at to (ECONFLICT) and making to's missing
// parent folders. A symlink is moved as the link.
func (f *Files) Move(from, to string) error {
	r, real, err := f.root()
	if err != nil {
		return err
	}
	defer r.Close()
	src, err := resolve(real, from, false)
	if err != nil {
		return err
	}
	dst, err := resolve(real, to, false)
	if err != nil {
		return err
	}
	info, err := r.Lstat(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return backend.Errorf(backend.ENOTFOUND, "%s does not exist", from)
		}
		return rootErr("move", from, err)
	}
	if info.IsDir() {
		if src == dst || strings.HasPrefix(dst, src+string(filepath.Separator)) {
			return backend.Errorf(backend.EINVALID, "cannot move the folder %s into itself", from)
		}
	}
	if err := r.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return rootErr("move", to, err)
	}
	if info.IsDir() {
		// Folders cannot be hard-linked; the check and the rename are two
		// steps, which is as close as a portable rename gets.
		if _, err := r.Lstat(dst); err == nil {
			return backend.Errorf(backend.ECONFLICT, "%s already exists", to)
		}
		return rootErr("move", from, r.Rename(src, dst))
	}
	return noReplace(r, src, dst, to)
}

// Copy copies the file from (through symlinks inside the workspace) to the
// new file to, refusing to replace anything (ECONFLICT).
func (f *Files) Copy(from, to string, perm fs.FileMode) error {
	data, err := f.ReadFile(from)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return backend.Errorf(backend.ENOTFOUND, "%s does not exist", from)
		}
		return err
	}
	return f.Create(to, data, perm)
}

// Mkdir makes the new folder rel and its missing parents; an existing one
// is an ECONFLICT.
func (f *Files) Mkdir(rel string) error {
	r, real, err := f.root()
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := resolve(real, rel, false)
	if err != nil {
		return err
	}
	if err := r.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return rootErr("make folder", rel, err)
	}
	if err := r.Mkdir(p, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return backend.Errorf(backend.ECONFLICT, "%s already exists", rel)
		}
		return rootErr("make folder", rel, err)
	}
	return nil
}

// Trash moves the file or folder rel into a new folder under TrashDir and
// returns where it went (relative to the workspace). A symlink is moved
// as the link; what it points to is not touched.
func (f *Files) Trash(rel string, now time.Time) (string, error) {
	p, err := local(rel)
	if err != nil {
		return "", err
	}
	dest := path.Join(TrashDir, now.UTC().Format("20060102T150405Z")+"-"+randomHex(4), filepath.ToSlash(p))
	if err := f.Move(rel, dest); err != nil {
		return "", err
	}
	return dest, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
