package cluster

import (
	"smallfry/backend/spark"
)

// cappedReader reads a stream until the next batch would pass the cap.
type cappedReader struct {
	*spark.Stream
	cap  Cap
	rows int64
	over bool
}

func (r *cappedReader) Next() bool {
	if r.over || !r.Stream.Next() {
		return false
	}
	n := r.Stream.RecordBatch().NumRows()
	if r.rows+n > r.cap.Rows || r.Stream.Bytes() > r.cap.Bytes {
		r.over = true
		return false
	}
	r.rows += n
	return true
}

// Rows is what was handed on.
func (r *cappedReader) Rows() int64 { return r.rows }
