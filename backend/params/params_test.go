package params

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name   string
		source string
		want   []Param
	}{
		{"int", "year = 1997", []Param{{Name: "year", Type: Int, Default: int64(1997), Line: 1}}},
		{"underscores", "rows = 1_000_000", []Param{{Name: "rows", Type: Int, Default: int64(1000000), Line: 1}}},
		{"negative float", "delta = -0.5", []Param{{Name: "delta", Type: Float, Default: -0.5, Line: 1}}},
		{"bool", "dry_run = False", []Param{{Name: "dry_run", Type: Bool, Default: false, Line: 1}}},
		{"double-quoted string with hash", `country = "Côte #1"  # a comment`, []Param{{Name: "country", Type: String, Default: "Côte #1", Line: 1}}},
		{"single-quoted escapes", `s = 'it\'s\n'`, []Param{{Name: "s", Type: String, Default: "it's\n", Line: 1}}},
		{"iso date string", `start = "1997-01-31"`, []Param{{Name: "start", Type: Date, Default: day("1997-01-31"), Line: 1}}},
		{"date call", `start = datetime.date(1997, 1, 5)`, []Param{{Name: "start", Type: Date, Default: day("1997-01-05"), Line: 1, dateCall: true}}},
		{"hint widens int to float", "rate: float = 3", []Param{{Name: "rate", Type: Float, Default: 3.0, Line: 1}}},
		{"hint keeps a date-looking string a string", `code: str = "2024-01-01"`, []Param{{Name: "code", Type: String, Default: "2024-01-01", Line: 1}}},
		{"comments and blanks", "# Parameters\n\nyear = 1997\n", []Param{{Name: "year", Type: Int, Default: int64(1997), Line: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.source)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("param %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, source, want string }{
		{"code", "year = compute()", "line 1: year: the default compute() is not a number"},
		{"not an assignment", "print(1)", `line 1: "print(1)" is not`},
		{"unterminated string", `s = "abc`, "unterminated string"},
		{"twice", "a = 1\na = 2", "line 2: parameter a is set twice"},
		{"bad date", "d = date(1997, 2, 30)", "not a valid date"},
		{"bad hint", "a: list = 1", "unsupported type hint"},
		{"hint mismatch", `a: int = "x"`, "does not match the type hint int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.source)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	declared, err := Parse("year = 1997\nrate = 0.5\nflag = True\nname = \"x\"\nstart = \"1997-01-01\"")
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"year": "2001", "rate": "2", "flag": "false", "name": "Zoë", "start": "1998-12-31"}
	values, err := Resolve(declared, good)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	got := JSON(values)
	want := map[string]any{"year": int64(2001), "rate": 2.0, "flag": false, "name": "Zoë", "start": "1998-12-31"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if defaults, _ := Resolve(declared, nil); JSON(defaults)["year"] != int64(1997) {
		t.Errorf("default year = %v", JSON(defaults)["year"])
	}
	bad := []struct {
		name  string
		given map[string]string
		want  string
	}{
		{"unknown name", map[string]string{"yaer": "2001"}, `unknown parameter "yaer" (this notebook's parameters: year (int), rate (float)`},
		{"wrong int", map[string]string{"year": "nineteen"}, `parameter year: "nineteen" is not an int`},
		{"wrong date", map[string]string{"start": "1998-13-01"}, "is not a date (use YYYY-MM-DD)"},
		{"wrong bool", map[string]string{"flag": "maybe"}, "is not a bool"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(declared, tt.given)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	declared, _ := Parse("year = 1997\nrate = 0.5\nflag = True\nname = \"x\"\nstart = datetime.date(1997, 1, 1)")
	values, err := Resolve(declared, map[string]string{"rate": "2", "name": `say "hi"`})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Parameters\nimport datetime\nyear = 1997\nrate = 2.0\nflag = True\nname = \"say \\\"hi\\\"\"\nstart = datetime.date(1997, 1, 1)\n"
	if got := Render(values); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
}

func TestInfer(t *testing.T) {
	got := JSON(Infer(map[string]string{"a": "1", "b": "1.5", "c": "true", "d": "2024-02-29", "e": "text"}))
	want := map[string]any{"a": int64(1), "b": 1.5, "c": true, "d": "2024-02-29", "e": "text"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
}
