// Package sample creates the sample workspace a new user explores offline:
// a star schema of sales in the lake, raw job-site event logs, and notebooks.
package sample

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"smallfry/assets"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

// Create writes the sample data into the lake and the sample notebooks into
// notebooksDir. Existing notebooks are never overwritten. The data is
// deterministic: the same DuckDB version writes the same rows every time.
func Create(ctx context.Context, lk *lake.Lake, notebooksDir string) error {
	if err := createTables(ctx, lk); err != nil {
		return err
	}
	if err := WriteEvents(filepath.Join(lk.Root(), "raw", "events"), DefaultEvents); err != nil {
		return err
	}
	return copyNotebooks(notebooksDir)
}

func createTables(ctx context.Context, lk *lake.Lake) error {
	defs, err := fs.Glob(assets.Sample, "sample/tables/*.sql")
	if err != nil {
		return fmt.Errorf("sample tables: %w", err)
	}
	sort.Strings(defs) // numeric prefixes order dimensions before facts
	s, err := duckdb.Open(ctx, duckdb.Config{})
	if err != nil {
		return fmt.Errorf("sample tables: %w", err)
	}
	defer s.Close()
	for _, def := range defs {
		query, err := fs.ReadFile(assets.Sample, def)
		if err != nil {
			return fmt.Errorf("sample tables: %w", err)
		}
		base := strings.TrimSuffix(path.Base(def), ".sql")
		_, name, _ := strings.Cut(base, "_")
		if _, err := s.Run(ctx, duckdb.Cell{SQL: string(query), Result: name}); err != nil {
			return fmt.Errorf("sample table %s (%s): %w", name, def, err)
		}
		_, err = lk.Write(ctx, name, lake.Overwrite, func(ctx context.Context, dir string) error {
			_, err := s.WriteParquet(ctx, duckdb.Table{Name: name}, filepath.Join(dir, "part-0.parquet"), duckdb.ParquetOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("sample table %s: %w", name, err)
		}
	}
	return nil
}

func copyNotebooks(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sample notebooks: %w", err)
	}
	files, err := fs.Glob(assets.Sample, "sample/notebooks/*.ipynb")
	if err != nil {
		return fmt.Errorf("sample notebooks: %w", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(assets.Sample, f)
		if err != nil {
			return fmt.Errorf("sample notebooks: %w", err)
		}
		target := filepath.Join(dir, path.Base(f))
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue // the user's copy wins
		}
		if err != nil {
			return fmt.Errorf("sample notebook %s: %w", target, err)
		}
		_, werr := out.Write(data)
		if cerr := out.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("sample notebook %s: %w", target, werr)
		}
	}
	return nil
}
