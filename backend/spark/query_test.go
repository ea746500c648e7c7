//go:build duckdb_arrow

package spark

import (
	"context"

	"errors"
	"net"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"smallfry/backend"
)

func TestTypesIntoDuckDB(t *testing.T) {
	c := dial(t, "")
	ctx := context.Background()
	if err := c.SetConf(ctx, map[string]string{"spark.sql.session.timeZone": "UTC"}); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT * FROM VALUES
	  (1, CAST(2 AS TINYINT), 3000000000000, CAST(12.345 AS DECIMAL(10,3)), 'héllo', DATE'2024-03-01',
	   TIMESTAMP'2024-03-01 12:34:56.789', ARRAY(1, 2, 3), NAMED_STRUCT('a', 1, 'b', 'x'), MAP('k', 1.5D),
	   true, 2.5D, X'CAFE', ARRAY(NAMED_STRUCT('n', ARRAY('p', 'q')))),
	  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
	  AS t(i, ti, big, dec, s, d, ts, arr, st, m, b, dbl, bin, nested)`

	s, err := c.Execute(ctx, q, nil, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantArrow := map[string]arrow.Type{
		"i": arrow.INT32, "ti": arrow.INT8, "big": arrow.INT64, "dec": arrow.DECIMAL128, "s": arrow.STRING,
		"d": arrow.DATE32, "ts": arrow.TIMESTAMP, "arr": arrow.LIST, "st": arrow.STRUCT, "m": arrow.MAP,
		"b": arrow.BOOL, "dbl": arrow.FLOAT64, "bin": arrow.BINARY, "nested": arrow.LIST,
	}
	for _, f := range s.Schema().Fields() {
		if want, ok := wantArrow[f.Name]; !ok || f.Type.ID() != want {
			t.Errorf("arrow column %s: got %s, want %v", f.Name, f.Type, want)
		}
	}
	s.Release()

	conn := duck(t)
	n, err := copyInto(ctx, t, c, conn, "typed", q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("rows: got %d, want 2", n)
	}
	types := map[string]string{}
	rows, err := conn.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'typed'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = typ
	}
	rows.Close()
	wantTypes := map[string]string{
		"i": "INTEGER", "ti": "TINYINT", "big": "BIGINT", "dec": "DECIMAL(10,3)", "s": "VARCHAR", "d": "DATE",
		"ts": "TIMESTAMP WITH TIME ZONE", "arr": "INTEGER[]", "st": "STRUCT(a INTEGER, b VARCHAR)",
		"m": "MAP(VARCHAR, DOUBLE)", "b": "BOOLEAN", "dbl": "DOUBLE", "bin": "BLOB", "nested": "STRUCT(n VARCHAR[])[]",
	}
	for name, want := range wantTypes {
		if types[name] != want {
			t.Errorf("duckdb column %s: got %q, want %q", name, types[name], want)
		}
	}

	var (
		i, ti, big                         int64
		dec, str, d, arr, st, m, bin, nest string
		tsMicros                           int64
		b                                  bool
		dbl                                float64
	)
	err = conn.QueryRowContext(ctx, `SELECT i, ti, big, dec::VARCHAR, s, d::VARCHAR, epoch_us(ts), arr::VARCHAR,
		st::VARCHAR, m::VARCHAR, b, dbl, hex(bin), nested::VARCHAR FROM typed WHERE i IS NOT NULL`).
		Scan(&i, &ti, &big, &dec, &str, &d, &tsMicros, &arr, &st, &m, &b, &dbl, &bin, &nest)
	if err != nil {
		t.Fatal(err)
	}
	wantTS := time.Date(2024, 3, 1, 12, 34, 56, 789e6, time.UTC).UnixMicro()
	got := []any{i, ti, big, dec, str, d, tsMicros, arr, st, m, b, dbl, bin, nest}
	want := []any{int64(1), int64(2), int64(3000000000000), "12.345", "héllo", "2024-03-01", wantTS, "[1, 2, 3]",
		"{'a': 1, 'b': x}", "{k=1.5}", true, 2.5, "CAFE", "[{'n': [p, q]}]"}
	for k := range got {
		if got[k] != want[k] {
			t.Errorf("value %d: got %v, want %v", k, got[k], want[k])
		}
	}
	var nulls int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM typed WHERE COLUMNS(*) IS NULL`).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != 1 {
		t.Errorf("rows of NULLs: got %d, want 1", nulls)
	}
}

func TestNamedParametersAreValues(t *testing.T) {
	c := dial(t, "")
	ctx := context.Background()
	tricky := `it's "quoted"; $1 $name :name --`
	args := map[string]any{
		"s":   tricky,
		"n":   41,
		"f":   0.25,
		"ok":  true,
		"d":   Date{2024, time.February, 29},
		"dec": Decimal("-1234.50"),
		"nul": nil,
		"raw": []byte{0, 1, 2},
	}
	conn := duck(t)
	_, err := copyInto(ctx, t, c, conn, "p", `SELECT :s AS s, :n + 1 AS n, :f * 2 AS f, NOT :ok AS ok,
		date_add(:d, 1) AS d, :dec AS dec, :nul IS NULL AS nul, length(:raw) AS raw,
		(SELECT count(*) FROM VALUES (1), (2) AS v(x) WHERE x = :n - 40) AS one`, args)
	if err != nil {
		t.Fatal(err)
	}
	var (
		s, d, dec   string
		n, raw, one int64
		f           float64
		okv, nul    bool
	)
	if err := conn.QueryRowContext(ctx, `SELECT s, n, f, ok, d::VARCHAR, dec::VARCHAR, nul, raw, one FROM p`).
		Scan(&s, &n, &f, &okv, &d, &dec, &nul, &raw, &one); err != nil {
		t.Fatal(err)
	}
	got := []any{s, n, f, okv, d, dec, nul, raw, one}
	want := []any{tricky, int64(42), 0.5, false, "2024-03-01", "-1234.50", true, int64(3), int64(1)}
	for k := range got {
		if got[k] != want[k] {
			t.Errorf("value %d: got %v, want %v", k, got[k], want[k])
		}
	}

	// A marker with no value is Spark's error, not an empty string.
	_, err = c.Execute(ctx, `SELECT :missing`, nil, ExecuteOptions{})
	var se *Error
	if !errors.As(err, &se) || se.Code != backend.EINVALID || se.Class == "" {
		t.Fatalf("unbound marker: got %#v", err)
	}
	if _, err := c.Execute(ctx, `SELECT :x`, map[string]any{"x": struct{}{}}, ExecuteOptions{}); err == nil {
		t.Fatal("a struct{} parameter was accepted")
	}
}

func TestSQLErrors(t *testing.T) {
	c := dial(t, "")
	ctx := context.Background()
	for _, tc := range []struct {
		name, sql, class, state string
		line                    int
	}{
		{"missing table", "SELECT 1\nFROM range(3)\nJOIN no_such_table ON true", "TABLE_OR_VIEW_NOT_FOUND", "42P01", 3},
		{"syntax", "SELECT 1,\n  2 FRM range(3)", "PARSE_SYNTAX_ERROR", "42601", 2},
		{"bad cast at run time", "SELECT CAST('x' AS INT) FROM range(2)", "CAST_INVALID_INPUT", "22018", 1},
		{"missing column", "SELECT nope FROM range(1)", "UNRESOLVED_COLUMN.WITH_SUGGESTION", "42703", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := c.Execute(ctx, tc.sql, nil, ExecuteOptions{})
			if err == nil {
				for s.Next() {
				}
				err = s.Err()
				s.Release()
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %T %v, want *spark.Error", err, err)
			}
			if se.Class != tc.class || se.SQLState != tc.state || se.Code != backend.EINVALID {
				t.Errorf("got class %q state %q code %q, want %q %q invalid", se.Class, se.SQLState, se.Code, tc.class, tc.state)
			}
			if se.Line != tc.line {
				t.Errorf("line: got %d, want %d (message %q)", se.Line, tc.line, se.Message)
			}
			if se.Message == "" || len(se.Message) < len(tc.class) {
				t.Errorf("message: %q", se.Message)
			}
			t.Logf("%s: %s", tc.name, se.Backend().Message)
		})
	}
	// The session is still usable after errors.
	s, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Release()
}

// The error texts a user sees when the cluster is not there or refuses us.
func TestUnreachableAndRefused(t *testing.T) {
	need(t)
	ctx := context.Background()
	t.Run("down", func(t *testing.T) {
		c := dial(t, "sc://127.0.0.1:1", func(o *Options) { o.Retry = &testRetry })
		_, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{})
		var se *Error
		if !errors.As(err, &se) || se.Class != ClassUnavailable {
			t.Fatalf("got %v, want %s", err, ClassUnavailable)
		}
		t.Log(se.Message)
	})
	// A cluster that was down for a while and is back: the next run reaches
	// it at once, though grpc-go's own backoff would wait seconds more.
	t.Run("back up", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := dial(t, "sc://"+addr, func(o *Options) { o.Retry = &testRetry })
		if _, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{}); err == nil {
			t.Fatal("a run succeeded with the cluster down")
		}
		// 18 s down: grpc-go's own attempts to connect are then about 10 s
		// apart (1 s, ×1.6 each), as after a restart of the server.
		time.Sleep(18 * time.Second)
		newProxyAt(t, addr, serverAddress(t))
		t0 := time.Now()
		s, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{})
		if err != nil {
			t.Fatalf("the cluster is back, but: %v", err)
		}
		s.Release()
		t.Logf("reached %.1f s after it came back", time.Since(t0).Seconds())
	})
	t.Run("wrong token", func(t *testing.T) {
		c := dial(t, "", func(o *Options) {
			o.Token = func(context.Context) (string, error) { return "not-the-token", nil }
		})
		_, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{})
		var se *Error
		if !errors.As(err, &se) || se.Class != ClassUnauthenticated {
			t.Fatalf("got %v, want %s", err, ClassUnauthenticated)
		}
		t.Log(se.Message)
	})
	t.Run("token source fails", func(t *testing.T) {
		c := dial(t, "", func(o *Options) {
			o.Token = func(context.Context) (string, error) { return "", errors.New("signed out") }
		})
		_, err := c.Execute(ctx, "SELECT 1", nil, ExecuteOptions{})
		var se *Error
		if !errors.As(err, &se) || se.Class != ClassUnauthenticated {
			t.Fatalf("got %v, want %s", err, ClassUnauthenticated)
		}
	})
}
