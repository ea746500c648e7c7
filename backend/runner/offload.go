package runner

import (
	"context"
	"fmt"
	"strings"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
)

// Offload says when a local SQL cell should run on a cluster instead: when
// what it would download of the S3 lake, estimated before it starts
// (partition filters prune, footers give the sizes), passes Bytes.
type Offload struct {
	Bytes    int64    // the threshold; 0 never offers
	Clusters []string // where it can run instead; none never offers
	// Download lists the cells (by id) to run locally anyway; All does it
	// for every cell (smallfry run --download-anyway).
	Download map[string]bool
	All      bool
	// OnEstimate, when set, hears each local cell's estimate.
	OnEstimate func(cellID string, e Estimate)
}

// Estimate is what a local cell would read of the S3 lake.
type Estimate struct {
	Bytes      int64         `json:"bytes"`      // scanned, after partition pruning
	ToDownload int64         `json:"toDownload"` // of those, not cached here
	Scans      []duckdb.Scan `json:"scans"`
}

// OffloadError is a local cell that would download more of the S3 lake
// than the threshold: the UI offers "Run on cluster" and "Download anyway".
type OffloadError struct {
	Estimate
	Threshold int64
	Clusters  []string
}

func (e *OffloadError) Error() string {
	var tables []string
	for _, s := range e.Scans {
		if s.ToDownload > 0 {
			tables = append(tables, fmt.Sprintf("%s (%s of %d files)", s.Table, size(s.ToDownload), s.Files))
		}
	}
	return fmt.Sprintf("this cell would download %s of the S3 lake to this laptop (%s), over the %s offload threshold (setting cluster.offloadBytes): "+
		"run it on cluster %s instead (its engine), or download anyway", size(e.ToDownload), strings.Join(tables, ", "), size(e.Threshold), strings.Join(e.Clusters, " or "))
}

type estimator interface {
	Estimate(ctx context.Context, sql string, params map[string]any) ([]duckdb.Scan, error)
}

// checkOffload estimates a local cell's S3 reads and refuses it over the
// threshold, unless told to download anyway.
func (r *run) checkOffload(ctx context.Context, c *notebook.Cell) error {
	o := r.opts.Offload
	est, ok := r.session.(estimator)
	if o == nil || !ok {
		return nil
	}
	scans, err := est.Estimate(ctx, c.Source, r.params.sql())
	if err != nil || len(scans) == 0 {
		return nil // the cell's own run reports what is wrong
	}
	e := Estimate{Scans: scans}
	for _, s := range scans {
		e.Bytes += s.Bytes
		e.ToDownload += s.ToDownload
	}
	if o.OnEstimate != nil {
		o.OnEstimate(c.ID, e)
	}
	if o.Bytes <= 0 || len(o.Clusters) == 0 || o.All || o.Download[c.ID] || e.ToDownload <= o.Bytes {
		return nil
	}
	oe := &OffloadError{Estimate: e, Threshold: o.Bytes, Clusters: o.Clusters}
	return &backend.Error{Code: backend.EINVALID, Message: oe.Error(), Err: oe}
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
