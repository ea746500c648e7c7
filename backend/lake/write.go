package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"smallfry/backend"
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

// commitTries bounds how often a write recomputes its manifest when other
// writes of the same table commit first.
const commitTries = 8

// Timings of the clean-up after a commit, the Lake's defaults.
const (
	// retireAfter is how long a version's data objects stay once a newer
	// version replaced them: DuckDB opens a query's files as its scan
	// reaches them, so a query that began before the commit still needs
	// them for a while.
	retireAfter = 15 * time.Minute
	// debrisAge is how old data objects that no manifest names must be
	// before a write removes them: those of writes that died before
	// committing (an in-flight write's objects are younger).
	debrisAge = time.Hour
)

// Commit is what a write stored: the new version and, for lineage, the
// location and ETag of each object it wrote ("s3://b/Sales/_v/…#etag").
type Commit struct {
	Version string
	Objects []string
}

// Write replaces table name with the files fill writes into an empty local
// folder. The new version's objects are stored beside the old ones, then
// the table's manifest is swapped to name them, in one step: readers see
// the old table or the new one, never a mix. If fill fails, ctx ends or
// the upload breaks, the previous version is untouched and the objects
// already stored are never named by a manifest.
func (l *Lake) Write(ctx context.Context, name string, mode Mode, fill func(ctx context.Context, dir string) error) (Commit, error) {
	if !ValidName(name) {
		return Commit{}, backend.Errorf(backend.EINVALID, "write lake table %q: a table name is %s", name, backend.IdentifierRule)
	}
	if mode != Overwrite && mode != ReplacePartitions {
		return Commit{}, backend.Errorf(backend.EINVALID, "write lake table %s: unknown mode %q", name, mode)
	}
	staging, err := l.store.StagingDir(ctx)
	if err != nil {
		return Commit{}, err
	}
	defer os.RemoveAll(staging)
	if err := fill(ctx, staging); err != nil {
		return Commit{}, fmt.Errorf("write lake table %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return Commit{}, fmt.Errorf("write lake table %s: %w", name, err)
	}
	files, err := stagedFiles(staging)
	if err != nil {
		return Commit{}, fmt.Errorf("write lake table %s: %w", name, err)
	}
	if mode == ReplacePartitions {
		for _, f := range files {
			if !strings.Contains(f.Path, "=") || !strings.Contains(f.Path, "/") {
				return Commit{}, backend.Errorf(backend.EINVALID, "write lake table %s: mode %s needs partitioned output, found %s", name, mode, f.Path)
			}
		}
	}
	version := newVersion()
	commit := Commit{Version: version}
	prefix := versionsFolder + "/" + version + "/"
	var stored []string
	for i := range files {
		key := name + "/" + prefix + files[i].Path
		if err := l.store.Put(ctx, key, filepath.Join(staging, filepath.FromSlash(files[i].Path))); err != nil {
			l.forget(stored)
			return Commit{}, fmt.Errorf("write lake table %s: %w", name, err)
		}
		stored = append(stored, key)
		files[i].Path = prefix + files[i].Path
		if obj, err := l.store.Stat(ctx, key); err == nil {
			files[i].ETag = obj.ETag
		}
		commit.Objects = append(commit.Objects, l.store.Location(key)+"#"+files[i].ETag)
	}
	expired, err := l.commit(ctx, name, mode, version, files)
	if err != nil {
		l.forget(stored)
		return Commit{}, fmt.Errorf("write lake table %s: %w", name, err)
	}
	l.mu.Lock()
	delete(l.files, strings.ToLower(name))
	l.mu.Unlock()
	l.sweep(ctx, name, expired)
	return commit, nil
}

// stagedFiles lists what fill wrote, relative to the staging folder.
func stagedFiles(dir string) ([]manifestFile, error) {
	var out []manifestFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, manifestFile{Path: filepath.ToSlash(rel), Size: info.Size()})
		return nil
	})
	return out, err
}

func newVersion() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// commit swaps the table's manifest to the new version, recomputing it
// when another write committed in between. The objects the new version no
// longer names are retired; it returns those retired long enough to go.
func (l *Lake) commit(ctx context.Context, name string, mode Mode, version string, files []manifestFile) ([]string, error) {
	for range commitTries {
		st, err := l.state(ctx, name)
		if err != nil {
			return nil, err
		}
		now := l.now()
		m := manifest{Format: manifestFormat, Version: version, CommittedAt: now, Files: slices.Clone(files)}
		var expired []string
		for _, r := range st.retired {
			if now.Sub(r.Since) < l.retireAfter() {
				m.Retired = append(m.Retired, r)
			} else {
				expired = append(expired, name+"/"+r.Path)
			}
		}
		replaced := map[string]bool{}
		if mode == ReplacePartitions {
			for _, f := range files {
				replaced[partitionOf(name, name+"/"+f.Path)] = true
			}
		}
		for _, o := range st.files {
			rel := strings.TrimPrefix(o.Key, name+"/")
			if mode == ReplacePartitions && !replaced[partitionOf(name, o.Key)] {
				m.Files = append(m.Files, manifestFile{Path: rel, Size: o.Size})
			} else {
				m.Retired = append(m.Retired, retiredFile{Path: rel, Since: now})
			}
		}
		slices.SortFunc(m.Files, func(a, b manifestFile) int { return strings.Compare(a.Path, b.Path) })
		data, err := json.MarshalIndent(m, "", " ")
		if err != nil {
			return nil, err
		}
		err = l.store.Swap(ctx, name+"/"+manifestName, append(data, '\n'), st.etag)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		l.forgetFooters(name)
		return expired, nil
	}
	return nil, backend.Errorf(backend.ECONFLICT, "table %s changed %d times while this write tried to commit; try again", name, commitTries)
}

func (l *Lake) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *Lake) retireAfter() time.Duration {
	if l.RetireAfter > 0 {
		return l.RetireAfter
	}
	return retireAfter
}

// forget removes objects no manifest names, after a failed write.
func (l *Lake) forget(keys []string) {
	if len(keys) > 0 {
		_ = l.store.Delete(context.Background(), keys...)
	}
}

// sweep removes what no version needs any more: the objects retired long
// enough ago (where the system refuses, as Windows does for open files, a
// later write retries) and data objects that no manifest names and that
// are older than debrisAge.
func (l *Lake) sweep(ctx context.Context, name string, expired []string) {
	_ = l.store.Delete(ctx, expired...)
	st, err := l.state(ctx, name)
	if err != nil {
		return
	}
	live := map[string]bool{name + "/" + manifestName: true}
	for _, o := range st.files {
		live[o.Key] = true
	}
	for _, r := range st.retired {
		live[name+"/"+r.Path] = true
	}
	all, err := l.store.List(ctx, name+"/")
	if err != nil {
		return
	}
	var debris []string
	for _, o := range all {
		if !live[o.Key] && l.now().Sub(o.ModTime) > debrisAge && (strings.HasSuffix(o.Key, ".parquet") || strings.HasPrefix(o.Key, name+"/"+versionsFolder+"/")) {
			debris = append(debris, o.Key)
		}
	}
	_ = l.store.Delete(ctx, debris...)
}
