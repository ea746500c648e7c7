package duckdb

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// The classes of type names are a table the frontend's classifier is
// checked against too, so the grid, charts and outputs agree.
func TestClassify(t *testing.T) {
	data, err := os.ReadFile("testdata/type-classes.json")
	if err != nil {
		t.Fatal(err)
	}
	var table map[string]string
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	delete(table, "_")
	for typ, want := range table {
		if got := Classify(typ); string(got) != want {
			t.Errorf("Classify(%q) = %s, want %s", typ, got, want)
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
