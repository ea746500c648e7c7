package lake

import (
	"context"
	"errors"
	"io"
	"time"
)

// Object is one object of a lake's storage.
type Object struct {
	Key     string // slash-separated, relative to the lake's root
	Size    int64
	ModTime time.Time
	// ETag changes whenever the content does (as S3's does).
	ETag string
}

// Storage is where a lake's objects live: a local folder (Local) or, next,
// an S3 bucket prefix. The catalog, name resolution and writes only ever go
// through it. Keys are slash-separated and relative to the lake's root.
//
// Writes follow one commit protocol that an object store can honour: new
// data objects are Put under keys no reader looks at yet, then one small
// object (the table's manifest) is replaced with Swap, which makes them
// visible in one step. Readers read the manifest first, so they see the
// previous version or the new one, never a mix.
type Storage interface {
	// List returns the objects under prefix (a folder: "Sales/"), at any
	// depth, sorted by key; "" lists everything. Keys with a segment that
	// starts with "." (housekeeping) are left out.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Folders returns the names of the folders directly under prefix.
	Folders(ctx context.Context, prefix string) ([]string, error)
	// Stat describes one object; a missing one is an error wrapping
	// fs.ErrNotExist.
	Stat(ctx context.Context, key string) (Object, error)
	// Get reads a whole small object, with the ETag of what it read (a
	// missing one is an error wrapping fs.ErrNotExist).
	Get(ctx context.Context, key string) ([]byte, Object, error)
	// ReadAt reads len(p) bytes of an object from offset off: a ranged read.
	ReadAt(ctx context.Context, key string, p []byte, off int64) (int, error)
	// Put stores the local file as an object (and may consume the file).
	Put(ctx context.Context, key, file string) error
	// Swap replaces a small object in one step if its ETag is still match
	// ("" when it must not exist yet); otherwise it fails with ErrConflict
	// and changes nothing. It is the commit point of every write.
	Swap(ctx context.Context, key string, data []byte, match string) error
	// Delete removes objects; missing ones are not an error.
	Delete(ctx context.Context, keys ...string) error
	// LocalPath is a path on this machine where DuckDB reads an object or
	// a folder of objects: the file itself, or a local copy.
	LocalPath(ctx context.Context, key string) (string, error)
	// Location is where a user finds an object: a file path, an s3:// URL.
	Location(key string) string
	// StagingDir makes an empty local folder to write new objects in before
	// they are Put; the caller removes it.
	StagingDir(ctx context.Context) (string, error)
}

// ErrOffline is wrapped by a remote storage's errors when it cannot be
// reached or the user is signed out: readers fall back to what is cached.
var ErrOffline = errors.New("the lake cannot be reached")

// ErrConflict is wrapped when a Swap finds that another write committed first.
var ErrConflict = errors.New("the object changed since it was read")

// readerAt reads one object through a Storage, for parquet-go and scanners.
type readerAt struct {
	ctx context.Context
	s   Storage
	key string
}

func (r readerAt) ReadAt(p []byte, off int64) (int, error) { return r.s.ReadAt(r.ctx, r.key, p, off) }

var _ io.ReaderAt = readerAt{}
