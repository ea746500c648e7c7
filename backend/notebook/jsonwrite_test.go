package notebook

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

// Expected values below were printed by CPython 3.11's json.dumps and
// str.splitlines, the functions nbformat uses.

func TestEncodeString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "tab\tnl\ncr\rbs\bff\f", `"tab\tnl\ncr\rbs\bff\f"`},
		{"other controls", "\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f\""},
		{"html stays", "<script>&</script>", `"<script>&</script>"`},
		{"line separators stay", "\u2028\u2029", "\"\u2028\u2029\""},
		{"non-ASCII stays", "é日本🐟\u00a0", "\"é日本🐟\u00a0\""},
		{"invalid UTF-8 replaced", "a\xffb", "\"a\uFFFDb\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeString(tt.in); got != tt.want {
				t.Errorf("encodeString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got := decodeString(encodeString(tt.in)); tt.name != "invalid UTF-8 replaced" && got != tt.in {
				t.Errorf("decodeString(encodeString(%q)) = %q", tt.in, got)
			}
		})
	}
}

func TestDecodeString(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain", `"abc"`, "abc"},
		{"escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{"bmp escape", `"caf\u00e9"`, "café"},
		{"surrogate pair", `"\ud83d\udc1f"`, "🐟"},
		{"lone surrogate", `"a\ud800b"`, "a\uFFFDb"},
		{"high then non-low", `"\ud800\u0041"`, "\uFFFDA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeString(tt.raw); got != tt.want {
				t.Errorf("decodeString(%s) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestPyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"}, {1e-05, "1e-05"}, {0.0001, "0.0001"}, {1e16, "1e+16"},
		{1e15, "1000000000000000.0"}, {123456789012345680.0, "1.2345678901234568e+17"},
		{1.5e300, "1.5e+300"}, {math.Copysign(0, -1), "-0.0"}, {100, "100.0"}, {2.5, "2.5"},
		{1e-7, "1e-07"}, {5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e+308"},
		{0.30000000000000004, "0.30000000000000004"}, {1e22, "1e+22"}, {12345.678, "12345.678"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := pyFloat(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("pyFloat(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := pyFloat(bad); err == nil {
			t.Errorf("pyFloat(%v) succeeded, want an error", bad)
		}
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{}},
		{"one newline", "\n", []string{"\n"}},
		{"trailing newline", "x\n\n", []string{"x\n", "\n"}},
		{"no trailing newline", "a\nb", []string{"a\n", "b"}},
		{"every Python break",
			"a\rb\r\nc\x0bd\x0ce\x1cf\x1dg\x1eh\u0085i\u2028j\u2029k\n",
			[]string{"a\r", "b\r\n", "c\x0b", "d\x0c", "e\x1c", "f\x1d", "g\x1e", "h\u0085", "i\u2028", "j\u2029", "k\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitLines(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("splitLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectLayout(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want layout
	}{
		{"nbformat", "{\n \"cells\": [],\n \"x\": 1}", layout{true, "\n", " ", ": ", ","}},
		{"indent 2 CRLF", "{\r\n  \"cells\": [],\r\n  \"x\": 1}", layout{true, "\r\n", "  ", ": ", ","}},
		{"tabs", "{\n\t\"cells\": []}", layout{true, "\n", "\t", ": ", ","}},
		{"indent 0", "{\n\"cells\": []}", layout{true, "\n", "", ": ", ","}},
		{"compact", `{"cells":[],"x":1}`, layout{false, "\n", " ", ":", ","}},
		{"python default", `{"cells": [], "x": 1}`, layout{false, "\n", " ", ": ", ", "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectLayout([]byte(tt.in)); got != tt.want {
				t.Errorf("detectLayout(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValueNodeIsCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"sorted keys", map[string]any{"b": 1, "a": 2, "é": 3, "Z": 4}, `{"Z":4,"a":2,"b":1,"é":3}`},
		{"go floats, whole ones as ints like encoding/json", []any{0.1, 1e-05, 100.0, 1e16}, `[0.1,1e-05,100,10000000000000000]`},
		{"raw message floats", json.RawMessage(`[100.0, 1E5, -0, 12345678901234567890]`), `[100.0,100000.0,0,12345678901234567890]`},
		{"no HTML escaping", "<b>&</b>\u2028", "\"<b>&</b>\u2028\""},
		{"raw message keeps the last duplicate", json.RawMessage(`{"a":1,"a":2}`), `{"a":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := valueNode(tt.in)
			if err != nil {
				t.Fatalf("valueNode: %v", err)
			}
			if got := string(compact(n)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := valueNode(map[string]any{"x": math.NaN()}); err == nil {
		t.Error("valueNode(NaN) succeeded, want an error")
	}
}
