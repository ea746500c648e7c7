package workspace

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"

	"smallfry/backend"
)

// settingsFile holds a workspace's settings, in .smallfry/. It is optional.
const settingsFile = "settings.json"

// Settings are a workspace's settings.
type Settings struct {
	Docker struct {
		CPUs     float64 `json:"cpus"`     // CPUs per kernel container; 0: no limit
		MemoryMB int64   `json:"memoryMB"` // memory per kernel container; 0: no limit
	} `json:"docker"`
	// Cluster bounds what a cluster cell brings back (over it, the result
	// is written to the S3 lake) and sets when a local cell offers the
	// cluster instead: over OffloadBytes to download from the S3 lake.
	Cluster struct {
		MaxRows      int64 `json:"maxRows"`
		MaxBytes     int64 `json:"maxBytes"`
		OffloadBytes int64 `json:"offloadBytes"`
	} `json:"cluster"`
}

func defaultSettings() Settings {
	var s Settings
	s.Docker.CPUs = 2
	s.Docker.MemoryMB = 4096
	s.Cluster.MaxRows = 1_000_000
	s.Cluster.MaxBytes = 1 << 30
	s.Cluster.OffloadBytes = 2 << 30
	return s
}

// readSettings reads the settings file over the defaults; a missing file
// gives the defaults, a malformed one a clear error.
func readSettings(path string) (Settings, error) {
	s := defaultSettings()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, backend.Errorf(backend.EINVALID, "read settings %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, backend.Errorf(backend.EINVALID, "settings %s are not valid JSON: %v", path, err)
	}
	if s.Docker.CPUs < 0 || s.Docker.MemoryMB < 0 {
		return s, backend.Errorf(backend.EINVALID, "settings %s: docker cpus and memoryMB cannot be negative", path)
	}
	if s.Cluster.MaxRows <= 0 || s.Cluster.MaxBytes <= 0 || s.Cluster.OffloadBytes < 0 {
		return s, backend.Errorf(backend.EINVALID, "settings %s: cluster maxRows and maxBytes must be positive, offloadBytes not negative (0 never offers the cluster)", path)
	}
	return s, nil
}
