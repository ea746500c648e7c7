package params

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The reader is checked against real Python: each testdata cell runs in
// Python, and every default read here, written back as Python source,
// must evaluate to the same type and value Python's own variable has. The
// injected cells Render writes must give Python the values given. And
// Python must find the syntax errors on the lines Parse names.

// checkScript runs a cell, then compares each expected value with it.
const checkScript = `
import contextlib, datetime, io, json, math, sys
req = json.load(sys.stdin)
out = {}
for case in req:
    ns = {}
    try:
        code = compile(case["cell"], "cell", "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, ns)
    except SyntaxError as e:
        out[case["name"]] = {"syntax": e.lineno}
        continue
    problems = []
    for name, src in case["values"].items():
        want = eval(src, {"datetime": datetime})
        if name not in ns:
            problems.append(name + " is not set in Python")
            continue
        got = ns[name]
        same = type(got) is type(want) and (got == want or isinstance(got, float) and math.isnan(got) and math.isnan(want))
        if isinstance(got, float) and same and got == 0:
            same = math.copysign(1, got) == math.copysign(1, want)
        if not same:
            problems.append("%s: Python has %r (%s), we read %s" % (name, got, type(got).__name__, src))
    out[case["name"]] = {"problems": problems}
json.dump(out, sys.stdout)
`

type pyCase struct {
	Name   string            `json:"name"`
	Cell   string            `json:"cell"`
	Values map[string]string `json:"values"`
}

func runPython(t *testing.T, cases []pyCase) map[string]struct {
	Syntax   int
	Problems []string
} {
	t.Helper()
	python := os.Getenv("SMALLFRY_PYTHON")
	if python == "" {
		t.Skip("SMALLFRY_PYTHON is not set: point it at a Python 3 (make test does)")
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(python, "-c", checkScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var res map[string]struct {
		Syntax   int
		Problems []string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("python said %s: %v", out, err)
	}
	return res
}

// pySource is a parameter's value as Python source with the type Python
// gives it: a date default written as a string is that string.
func pySource(v any, dateCall bool) string { return pyRepr(v, dateCall) }

func TestParseAgreesWithPython(t *testing.T) {
	cells, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.py"))
	var cases []pyCase
	for _, cell := range cells {
		src, _ := os.ReadFile(cell)
		ps, err := Parse(string(src))
		if err != nil {
			t.Fatalf("%s: %v", cell, err)
		}
		c := pyCase{Name: filepath.Base(cell), Cell: string(src), Values: map[string]string{}}
		for _, p := range ps {
			if _, ok := p.Default.(Expr); !ok {
				c.Values[p.Name] = pySource(p.Default, p.dateCall)
			}
		}
		cases = append(cases, c)
	}
	// The injected cell Render writes gives Python the values a run was given.
	declared, _ := Parse("a = 1\nb = 'x'\nc = [1]\nd = datetime.date(2000, 1, 1)\ne = {}\nf = None\ng = 0.5\nh = b''\ni = datetime.datetime(2000, 1, 1)")
	given := map[string]string{"a": "-7", "b": "tab\there \"q\" back\\slash é \x01", "c": "[1, 'two', None, [3.5], (1,)]", "d": "2024-02-29",
		"e": `{"k": [1, {"n": null}]}`, "f": "None", "g": "-inf", "h": "bytes\x00", "i": "2024-02-29 23:59:58.000001"}
	values, err := Resolve(declared, given)
	if err != nil {
		t.Fatal(err)
	}
	injected := pyCase{Name: "injected", Cell: Render(Given(values)), Values: map[string]string{}}
	for _, v := range values {
		injected.Values[v.Name] = pySource(v.Value, v.dateCall)
	}
	cases = append(cases, injected)
	for name, r := range runPython(t, cases) {
		if r.Syntax != 0 {
			t.Errorf("%s: Python finds a syntax error on line %d", name, r.Syntax)
		}
		for _, p := range r.Problems {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// Python finds the syntax errors Parse finds, on the same lines.
func TestSyntaxErrorsAgreeWithPython(t *testing.T) {
	cases := map[string]string{
		"unterminated string": "a = 1\ns = \"abc\nb = 2",
		"unterminated list":   "a = 1\nids = [1, 2,\n  3\nb = 2",
		"unterminated triple": "a = 1\ns = '''abc\n\n",
		"double comma":        "a = 1\nids = [1,, 2]",
		"two operands":        "import os\nx = 1 2",
		"dict without comma":  "import os\n\n# note\nx = {\n  'a': 1,\n  'b' 2,\n}",
		"mismatched":          "x = (1,\n 2]",
		"unexpected indent":   "a = 1\n  b = 2",
		"no block":            "if a:\nb = 2",
		"no value":            "a = 1\nb =\n",
		"leading zeros":       "a = 1\nd = date(2024, 03, 01)",
		"keyword":             "a = 1\nNone = 2",
		"ends on an operator": "a = 1\nx = 1 +",
		"bad number":          "a = 1\nn = 0x",
		"unmatched":           "a = 1\nb = 2)",
		"empty in a block":    "if a:\n  ;b = 1",
	}
	var list []pyCase
	want := map[string]int{}
	for name, src := range cases {
		_, err := Parse(src)
		se, ok := err.(*SyntaxError)
		if !ok {
			t.Errorf("%s: Parse = %v, want a syntax error", name, err)
			continue
		}
		want[name] = se.Line
		list = append(list, pyCase{Name: name, Cell: src})
	}
	for name, r := range runPython(t, list) {
		if r.Syntax == 0 {
			t.Errorf("%s: Python compiles it", name)
		} else if r.Syntax != want[name] {
			t.Errorf("%s: Python says line %d, Parse line %d (%s)", name, r.Syntax, want[name], strings.ReplaceAll(cases[name], "\n", `\n`))
		}
	}
}
