package auth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"smallfry/backend"
)

func TestSettingsClusters(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "settings", "good", "minio-dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "clusters.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     string
		Clusters json.RawMessage
		Want     []Cluster
		Error    string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(base, &fields); err != nil {
				t.Fatal(err)
			}
			fields["clusters"] = tc.Clusters
			file, _ := json.Marshal(fields)
			s, err := ParseSettings(file)
			if tc.Error != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.Error) || backend.ErrorCode(err) != backend.EINVALID {
					t.Fatalf("got %v, want %s…", err, tc.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Clusters, tc.Want) {
				t.Errorf("got %+v, want %+v", s.Clusters, tc.Want)
			}
			if c, ok := s.Cluster(strings.ToUpper(tc.Want[0].Name)); !ok || c != tc.Want[0] {
				t.Errorf("Cluster(%q) = %+v, %v", tc.Want[0].Name, c, ok)
			}
		})
	}
}
