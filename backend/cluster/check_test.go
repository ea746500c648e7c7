package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fakeNames is a lake with Sales and Regions, and a laptop with a local
// table and a named result.
type fakeNames struct{}

func (fakeNames) LakeTable(_ context.Context, name string) (string, bool, error) {
	for _, t := range []string{"Sales", "Regions"} {
		if strings.EqualFold(t, name) {
			return t, true, nil
		}
	}
	return "", false, nil
}

func (fakeNames) Local(_ context.Context, name string) (bool, error) {
	return strings.EqualFold(name, "local_only") || strings.EqualFold(name, "top_sales"), nil
}

func TestCheck(t *testing.T) {
	data, err := os.ReadFile("testdata/check.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name   string
		SQL    string
		Sent   []string
		Tables []string
		Params []string
		Line   int
		Error  string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			plan, err := Check(context.Background(), tc.SQL, fakeNames{})
			if tc.Error != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.Contains(se.Message, tc.Error) || se.Line != tc.Line {
					t.Fatalf("got %v, want line %d: …%s…", err, tc.Line, tc.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sent []string
			var params []string
			for _, s := range plan.Statements {
				sent = append(sent, s.SQL)
				params = append(params, s.Params...)
			}
			if !reflect.DeepEqual(sent, tc.Sent) {
				t.Errorf("sent %q, want %q", sent, tc.Sent)
			}
			if tc.Tables != nil && !reflect.DeepEqual(plan.Tables, tc.Tables) {
				t.Errorf("tables %q, want %q", plan.Tables, tc.Tables)
			}
			if tc.Params != nil && !reflect.DeepEqual(params, tc.Params) {
				t.Errorf("params %q, want %q", params, tc.Params)
			}
		})
	}
}
