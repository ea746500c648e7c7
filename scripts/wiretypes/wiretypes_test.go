package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The committed file is what the Go types give: renaming a field, changing
// a type or adding a call fails here until the file is regenerated, and then
// the frontend's type check names what has to follow.
func TestCommittedFileIsCurrent(t *testing.T) {
	want, err := Render(wire())
	if err != nil {
		t.Fatal(err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, Output))
	if err != nil {
		t.Fatalf("%v: run `make wiretypes` (go generate ./scripts/wiretypes) to write it", err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the Go types: run `make wiretypes` (go generate ./scripts/wiretypes), then `make test-frontend`.\n%s",
			Output, firstDifference(string(got), want))
	}
}

// firstDifference shows the first line that differs, with its number.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

// Fixtures for the mapping rules.
type (
	inner struct {
		A string `json:"a"`
	}
	base struct {
		ID string `json:"id"`
	}
	textKey string
	shapes  struct {
		base
		Plain   string `json:"plain"`
		NoTag   int    // the Go name
		Skipped string `json:"-"`
		//lint:ignore U1000 the generator must skip unexported fields, so this one is never used
		private   string            // unexported: not in JSON
		Opt       string            `json:"opt,omitempty"`
		Zero      time.Time         `json:"zero,omitzero"`
		When      time.Time         `json:"when"`
		WhenPtr   *time.Time        `json:"whenPtr"`
		Bytes     []byte            `json:"bytes"`
		Raw       json.RawMessage   `json:"raw"`
		Raws      []json.RawMessage `json:"raws"`
		Any       any               `json:"any"`
		Meta      map[string]any    `json:"meta"`
		ByID      map[int]*inner    `json:"byId"`
		Ptr       *inner            `json:"ptr"`
		OptPtr    *inner            `json:"optPtr,omitempty"`
		NilString *string           `json:"nilString"`
		Grid      [][]float64       `json:"grid"`
		Quoted    int64             `json:"quoted,string"`
		Nullables []*string         `json:"nullables"`
		Anon      struct {
			B bool `json:"b,omitempty"`
		} `json:"anon"`
		Kind    string  `json:"kind"`
		Dash    string  `json:"with-dash"`
		Key     textKey `json:"key"`
		Renamed inner2  `json:"renamed"`
	}
	inner2 struct {
		C float32 `json:"c"`
	}
)

func TestRender(t *testing.T) {
	got, err := Render(Spec{
		Roots:  []reflect.Type{reflect.TypeFor[shapes]()},
		Names:  map[reflect.Type]string{reflect.TypeFor[inner2](): "Other"},
		Unions: []Union{{Name: "Kind", Values: []string{"a", "<b>"}, Fields: []Field{FieldOf[shapes]("Kind")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`export type Kind = "a" | "<b>";`,
		"/** wiretypes.shapes */\nexport interface shapes extends base {\n  plain: string;\n  NoTag: number;\n  opt?: string;\n",
		"  zero?: string;\n  when: string;\n  whenPtr: string | null;\n  bytes: string;\n  raw: unknown;\n  raws: unknown[];\n",
		"  any: unknown;\n  meta: Record<string, unknown>;\n  byId: Record<string, inner>;\n",
		"  ptr: inner | null;\n  optPtr?: inner;\n  nilString: string | null;\n  grid: number[][];\n  quoted: string;\n",
		"  nullables: string[];\n  anon: { b?: boolean };\n  kind: Kind;\n  \"with-dash\": string;\n  key: string;\n  renamed: Other;\n}\n",
		"export interface base {\n  id: string;\n}\n",
		"export interface inner {\n  a: string;\n}\n",
		"export interface Other {\n  c: number;\n}\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing\n%s\nin\n%s", want, got)
		}
	}
	for _, absent := range []string{"Skipped", "private"} {
		if strings.Contains(got, absent) {
			t.Errorf("%s rendered:\n%s", absent, got)
		}
	}
}

type fixtureService struct{}

func (fixtureService) Get(context.Context, string, int) (*inner, error) { return nil, nil }
func (fixtureService) List(context.Context) ([]inner2, error)           { return nil, nil }
func (fixtureService) Drop(context.Context, string) error               { return nil }
func (fixtureService) Close()                                           {}
func (fixtureService) NoContext(string) error                           { return nil }

func TestRenderMethodsAndEvents(t *testing.T) {
	got, err := Render(Spec{
		Service: reflect.TypeFor[*fixtureService](),
		Events:  []Event{{"changed", reflect.TypeFor[base]()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "export interface Methods {\n" +
		"  Drop: { args: [string]; result: void };\n" +
		"  Get: { args: [string, number]; result: inner };\n" +
		"  List: { args: []; result: inner2[] };\n" +
		"}\n\n/** Each event the backend pushes, by name, with its payload. */\nexport interface Events {\n  changed: base;\n}\n"
	if !strings.Contains(got, want) {
		t.Errorf("want\n%s\nin\n%s", want, got)
	}
	for _, name := range []string{"export interface inner ", "export interface inner2 ", "export interface base "} {
		if !strings.Contains(got, name) {
			t.Errorf("no %q in\n%s", name, got)
		}
	}
}

type (
	custom     struct{}
	hasCustom  struct{ C custom }
	otherInner struct{}
	clash      struct{ A inner }
	clashing   struct{ B otherInner }
	shadow     struct {
		base
		Dup string `json:"id"`
	}
)

func (custom) MarshalJSON() ([]byte, error) { return []byte(`1`), nil }

func TestRenderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"a union names a field that is gone",
			Spec{Roots: []reflect.Type{reflect.TypeFor[inner]()}, Unions: []Union{{Name: "U", Fields: []Field{FieldOf[inner]("Gone")}}}},
			"wiretypes.inner has no field Gone"},
		{"a union names a field nothing reaches",
			Spec{Roots: []reflect.Type{reflect.TypeFor[inner]()}, Unions: []Union{{Name: "U", Fields: []Field{FieldOf[shapes]("Kind")}}}},
			"which no wire type reaches"},
		{"a union names a field that is not a string",
			Spec{Roots: []reflect.Type{reflect.TypeFor[shapes]()}, Unions: []Union{{Name: "U", Fields: []Field{FieldOf[shapes]("NoTag")}}}},
			"not a string"},
		{"a type with its own MarshalJSON",
			Spec{Roots: []reflect.Type{reflect.TypeFor[hasCustom]()}},
			"has its own MarshalJSON"},
		{"two types with one TypeScript name",
			Spec{Roots: []reflect.Type{reflect.TypeFor[clash](), reflect.TypeFor[clashing]()}, Names: map[reflect.Type]string{reflect.TypeFor[otherInner](): "inner"}},
			"would both be inner"},
		{"a field shadowing an embedded one",
			Spec{Roots: []reflect.Type{reflect.TypeFor[shadow]()}},
			`JSON name "id"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
