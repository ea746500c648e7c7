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
}

func defaultSettings() Settings {
	var s Settings
	s.Docker.CPUs = 2
	s.Docker.MemoryMB = 4096
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
	return s, nil
}
