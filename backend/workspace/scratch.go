package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// A process's scratch copies (DuckDB's spill files, the tables handed to
// kernels) live in a folder of its own under .smallfry/tmp/, named
// p<pid>-<random> and held by a lock on its owner.lock for as long as the
// process runs. The lock, not the pid, tells a live owner from a dead one:
// the system drops it when the process ends, even by kill -9, and a pid can
// be reused. At the next start, folders whose lock can be taken are a
// crashed process's and are removed.
const (
	scratchPrefix = "p"
	ownerLock     = "owner.lock"
)

// scratch is the process's own folder under tmp/.
type scratch struct {
	dir  string
	lock *flock.Flock
}

// claimScratch makes and locks this process's folder in tmp, after
// removing the folders of processes that are gone.
func claimScratch(tmp string) (*scratch, error) {
	sweepScratch(tmp)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	dir := filepath.Join(tmp, scratchPrefix+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	lock := flock.New(filepath.Join(dir, ownerLock))
	ok, err := lock.TryLock()
	if err != nil || !ok {
		os.RemoveAll(dir)
		if err == nil {
			err = errors.New("locked by another process")
		}
		return nil, fmt.Errorf("scratch folder %s: %w", dir, err)
	}
	return &scratch{dir: dir, lock: lock}, nil
}

// sweepScratch removes the scratch folders whose owner is gone. A folder
// being made right now has no lock file yet: it is left alone.
func sweepScratch(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !isScratchName(e.Name()) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		lockPath := filepath.Join(dir, ownerLock)
		if _, err := os.Stat(lockPath); err != nil {
			continue
		}
		lock := flock.New(lockPath)
		if ok, err := lock.TryLock(); err != nil || !ok {
			continue // its process runs
		}
		// Everything but the lock first, then the lock: a process that
		// looks meanwhile sees a locked folder, never a half-removed one.
		inner, _ := os.ReadDir(dir)
		for _, in := range inner {
			if in.Name() != ownerLock {
				os.RemoveAll(filepath.Join(dir, in.Name()))
			}
		}
		lock.Unlock()
		os.RemoveAll(dir)
	}
}

// isScratchName tells p<pid>-<hex> folders from anything else in tmp.
func isScratchName(name string) bool {
	rest, ok := strings.CutPrefix(name, scratchPrefix)
	if !ok {
		return false
	}
	pid, random, ok := strings.Cut(rest, "-")
	if _, err := strconv.Atoi(pid); err != nil || !ok || random == "" {
		return false
	}
	_, err := hex.DecodeString(random)
	return err == nil
}

// release removes the folder and drops its lock.
func (s *scratch) release() {
	inner, _ := os.ReadDir(s.dir)
	for _, in := range inner {
		if in.Name() != ownerLock {
			os.RemoveAll(filepath.Join(s.dir, in.Name()))
		}
	}
	s.lock.Unlock()
	os.RemoveAll(s.dir)
}

// Close gives up the workspace's hold on its scratch folder, removing it.
// A process that ends without Close leaves it to the next start's sweep.
func (w *Workspace) Close() {
	if w.scratch != nil {
		w.scratch.release()
		w.scratch = nil
	}
}
