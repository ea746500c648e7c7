package lake

import (
	"context"
	"fmt"
	"path"
	"strings"

	"smallfry/backend"
)

// Staged is a version folder another writer fills with data objects
// directly in the storage (a Spark job writing s3a://…/Table/_v/VERSION/),
// for Adopt to commit.
type Staged struct {
	Table   string
	Version string
	// Prefix is the folder's key, relative to the lake root, ending in "/".
	Prefix string
}

// Stage names a new version folder of table for an outside writer. Nothing
// reads it until Adopt commits it.
func (l *Lake) Stage(name string) (Staged, error) {
	if !ValidName(name) {
		return Staged{}, backend.Errorf(backend.EINVALID, "write lake table %q: a table name is %s", name, backend.IdentifierRule)
	}
	v := newVersion()
	return Staged{Table: name, Version: v, Prefix: name + "/" + versionsFolder + "/" + v + "/"}, nil
}

// Adopt commits what an outside writer stored under st.Prefix as the
// table's new version (mode Overwrite replaces it whole): the Parquet
// objects there, except housekeeping ones (_SUCCESS, names starting with
// "_" or "."), are named by the manifest in one swap, as Write does.
func (l *Lake) Adopt(ctx context.Context, st Staged, mode Mode) (Commit, error) {
	objs, err := l.store.List(ctx, st.Prefix)
	if err != nil {
		return Commit{}, fmt.Errorf("commit lake table %s: %w", st.Table, err)
	}
	commit := Commit{Version: st.Version}
	var files []manifestFile
	for _, o := range objs {
		rel := strings.TrimPrefix(o.Key, st.Table+"/")
		if underscoredBelow(strings.TrimPrefix(o.Key, st.Prefix)) || !strings.HasSuffix(o.Key, ".parquet") {
			continue
		}
		files = append(files, manifestFile{Path: rel, Size: o.Size, ETag: o.ETag})
		commit.Objects = append(commit.Objects, l.store.Location(o.Key)+"#"+o.ETag)
	}
	if len(files) == 0 {
		return Commit{}, backend.Errorf(backend.EINVALID, "commit lake table %s: nothing was written under %s", st.Table, l.store.Location(st.Prefix))
	}
	expired, err := l.commit(ctx, st.Table, mode, st.Version, files)
	if err != nil {
		return Commit{}, fmt.Errorf("commit lake table %s: %w", st.Table, err)
	}
	l.mu.Lock()
	delete(l.files, strings.ToLower(st.Table))
	l.mu.Unlock()
	l.sweep(ctx, st.Table, expired)
	return commit, nil
}

// underscoredBelow tells whether a key below a version folder has a
// segment that is housekeeping (Spark's _SUCCESS, _temporary, .crc files).
func underscoredBelow(rel string) bool {
	for _, seg := range strings.Split(path.Clean(rel), "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}
