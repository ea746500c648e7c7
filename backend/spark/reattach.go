package spark

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"smallfry/backend"
	pb "smallfry/backend/spark/proto"
)

// recv returns the next response worth reading, nil at ResultComplete. It
// resumes the stream as pyspark's ExecutePlanResponseReattachableIterator
// does: a stream that ends without ResultComplete, or fails with an error
// the retry policy takes, is reattached after the last response received;
// a deadline reattaches at once; an operation the server does not know
// (the first request never reached it) is sent again, unless part of the
// result already came.
func (s *Stream) recv() (*pb.ExecutePlanResponse, error) {
	if s.complete.Load() {
		return nil, nil
	}
	a := s.c.retry.start()
	for {
		if s.ctx.Err() != nil {
			return nil, s.ctx.Err()
		}
		if s.stream == nil && s.unsent {
			st, err := s.c.stub.ExecutePlan(s.ctx, s.req)
			if err != nil {
				if w, ok := s.backoff(a, err); ok {
					if err := sleep(s.ctx, w); err != nil {
						return nil, err
					}
					continue
				}
				return nil, err
			}
			s.stream, s.unsent = st, false
		}
		if s.stream == nil {
			st, err := s.c.stub.ReattachExecute(s.ctx, s.reattachRequest())
			if err != nil {
				if w, ok := s.backoff(a, err); ok {
					if err := sleep(s.ctx, w); err != nil {
						return nil, err
					}
					continue
				}
				return nil, err
			}
			s.stream = st
		}
		resp, err := s.stream.Recv()
		if err == io.EOF {
			// The server ended the stream gracefully (it does after
			// spark.connect.execute.reattachable.senderMaxStreamDuration or
			// Size): there is more; reattach.
			s.stream = nil
			continue
		}
		if err != nil {
			s.stream = nil
			if s.ctx.Err() != nil {
				return nil, err
			}
			msg := status.Convert(err).Message()
			if strings.Contains(msg, "INVALID_HANDLE.OPERATION_NOT_FOUND") || strings.Contains(msg, "INVALID_HANDLE.SESSION_NOT_FOUND") {
				if s.lastID != "" {
					return nil, &Error{Code: backend.EINTERNAL, Class: ClassStreamCut, Status: status.Code(err), Err: err,
						Message: fmt.Sprintf("the Spark cluster at %s lost the query after sending %d rows (it restarted, or released the query): run it again", s.c.ep.address(), s.rows.Load())}
				}
				if !a.immediate() {
					return nil, err
				}
				// The ExecutePlan never reached the server: send it again.
				st, err2 := s.c.stub.ExecutePlan(s.ctx, s.req)
				if err2 != nil {
					return nil, err2
				}
				s.stream = st
				continue
			}
			if status.Code(err) == codes.DeadlineExceeded && a.immediate() {
				continue
			}
			if w, ok := s.backoff(a, err); ok {
				if err := sleep(s.ctx, w); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		s.received = true
		s.c.observe(resp.GetServerSideSessionId())
		if resp.GetResponseId() != "" {
			s.lastID = resp.GetResponseId()
		}
		a.reset()
		if _, ok := resp.GetResponseType().(*pb.ExecutePlanResponse_ResultComplete_); ok {
			s.complete.Store(true)
			return nil, nil
		}
		return resp, nil
	}
}

func (s *Stream) backoff(a *attempts, err error) (time.Duration, bool) {
	if !retryable(err) {
		return 0, false
	}
	return a.wait(err)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Stream) reattachRequest() *pb.ReattachExecuteRequest {
	r := &pb.ReattachExecuteRequest{
		SessionId:                         s.c.sessionID,
		ClientObservedServerSideSessionId: s.c.serverSession(),
		UserContext:                       s.c.userContext(),
		OperationId:                       s.opID,
		ClientType:                        &s.c.clientType,
	}
	if s.lastID != "" {
		id := s.lastID
		r.LastResponseId = &id
	}
	return r
}
