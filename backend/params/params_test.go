package params

import (
	"flag"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/parse")

func day(s string) Date {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return Date{d}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		source string
		want   []Param
	}{
		{"int", "year = 1997", []Param{{Name: "year", Type: TypeInt, Default: int64(1997), Line: 1}}},
		{"underscores", "rows = 1_000_000", []Param{{Name: "rows", Type: TypeInt, Default: int64(1000000), Line: 1}}},
		{"negative float", "delta = -0.5", []Param{{Name: "delta", Type: TypeFloat, Default: -0.5, Line: 1}}},
		{"exponent", "rate = 1e-3", []Param{{Name: "rate", Type: TypeFloat, Default: 1e-3, Line: 1}}},
		{"bool", "dry_run = False", []Param{{Name: "dry_run", Type: TypeBool, Default: false, Line: 1}}},
		{"None", "limit = None", []Param{{Name: "limit", Type: TypeAny, Default: nil, Line: 1}}},
		{"double-quoted string with hash", `country = "Côte #1"  # a comment`, []Param{{Name: "country", Type: TypeString, Default: "Côte #1", Line: 1}}},
		{"single-quoted escapes", `s = 'it\'s\n'`, []Param{{Name: "s", Type: TypeString, Default: "it's\n", Line: 1}}},
		{"escaped backslash", `s = "a\\nb"`, []Param{{Name: "s", Type: TypeString, Default: `a\nb`, Line: 1}}},
		{"raw string", `s = r"C:\new"`, []Param{{Name: "s", Type: TypeString, Default: `C:\new`, Line: 1}}},
		{"iso date string", `start = "1997-01-31"`, []Param{{Name: "start", Type: TypeDate, Default: day("1997-01-31"), Line: 1}}},
		{"date call", `start = datetime.date(1997, 1, 5)`, []Param{{Name: "start", Type: TypeDate, Default: day("1997-01-05"), Line: 1, dateCall: true}}},
		{"datetime call", `at = datetime.datetime(1997, 1, 5, 13, 4)`,
			[]Param{{Name: "at", Type: TypeDatetime, Default: Datetime{time.Date(1997, 1, 5, 13, 4, 0, 0, time.UTC)}, Line: 1}}},
		{"hint widens int to float", "rate: float = 3", []Param{{Name: "rate", Type: TypeFloat, Default: int64(3), Line: 1}}},
		{"hint keeps a date-looking string a string", `code: str = "2024-01-01"`, []Param{{Name: "code", Type: TypeString, Default: "2024-01-01", Line: 1}}},
		{"hint types a None", "n: Optional[int] = None", []Param{{Name: "n", Type: TypeInt, Default: nil, Line: 1}}},
		{"quoted hint", `n: "int" = None`, []Param{{Name: "n", Type: TypeInt, Default: nil, Line: 1}}},
		{"a hint Python does not enforce is ignored", "a: list = 1", []Param{{Name: "a", Type: TypeInt, Default: int64(1), Line: 1}}},
		{"comments and blanks", "# Parameters\n\nyear = 1997\n", []Param{{Name: "year", Type: TypeInt, Default: int64(1997), Line: 3}}},
		{"multi-line list", "ids = [1,\n  2,\n  3]\nn = 1", []Param{
			{Name: "ids", Type: TypeList, Default: List{int64(1), int64(2), int64(3)}, Line: 1},
			{Name: "n", Type: TypeInt, Default: int64(1), Line: 4}}},
		{"dict", `d = {"a": 1, "b": (2,)}`, []Param{{Name: "d", Type: TypeDict, Default: Dict{{"a", int64(1)}, {"b", Tuple{int64(2)}}}, Line: 1}}},
		{"import lines", "import datetime\nfrom x import y as z\nyear = 1997", []Param{{Name: "year", Type: TypeInt, Default: int64(1997), Line: 3}}},
		{"a call is Python's", "today = datetime.date.today()", []Param{{Name: "today", Type: TypeAny,
			Default: Expr{Source: "datetime.date.today()", Why: "datetime.date.today(…) is a call", Line: 1}, Line: 1}}},
		{"set twice: the last wins", "a = 1\na = 'x'", []Param{{Name: "a", Type: TypeString, Default: "x", Line: 2}}},
		{"semicolons", "a = 1; b = 2;", []Param{{Name: "a", Type: TypeInt, Default: int64(1), Line: 1}, {Name: "b", Type: TypeInt, Default: int64(2), Line: 1}}},
		{"CRLF line ends", "a = 1\r\nb = \"x\"\r\n", []Param{{Name: "a", Type: TypeInt, Default: int64(1), Line: 1}, {Name: "b", Type: TypeString, Default: "x", Line: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.source)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestParseGolden parses the cells of testdata/parse and compares what it
// declares with the .want file beside each (go test -update rewrites them).
func TestParseGolden(t *testing.T) {
	cells, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.py"))
	if len(cells) == 0 {
		t.Fatal("no testdata")
	}
	for _, cell := range cells {
		t.Run(filepath.Base(cell), func(t *testing.T) {
			src, err := os.ReadFile(cell)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := Parse(string(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := describeParams(ps)
			wantFile := strings.TrimSuffix(cell, ".py") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// describeParams is one line per parameter: name, type, the default as
// Python source (or the expression only Python knows) and its line.
func describeParams(ps []Param) string {
	var b strings.Builder
	for _, p := range ps {
		def := pyRepr(p.Default, p.dateCall)
		if e, ok := p.Default.(Expr); ok {
			def = "python-only " + e.Source + " (" + e.Why + ")"
		}
		b.WriteString(p.Name + " " + string(p.Type) + " " + def + " line " + itoa(p.Line) + "\n")
	}
	return b.String()
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, source, want string }{
		{"unterminated string", `s = "abc`, `line 1: unterminated string: "abc needs a closing "`},
		{"unterminated triple string", "a = 1\ns = '''abc\n\n", `line 2: the ''' string that starts here is never closed`},
		{"unterminated list", "a = 1\nids = [1, 2,\n  3\nb = 2", "line 2: the [ opened here is never closed"},
		{"mismatched bracket", "ids = [1, 2)", "line 1: closing ) does not match the opening ["},
		{"unmatched bracket", "ids = 1]", "line 1: unmatched ]"},
		{"double comma", "a = 1\nids = [1,, 2]", "line 2: ids: unexpected ,"},
		{"two operands", "x = 1 2", "line 1: x: 2 cannot follow 1 without an operator or a comma"},
		{"ends on an operator", "x = 1 +", "line 1: x: the expression ends with +"},
		{"no value", "a = 1\nb =\n", "line 2: b = needs a value after ="},
		{"leading zeros", "d = datetime.date(2024, 03, 01)", "line 1: 03: leading zeros in decimal integers are not permitted"},
		{"bad number", "n = 1__0", "line 1: 1__0 is not a valid number"},
		{"bad date", "d = date(1997, 2, 30)", "line 1: d: date(1997, 2, 30) is not a valid date: day is out of range for month"},
		{"bad datetime", "d = datetime.datetime(1997, 2, 3, 24)", "hour must be in 0..23"},
		{"unexpected indent", "a = 1\n  b = 2", "line 2: unexpected indent"},
		{"block without body", "if a:\nb = 2", "line 2: expected an indented block after line 1"},
		{"block at the end", "a = 1\nfor x in y:", "line 2: expected an indented block after this line"},
		{"empty statement in a block", "if a:\n  ;b = 1", "line 2: unexpected ;"},
		{"assign to a keyword", "None = 1", "line 1: cannot assign to None"},
		{"invalid character", "a = 1 ? 2", `line 1: invalid character '?'`},
		{"backslash at the end", "a = 1 + \\", "line 1: the cell ends right after a line-continuation backslash"},
		{"mixed bytes and str", `a = b"x" "y"`, "line 1: a: cannot mix bytes and str literals"},
		{"non-ASCII bytes", `a = b"é"`, "bytes can only contain ASCII literal characters"},
		{"truncated escape", `a = "\x4"`, `line 1: a: truncated \x escape`},
		{"unhashable key", `a = {[1]: 2}`, "a list cannot be a dict key"},
		{"too deep", "a = " + strings.Repeat("[", 201) + strings.Repeat("]", 201), "brackets nest more than 200 deep"},
		{"line of a later error", "import os\n\n# note\nx = {\n  'a': 1,\n  'b' 2,\n}", "line 6: x: 2 cannot follow 'b' without an operator"},
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

// A huge literal is read in linear time and kept whole.
func TestParseHugeLiteral(t *testing.T) {
	var b strings.Builder
	b.WriteString("ids = [")
	for i := range 200_000 {
		b.WriteString(itoa(i) + ", ")
	}
	b.WriteString("]\nblob = \"" + strings.Repeat("x", 5<<20) + "\"\n")
	start := time.Now()
	ps, err := Parse(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %s", d)
	}
	if l := ps[0].Default.(List); len(l) != 200_000 || l[199_999] != int64(199_999) {
		t.Errorf("ids has %d items", len(l))
	}
	if s := ps[1].Default.(string); len(s) != 5<<20 {
		t.Errorf("blob has %d bytes", len(s))
	}
	if _, err := Parse("ids = [" + strings.Repeat("1, ", 100_000)); err == nil || !strings.Contains(err.Error(), "line 1: the [ opened here is never closed") {
		t.Errorf("an unterminated huge list: %v", err)
	}
}

func TestResolve(t *testing.T) {
	declared, err := Parse("year = 1997\nrate = 0.5\nflag = True\nname = \"x\"\nstart = \"1997-01-01\"\nids = [1]\ncfg = {}\nlimit = None\nat = datetime.datetime(2024, 1, 1)\nbig = 1")
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"year": "2001", "rate": "2", "flag": "false", "name": "Zoë", "start": "1998-12-31",
		"ids": "[3, 4]", "cfg": `{"a": [1, true]}`, "limit": "10", "at": "2024-05-06T07:08:09", "big": "99999999999999999999"}
	values, err := Resolve(declared, good)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	got := JSON(values)
	want := map[string]any{"year": int64(2001), "rate": 2.0, "flag": false, "name": "Zoë", "start": "1998-12-31",
		"ids": []any{int64(3), int64(4)}, "cfg": map[string]any{"a": []any{int64(1), true}}, "limit": int64(10),
		"at": "2024-05-06T07:08:09", "big": got["big"]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON = %#v\nwant %#v", got, want)
	}
	if n, ok := got["big"].(interface{ String() string }); !ok || n.String() != "99999999999999999999" {
		t.Errorf("big = %#v", got["big"])
	}
	for _, v := range values {
		if !v.Given {
			t.Errorf("%s is not marked given", v.Name)
		}
	}
	defaults, _ := Resolve(declared, map[string]string{"year": "1"})
	if JSON(defaults)["rate"] != 0.5 || len(Given(defaults)) != 1 {
		t.Errorf("defaults = %v, given %v", JSON(defaults), Given(defaults))
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
		{"wrong datetime", map[string]string{"at": "soon"}, "is not a date and time"},
		{"not a list", map[string]string{"ids": "1"}, `parameter ids: "1" is a int, not a list`},
		{"unterminated list", map[string]string{"ids": "[1, 2"}, `parameter ids: "[1, 2" is not a list: write a Python or JSON literal such as [1, 2] (line 1: the [ opened here is never closed)`},
		{"a list for a dict", map[string]string{"cfg": "[1]"}, `parameter cfg: "[1]" is a list, not a dict`},
		{"code for a list", map[string]string{"ids": "list(range(3))"}, "is not a list"},
		{"huge unterminated", map[string]string{"ids": "[" + strings.Repeat("1, ", 50_000)}, "is not a list"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(declared, tt.given)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("the message is %d bytes long", len(err.Error()))
			}
		})
	}
}

// A None default is papermill's "no type": a -p value's type comes from
// its text.
func TestResolveInfersForNone(t *testing.T) {
	declared, _ := Parse("x = None")
	for raw, want := range map[string]any{"None": nil, "3": int64(3), "2.5": 2.5, "True": true, "2024-02-29": "2024-02-29", "abc": "abc", "[1]": "[1]"} {
		values, err := Resolve(declared, map[string]string{"x": raw})
		if err != nil {
			t.Fatal(err)
		}
		if got := JSON(values)["x"]; !reflect.DeepEqual(got, want) {
			t.Errorf("-p x=%s gives %#v, want %#v", raw, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	declared, _ := Parse("year = 1997\nrate = 0.5\nflag = True\nname = \"x\"\nstart = datetime.date(1997, 1, 1)\nids = [1]\nd = None")
	values, err := Resolve(declared, map[string]string{"rate": "2", "name": `say "hi"\` + "\n\x00", "start": "2001-02-03", "ids": "['a', None, 1.5, (1,)]"})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Parameters\nimport datetime\nrate = 2.0\nname = \"say \\\"hi\\\"\\\\\\n\\x00\"\nstart = datetime.date(2001, 2, 3)\nids = [\"a\", None, 1.5, (1,)]\n"
	if got := Render(Given(values)); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
}

func TestPyRepr(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{math.Inf(-1), "float('-inf')"},
		{math.NaN(), "float('nan')"},
		{1e-5, "1e-05"},
		{100.0, "100.0"},
		{[]byte("a'\x00"), `b"a'\x00"`},
		{Set{}, "set()"},
		{Tuple{}, "()"},
		{Dict{{int64(1), Set{"a"}}}, `{1: {"a"}}`},
		{Datetime{time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)}, "datetime.datetime(2024, 1, 2, 3, 4, 5, 6)"},
		{"\u2028é\U0001F600", `"\u2028é😀"`},
	} {
		if got := pyRepr(tc.v, true); got != tc.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestInfer(t *testing.T) {
	got := JSON(Infer(map[string]string{"a": "1", "b": "1.5", "c": "true", "d": "2024-02-29", "e": "text", "f": "None"}))
	want := map[string]any{"a": int64(1), "b": 1.5, "c": true, "d": "2024-02-29", "e": "text", "f": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Infer = %#v, want %#v", got, want)
	}
	if r := Render(Infer(map[string]string{"d": "2024-02-29"})); r != "# Parameters\nd = \"2024-02-29\"\n" {
		t.Errorf("an inferred date renders as %q", r)
	}
}

func TestKeep(t *testing.T) {
	declared, _ := Parse("year = 1997\nlabel = 'tv'")
	values, _ := Resolve(declared, nil)
	injected, err := Parse("# Parameters\nyear = 2001\nextra = [1]\n")
	if err != nil {
		t.Fatal(err)
	}
	kept := Keep(values, injected)
	if got := JSON(kept); !reflect.DeepEqual(got, map[string]any{"year": int64(2001), "label": "tv", "extra": []any{int64(1)}}) {
		t.Errorf("kept = %v", got)
	}
	if g := Given(kept); len(g) != 2 || g[0].Name != "year" || g[1].Name != "extra" {
		t.Errorf("given = %v", g)
	}
}

func TestSQL(t *testing.T) {
	declared, err := Parse(`
n = None
i = 3
f = 1e-3
s = "it's"
d = "2024-01-02"
dc = datetime.date(2024, 1, 2)
ts = datetime.datetime(2024, 1, 2, 3, 4)
ids = [1, 2, None]
nums = (1, 2.5)
names = {"a", "b"}
grid = [[1], [2, 3]]
cfg = {"a": 1}
mixed = [1, "a"]
deep = [1, {"a": 1}]
today = datetime.date.today()
blob = b"\x00"`)
	if err != nil {
		t.Fatal(err)
	}
	values, _ := Resolve(declared, nil)
	want := map[string]any{
		"n": nil, "i": int64(3), "f": 1e-3, "s": "it's", "d": day("2024-01-02"), "dc": day("2024-01-02"),
		"ts":   Datetime{time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC)},
		"ids":  List{int64(1), int64(2), nil},
		"nums": List{1.0, 2.5}, "names": List{"a", "b"}, "grid": List{List{int64(1)}, List{int64(2), int64(3)}},
		"blob": []byte{0},
	}
	errs := map[string]string{
		"cfg":   "parameter cfg is a dict, which SQL cannot take",
		"mixed": "parameter mixed is a list of both numeric and str items, which a SQL list cannot hold",
		"deep":  "parameter deep is a list holding a dict",
		"today": "parameter today is set by Python code (datetime.date.today(), line 16 of the parameters cell), which SQL cannot read",
	}
	for _, v := range values {
		got, err := SQL(v)
		if msg, bad := errs[v.Name]; bad {
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("%s: err = %v, want %q", v.Name, err, msg)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want[v.Name]) {
			t.Errorf("%s: SQL = %#v, %v; want %#v", v.Name, got, err, want[v.Name])
		}
	}
}
