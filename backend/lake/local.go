package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"smallfry/backend/atomicfile"
)

// Local is a lake in a folder of this machine.
type Local struct {
	root string
}

var _ Storage = (*Local)(nil)

// NewLocal returns the storage of the folder root, creating it if needed.
func NewLocal(root string) (*Local, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open lake %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open lake %q: %w", root, err)
	}
	return &Local{root: abs}, nil
}

// Root is the folder.
func (l *Local) Root() string { return l.root }

func (l *Local) path(key string) string { return filepath.Join(l.root, filepath.FromSlash(key)) }

// object describes a file. Its ETag is its size and modification time,
// which every rewrite changes (Swap makes sure of it even where the file
// system keeps coarse times).
func (l *Local) object(key string, info fs.FileInfo) (Object, error) {
	return Object{
		Key: key, Size: info.Size(), ModTime: info.ModTime(),
		ETag: strconv.FormatInt(info.Size(), 36) + "-" + strconv.FormatInt(info.ModTime().UnixNano(), 36),
	}, nil
}

func hidden(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// List walks the folder under prefix.
func (l *Local) List(ctx context.Context, prefix string) ([]Object, error) {
	dir := l.path(strings.TrimSuffix(prefix, "/"))
	var out []Object
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.root, p)
		rel = filepath.ToSlash(rel)
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasPrefix(rel, prefix) || hidden(rel) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		o, err := l.object(rel, info)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list lake %s: %w", l.path(prefix), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Folders reads one folder.
func (l *Local) Folders(ctx context.Context, prefix string) ([]string, error) {
	entries, err := os.ReadDir(l.path(strings.TrimSuffix(prefix, "/")))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list lake %s: %w", l.path(prefix), err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Stat stats one file.
func (l *Local) Stat(ctx context.Context, key string) (Object, error) {
	info, err := os.Stat(l.path(key))
	if err != nil {
		return Object{}, err
	}
	if info.IsDir() {
		return Object{}, fmt.Errorf("%s is a folder: %w", l.path(key), fs.ErrNotExist)
	}
	return l.object(key, info)
}

// Get reads one file through one handle, so the ETag is that of the bytes
// read even when the file is being replaced.
func (l *Local) Get(ctx context.Context, key string) ([]byte, Object, error) {
	f, err := os.Open(l.path(key))
	if err != nil {
		return nil, Object{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, Object{}, err
	}
	if info.IsDir() {
		return nil, Object{}, fmt.Errorf("%s is a folder: %w", l.path(key), fs.ErrNotExist)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, Object{}, err
	}
	o, err := l.object(key, info)
	return data, o, err
}

// ReadAt reads part of one file.
func (l *Local) ReadAt(ctx context.Context, key string, p []byte, off int64) (int, error) {
	f, err := os.Open(l.path(key))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.ReadAt(p, off)
}

// Put moves the file into place (it was staged in this lake's folder, so
// this is a rename) or copies it when it was staged elsewhere.
func (l *Local) Put(ctx context.Context, key, file string) error {
	target := l.path(key)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(file, target); err == nil {
		return nil
	}
	src, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer src.Close()
	dst, err := os.Create(target)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(target)
		return fmt.Errorf("put %s: %w", key, err)
	}
	return dst.Close()
}

// lockTimeout bounds how long Swap waits for another writer's lock, and
// how old a lock must be to count as left by a crashed writer.
const lockTimeout = 30 * time.Second

// Swap compares and replaces under a lock file, so that two processes (the
// window and a headless run) committing at once cannot both win; the
// replacement itself is a rename, which readers see in one step.
func (l *Local) Swap(ctx context.Context, key string, data []byte, match string) error {
	target := l.path(key)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("commit %s: %w", key, err)
	}
	unlock, err := lockFile(ctx, target+".lock")
	if err != nil {
		return fmt.Errorf("commit %s: %w", key, err)
	}
	defer unlock()
	cur, err := l.Stat(ctx, key)
	existed := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if match != "" {
			return fmt.Errorf("commit %s: %w (it was removed)", key, ErrConflict)
		}
	case err != nil:
		return fmt.Errorf("commit %s: %w", key, err)
	case cur.ETag != match:
		return fmt.Errorf("commit %s: %w", key, ErrConflict)
	}
	if err := atomicfile.Write(target, data, 0o644); err != nil {
		return fmt.Errorf("commit %s: %w", key, err)
	}
	if info, err := os.Stat(target); existed && err == nil && !info.ModTime().After(cur.ModTime) {
		// Same size within the file system's time resolution would keep the
		// ETag: move the time on, so a writer holding the old one conflicts.
		later := cur.ModTime.Add(time.Second)
		if err := os.Chtimes(target, later, later); err != nil {
			return fmt.Errorf("commit %s: %w", key, err)
		}
	}
	return nil
}

func lockFile(ctx context.Context, path string) (func(), error) {
	deadline := time.Now().Add(lockTimeout)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, err := os.Stat(path); err == nil && time.Since(info.ModTime()) > lockTimeout {
			os.Remove(path) // left by a writer that crashed
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another write holds %s", path)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Delete removes files and the folders they leave empty.
func (l *Local) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		p := l.path(k)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err) // Windows refuses files open elsewhere: a later write retries
			continue
		}
		for dir := filepath.Dir(p); dir != l.root && strings.HasPrefix(dir, l.root); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break // not empty
			}
		}
	}
	return errors.Join(errs...)
}

// Location is the file's path.
func (l *Local) Location(key string) string { return l.path(key) }

// LocalPath is the file itself.
func (l *Local) LocalPath(ctx context.Context, key string) (string, error) { return l.path(key), nil }

// StagingDir makes a folder in the lake's hidden .staging, on the same
// file system as the lake, so Put is a rename.
func (l *Local) StagingDir(ctx context.Context) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	dir := filepath.Join(l.root, ".staging", time.Now().UTC().Format("20060102T150405")+"-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make lake staging folder: %w", err)
	}
	return dir, nil
}
