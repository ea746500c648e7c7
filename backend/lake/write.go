package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Mode says what a write replaces.
type Mode string

const (
	// Overwrite replaces the whole table.
	Overwrite Mode = "overwrite"
	// ReplacePartitions replaces only the partitions the write produced
	// (Spark's dynamic partition overwrite); other partitions stay.
	ReplacePartitions Mode = "partitions"
)

// Write replaces table name with the files fill writes into an empty staging
// folder. Readers see the old table until the new one is complete: the
// staging folder is swapped in by rename, per table (Overwrite) or per
// partition folder (ReplacePartitions). If fill fails or ctx ends, the
// previous version is untouched and the staging folder is removed.
func (l *Lake) Write(ctx context.Context, name string, mode Mode, fill func(ctx context.Context, dir string) error) error {
	if !ValidName(name) {
		return fmt.Errorf("write lake table %q: a table name is letters, digits and _, not starting with a digit", name)
	}
	if mode != Overwrite && mode != ReplacePartitions {
		return fmt.Errorf("write lake table %s: unknown mode %q", name, mode)
	}
	staging, err := l.tempDir(".staging", name)
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	if err := fill(ctx, staging); err != nil {
		return fmt.Errorf("write lake table %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write lake table %s: %w", name, err)
	}
	target := filepath.Join(l.root, name)
	if mode == Overwrite {
		return l.swap(staging, target)
	}
	parts, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("write lake table %s: %w", name, err)
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("write lake table %s: %w", name, err)
	}
	for _, p := range parts {
		if !p.IsDir() || !strings.Contains(p.Name(), "=") {
			return fmt.Errorf("write lake table %s: mode %s needs partitioned output, found %s", name, mode, p.Name())
		}
	}
	for _, p := range parts {
		if err := l.swap(filepath.Join(staging, p.Name()), filepath.Join(target, p.Name())); err != nil {
			return fmt.Errorf("write lake table %s: %w", name, err)
		}
	}
	return nil
}

// swap puts folder next in place of folder target (which may not exist) by
// two renames; if the second fails the first is undone.
func (l *Lake) swap(next, target string) error {
	trash, err := l.tempDir(".trash", filepath.Base(target))
	if err != nil {
		return err
	}
	defer os.RemoveAll(trash)
	old := filepath.Join(trash, "old")
	hadOld := true
	if err := os.Rename(target, old); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("replace %s: %w", target, err)
		}
		hadOld = false
	}
	if err := os.Rename(next, target); err != nil {
		if hadOld {
			if undo := os.Rename(old, target); undo != nil {
				return fmt.Errorf("replace %s: %w (and restoring the previous version failed: %v; it is in %s)", target, err, undo, old)
			}
		}
		return fmt.Errorf("replace %s: %w", target, err)
	}
	return nil
}

// tempDir makes a uniquely named folder under the lake's hidden dir.
func (l *Lake) tempDir(hidden, name string) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	dir := filepath.Join(l.root, hidden, name+"-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make lake staging folder: %w", err)
	}
	return dir, nil
}
