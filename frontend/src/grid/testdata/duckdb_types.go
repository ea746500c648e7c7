//go:build ignore

// Writes duckdb_types.arrow: one window of a result holding each DuckDB type
// the grid formats, as the backend's Window call streams it, so the grid's
// formatting tests read what DuckDB really exports rather than hand-built
// vectors. Regenerate from the repository root with
//
//	go run -tags duckdb_arrow ./frontend/src/grid/testdata/duckdb_types.go > frontend/src/grid/testdata/duckdb_types.arrow
package main

import (
	"context"
	"fmt"
	"os"

	"smallfry/backend/duckdb"
)

const query = `SELECT * FROM (VALUES
	(1, 9007199254740993::BIGINT, 2.5::DOUBLE, 12.34::DECIMAL(10,2), 'café', true,
	 DATE '2024-03-05', TIMESTAMP '2024-03-05 06:07:08.123456', TIMESTAMPTZ '2024-03-05 06:07:08+00',
	 TIME '13:14:15', {'a': 1, 'b': 'x'}, [1, 2, 3], MAP {'k': 1}, 170141183460469231731687303715884105727::HUGEINT,
	 '\x01\x02'::BLOB, INTERVAL 3 DAY, 'b5b4a7c9-0000-4000-8000-000000000001'::UUID, 18446744073709551615::UBIGINT),
	(2, -5::BIGINT, -0.125::DOUBLE, -0.05::DECIMAL(10,2), 'a "quote"', false,
	 DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.5', TIMESTAMPTZ '2024-03-05 06:07:08.25+00',
	 TIME '00:00:01.5', {'a': NULL, 'b': 'y'}, [], MAP {}, -170141183460469231731687303715884105727::HUGEINT,
	 ''::BLOB, INTERVAL '1 month 2 days 03:04:05.5', NULL, 0::UBIGINT),
	(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS t(id, big, dbl, dec, txt, flag, day, ts, tstz, tod, st, lst, mp, huge, blb, ivl, uid, ubig)`

func main() {
	ctx := context.Background()
	s, err := duckdb.Open(ctx, duckdb.Config{})
	if err != nil {
		fail(err)
	}
	defer s.Close()
	res, err := s.Run(ctx, duckdb.Cell{SQL: query, Result: "types"})
	if err != nil {
		fail(err)
	}
	for _, c := range res.Columns {
		fmt.Fprintf(os.Stderr, "%s %s\n", c.Name, c.Type)
	}
	if _, _, err := s.WindowIPC(ctx, duckdb.WindowRequest{Table: res.Table, Limit: 10}, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
