package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend"
)

func TestReadSettings(t *testing.T) {
	tests := []struct {
		name, file string // file "" = no settings file
		cpus       float64
		memoryMB   int64
		wantErr    string
	}{
		{name: "no file: defaults", cpus: 2, memoryMB: 4096},
		{name: "some keys", file: `{"docker": {"cpus": 0.5}}`, cpus: 0.5, memoryMB: 4096},
		{name: "no limits", file: `{"docker": {"cpus": 0, "memoryMB": 0}}`},
		{name: "not JSON", file: `{"docker": `, wantErr: "not valid JSON"},
		{name: "wrong type", file: `{"docker": {"cpus": "two"}}`, wantErr: "not valid JSON"},
		{name: "negative", file: `{"docker": {"memoryMB": -1}}`, wantErr: "cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), settingsFile)
			if tt.file != "" {
				if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := readSettings(path)
			if tt.wantErr != "" {
				if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want EINVALID naming %s and saying %q", err, path, tt.wantErr)
				}
				return
			}
			if err != nil || s.Docker.CPUs != tt.cpus || s.Docker.MemoryMB != tt.memoryMB {
				t.Errorf("settings = %+v, %v; want cpus %v, memoryMB %d", s.Docker, err, tt.cpus, tt.memoryMB)
			}
		})
	}
}
