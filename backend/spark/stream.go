package spark

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"smallfry/backend"
	pb "smallfry/backend/spark/proto"
)

// ExecuteOptions are a query's optional settings.
type ExecuteOptions struct {
	// OperationID is the server's id of the query (a UUID); "" makes one.
	OperationID string
	// Tags are set on the operation (InterruptTag stops all that carry one).
	Tags []string
	// OnProgress receives the server's ExecutionProgress as it comes (about
	// every couple of seconds while stages run), from the goroutine reading
	// the stream.
	OnProgress func(Progress)
}

// Progress is the server's view of a running query plus what has arrived.
type Progress struct {
	Stages        []StageProgress
	TasksDone     int64 // over all stages
	Tasks         int64
	BytesRead     int64 // input bytes read by the stages
	InflightTasks int64
	Rows          int64 // rows received so far
	Bytes         int64 // Arrow bytes received so far
}

// StageProgress is one Spark stage.
type StageProgress struct {
	ID, Tasks, TasksDone, BytesRead int64
	Done                            bool
}

// Stream is a query's result as it arrives: Arrow record batches, read
// and decoded a few batches ahead of the consumer (so DuckDB stores one
// while the next crosses the network), never more. It is an
// array.RecordReader (DuckDB scans it through Arrow's C stream) for one
// consumer goroutine. Release (or Close) ends it: an unfinished query is
// interrupted on the server, and the operation is released there in any
// case.
type Stream struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc // ends the gRPC stream
	stop   func() bool        // stops the watch on ctx
	sql    string
	opID   string
	req    *pb.ExecutePlanRequest
	onProg func(Progress)
	schema *arrow.Schema

	// The consumer's side.
	cur   arrow.RecordBatch
	first []arrow.RecordBatch // what Execute read before returning
	items chan item           // from the reader goroutine
	done  bool
	err   error

	// The reader's side (Execute's goroutine, then the reader goroutine).
	stream   grpc.ServerStreamingClient[pb.ExecutePlanResponse]
	lastID   string // of the last response received
	received bool
	unsent   bool                // the ExecutePlan could not even be opened
	pending  []arrow.RecordBatch // decoded, not yet handed over
	pumped   chan struct{}       // closed when the reader goroutine ends

	complete atomic.Bool // ResultComplete seen
	rows     atomic.Int64
	nbytes   atomic.Int64
	mem      memory.Allocator

	refs      atomic.Int64
	ended     sync.Once // the server side was ended (released, interrupted)
	bg        sync.WaitGroup
	releasing atomic.Bool // a ReleaseUntil is in flight
	stopped   atomic.Bool // interrupted because ctx ended
}

// item is a batch from the reader goroutine; neither field set is the end
// of a complete result.
type item struct {
	rec arrow.RecordBatch
	err error
}

// readAhead is how many decoded batches may wait for the consumer (Spark
// sends at most 4 MiB, and by default 10,000 rows, a batch).
const readAhead = 2

var _ array.RecordReader = (*Stream)(nil)

// Execute runs sql on the server as a reattachable ExecutePlan, args bound
// to its :name markers as literals (never pasted into the SQL). It returns
// once the first batch (or the end, or an error) arrives, so that the
// schema is known; ctx governs the whole stream, and its end interrupts the
// query on the server.
func (c *Client) Execute(ctx context.Context, sql string, args map[string]any, opts ExecuteOptions) (*Stream, error) {
	rel, err := sqlRelation(sql, args)
	if err != nil {
		return nil, err
	}
	return c.execute(ctx, sql, &pb.Plan{OpType: &pb.Plan_Root{Root: rel}}, opts)
}

// sqlRelation is a SQL query with its parameters bound as literals.
func sqlRelation(sql string, args map[string]any) (*pb.Relation, error) {
	named, err := namedArguments(args)
	if err != nil {
		return nil, &Error{Code: backend.EINVALID, Class: ClassProtocol, Message: err.Error(), Err: err}
	}
	return &pb.Relation{RelType: &pb.Relation_Sql{Sql: &pb.SQL{Query: sql, NamedArguments: named}}}, nil
}

// execute sends plan as a reattachable ExecutePlan (see Execute); sql is
// the query's text for error positions, "" for a command without one.
func (c *Client) execute(ctx context.Context, sql string, plan *pb.Plan, opts ExecuteOptions) (*Stream, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	var err error
	opID := opts.OperationID
	if opID == "" {
		opID = uuid.NewString()
	} else if _, err := uuid.Parse(opID); err != nil {
		return nil, &Error{Code: backend.EINVALID, Class: ClassProtocol, Message: fmt.Sprintf("spark operation id %q is not a UUID", opID), Err: err}
	}
	s := &Stream{c: c, sql: sql, opID: opID, onProg: opts.OnProgress, mem: memory.DefaultAllocator,
		items: make(chan item, readAhead), pumped: make(chan struct{})}
	s.refs.Store(1)
	s.req = &pb.ExecutePlanRequest{
		SessionId:                         c.sessionID,
		ClientObservedServerSideSessionId: c.serverSession(),
		UserContext:                       c.userContext(),
		OperationId:                       &opID,
		ClientType:                        &c.clientType,
		Tags:                              opts.Tags,
		Plan:                              plan,
		RequestOptions: []*pb.ExecutePlanRequest_RequestOption{{
			RequestOption: &pb.ExecutePlanRequest_RequestOption_ReattachOptions{
				ReattachOptions: &pb.ReattachOptions{Reattachable: true},
			},
		}},
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	// Cancelling a Go context only drops our side of the stream; the job
	// would go on on the server. So the end of ctx interrupts it there.
	s.stop = context.AfterFunc(ctx, func() {
		s.stopped.Store(true)
		s.endServerSide(ctx, true)
	})
	s.stream, err = c.stub.ExecutePlan(s.ctx, s.req)
	if err != nil {
		// Opening fails only on our side (no connection to the server yet):
		// recv sends the ExecutePlan again, under the retry policy.
		s.stream, s.unsent = nil, true
	}
	rec, err := s.produce()
	switch {
	case err != nil:
		close(s.pumped)
		s.Release()
		return nil, err
	case rec == nil:
		// A complete result without a batch: an empty stream.
		close(s.pumped)
		s.done = true
		return s, nil
	}
	s.first = append([]arrow.RecordBatch{rec}, s.pending...)
	s.pending = nil
	go s.pump()
	return s, nil
}

// pump reads the rest of the result ahead of the consumer, and ends with
// an item without a batch: the error, or none after a complete result.
func (s *Stream) pump() {
	defer close(s.pumped)
	for {
		rec, err := s.produce()
		if rec == nil {
			// The channel may be full of batches nobody reads any more
			// (finish drains it): give up on the end when ctx has ended.
			select {
			case s.items <- item{err: err}:
			case <-s.ctx.Done():
			}
			return
		}
		select {
		case s.items <- item{rec: rec}:
		case <-s.ctx.Done():
			rec.Release()
			return
		}
	}
}

// OperationID is the server's id of the query.
func (s *Stream) OperationID() string { return s.opID }

// Rows is the number of rows received so far; Bytes the Arrow bytes.
func (s *Stream) Rows() int64  { return s.rows.Load() }
func (s *Stream) Bytes() int64 { return s.nbytes.Load() }

// Schema is the result's schema (no columns for a statement without rows).
func (s *Stream) Schema() *arrow.Schema {
	if s.schema == nil {
		return arrow.NewSchema(nil, nil)
	}
	return s.schema
}

// Next moves to the next record batch.
func (s *Stream) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if len(s.first) > 0 {
		s.cur, s.first = s.first[0], s.first[1:]
		return true
	}
	if s.done {
		return false
	}
	var it item
	select {
	case it = <-s.items:
	case <-s.pumped:
		// The reader gave up without a last word (ctx ended); anything it
		// queued before comes first.
		select {
		case it = <-s.items:
		default:
			it.err = s.convert(s.ctx.Err())
		}
	}
	if it.rec == nil {
		s.done, s.err = true, it.err
		return false
	}
	s.cur = it.rec
	return true
}

// RecordBatch is the current batch, valid until the next call to Next.
func (s *Stream) RecordBatch() arrow.RecordBatch { return s.cur }

// Record is RecordBatch.
//
// Deprecated: arrow-go's old name, kept for array.RecordReader.
func (s *Stream) Record() arrow.RecordBatch { return s.cur }

// Err is what stopped the stream early, nil after a complete result.
func (s *Stream) Err() error { return s.err }

// Retain adds a reference.
func (s *Stream) Retain() { s.refs.Add(1) }

// Release drops a reference; the last one ends the stream (see Close).
func (s *Stream) Release() {
	if s.refs.Add(-1) != 0 {
		return
	}
	s.finish()
}

// Close ends the stream now, whatever its references: an unfinished query
// is interrupted on the server, the operation released there, and Close
// waits (briefly) for both.
func (s *Stream) Close() error {
	if s.refs.Swap(0) > 0 {
		s.finish()
	}
	return nil
}

func (s *Stream) finish() {
	s.endServerSide(s.ctx, !s.complete.Load())
	s.stop()
	s.cancel()
	<-s.pumped
	s.bg.Wait()
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	for _, r := range append(s.first, s.pending...) {
		r.Release()
	}
	s.first, s.pending = nil, nil
	for len(s.items) > 0 {
		if it := <-s.items; it.rec != nil {
			it.rec.Release()
		}
	}
	s.done = true
}

// produce reads responses until a record batch is decoded, and returns
// it; nil and no error is the end of a complete result. On the reader's
// side only.
func (s *Stream) produce() (arrow.RecordBatch, error) {
	for len(s.pending) == 0 {
		resp, err := s.recv()
		if err != nil {
			err = s.convert(err)
			s.endServerSide(s.ctx, true)
			return nil, err
		}
		if resp == nil {
			s.endServerSide(s.ctx, false)
			return nil, nil
		}
		switch r := resp.GetResponseType().(type) {
		case *pb.ExecutePlanResponse_ArrowBatch_:
			recs, err := s.decode(r.ArrowBatch)
			if err != nil {
				s.endServerSide(s.ctx, true)
				return nil, err
			}
			s.releaseUntil(s.lastID)
			s.pending = recs
		case *pb.ExecutePlanResponse_ExecutionProgress_:
			s.report(r.ExecutionProgress)
		}
	}
	rec := s.pending[0]
	s.pending = s.pending[1:]
	return rec, nil
}

// convert names a failure of the stream for the user: a cut stream is
// not the same as a server that was never reached.
func (s *Stream) convert(err error) error {
	e := s.c.convert(s.ctx, err, s.sql)
	if s.stopped.Load() && e.Code != backend.ECANCELED {
		return &Error{Code: backend.ECANCELED, Class: ClassCanceled, Message: "the Spark query was canceled", Err: err}
	}
	if s.received && (e.Class == ClassUnavailable || (e.Class == "" && e.Code == backend.EINTERNAL)) {
		e.Class = ClassStreamCut
		e.Message = fmt.Sprintf("the result from the Spark cluster at %s stopped after %d rows and could not be resumed: %s",
			s.c.ep.address(), s.rows.Load(), status.Convert(err).Message())
	}
	return e
}

// decode reads one ArrowBatch: an Arrow IPC stream of a schema and its
// record batches.
func (s *Stream) decode(b *pb.ExecutePlanResponse_ArrowBatch) ([]arrow.RecordBatch, error) {
	rd, err := ipc.NewReaderFromMessageReader(newBytesMessages(b.GetData()), ipc.WithAllocator(s.mem))
	if err != nil {
		return nil, &Error{Code: backend.EINTERNAL, Class: ClassProtocol, Message: "reading an Arrow batch from Spark: " + err.Error(), Err: err}
	}
	defer rd.Release()
	if s.schema == nil {
		s.schema = rd.Schema()
	}
	var recs []arrow.RecordBatch
	for rd.Next() {
		rec := rd.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
		s.rows.Add(rec.NumRows())
	}
	if err := rd.Err(); err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, &Error{Code: backend.EINTERNAL, Class: ClassProtocol, Message: "reading an Arrow batch from Spark: " + err.Error(), Err: err}
	}
	s.nbytes.Add(int64(len(b.GetData())))
	return recs, nil
}

func (s *Stream) report(p *pb.ExecutePlanResponse_ExecutionProgress) {
	if s.onProg == nil {
		return
	}
	out := Progress{InflightTasks: p.GetNumInflightTasks(), Rows: s.rows.Load(), Bytes: s.nbytes.Load()}
	for _, st := range p.GetStages() {
		out.Stages = append(out.Stages, StageProgress{
			ID: st.GetStageId(), Tasks: st.GetNumTasks(), TasksDone: st.GetNumCompletedTasks(),
			BytesRead: st.GetInputBytesRead(), Done: st.GetDone(),
		})
		out.Tasks += st.GetNumTasks()
		out.TasksDone += st.GetNumCompletedTasks()
		out.BytesRead += st.GetInputBytesRead()
	}
	s.onProg(out)
}
