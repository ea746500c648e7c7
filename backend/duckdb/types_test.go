package duckdb

import (
	"context"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want TypeClass
	}{
		{"BOOLEAN", ClassBoolean}, {"TINYINT", ClassInteger}, {"UBIGINT", ClassInteger}, {"HUGEINT", ClassInteger},
		{"INTEGER", ClassInteger}, {"DOUBLE", ClassNumber}, {"FLOAT", ClassNumber}, {"DECIMAL(18,3)", ClassNumber},
		{"DATE", ClassDate}, {"TIMESTAMP", ClassTimestamp}, {"TIMESTAMP WITH TIME ZONE", ClassTimestamp},
		{"TIMESTAMP_NS", ClassTimestamp}, {"TIME", ClassTime}, {"INTERVAL", ClassString}, {"VARCHAR", ClassString},
		{"INTEGER[]", ClassList}, {"VARCHAR[3]", ClassList}, {"STRUCT(a INTEGER)", ClassStruct},
		{"MAP(VARCHAR, INTEGER)", ClassStruct}, {"UUID", ClassString}, {"BLOB", ClassString},
	} {
		if got := Classify(tc.typ); got != tc.want {
			t.Errorf("Classify(%q) = %s, want %s", tc.typ, got, tc.want)
		}
	}
}

// The type names DuckDB itself reports classify as their values behave.
func TestClassifyWhatDuckDBReports(t *testing.T) {
	s := openSession(t)
	res, err := s.Run(context.Background(), Cell{SQL: `SELECT true AS b, 1::TINYINT AS ti, 2::UBIGINT AS ub, 3.5::DECIMAL(10,2) AS d,
		1.5::DOUBLE AS f, DATE '2024-01-01' AS dt, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS tz, TIME '01:02:03' AS tm,
		[1, 2] AS l, {'a': 1} AS st, MAP {'k': 1} AS m, 'x' AS v, INTERVAL 1 DAY AS iv`})
	if err != nil {
		t.Fatal(err)
	}
	want := []TypeClass{ClassBoolean, ClassInteger, ClassInteger, ClassNumber, ClassNumber, ClassDate, ClassTimestamp, ClassTime,
		ClassList, ClassStruct, ClassStruct, ClassString, ClassString}
	for i, c := range res.Columns {
		if got := Classify(c.Type); got != want[i] {
			t.Errorf("%s %s: %s, want %s", c.Name, c.Type, got, want[i])
		}
	}
}
