package spark

import (
	"context"
	"time"

	pb "smallfry/backend/spark/proto"
)

// releaseUntil lets the server drop the responses it keeps for a reattach,
// up to id; at most one such call is in flight (a later one covers more).
func (s *Stream) releaseUntil(id string) {
	if id == "" || !s.releasing.CompareAndSwap(false, true) {
		return
	}
	req := s.releaseRequest()
	req.Release = &pb.ReleaseExecuteRequest_ReleaseUntil_{ReleaseUntil: &pb.ReleaseExecuteRequest_ReleaseUntil{ResponseId: id}}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer s.releasing.Store(false)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), rpcTimeout)
		defer cancel()
		_, _ = s.c.stub.ReleaseExecute(ctx, req)
	}()
}

func (s *Stream) releaseRequest() *pb.ReleaseExecuteRequest {
	return &pb.ReleaseExecuteRequest{
		SessionId:                         s.c.sessionID,
		ClientObservedServerSideSessionId: s.c.serverSession(),
		UserContext:                       s.c.userContext(),
		OperationId:                       s.opID,
		ClientType:                        &s.c.clientType,
	}
}

// endServerSide ends the operation on the server, once: an interrupt first
// when it may still run (cancel, an early Close, an error on our side),
// then ReleaseExecute(all), so the server frees what it keeps for it. The
// calls run in the background; finish waits for them.
func (s *Stream) endServerSide(ctx context.Context, interrupt bool) {
	s.ended.Do(func() {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rpcTimeout)
			defer cancel()
			if interrupt {
				if ids, err := s.c.Interrupt(rctx, s.opID); err == nil && len(ids) > 0 {
					// Spark 4.3 refuses a release that comes before the
					// interrupted operation has left its running state (and
					// then holds it, shown running, until the session ends).
					s.waitStopped(rctx)
				}
			}
			req := s.releaseRequest()
			req.Release = &pb.ReleaseExecuteRequest_ReleaseAll_{ReleaseAll: &pb.ReleaseExecuteRequest_ReleaseAll{}}
			// A failed release is not the user's problem: the server drops
			// abandoned operations by itself (after
			// spark.connect.execute.manager.detachedTimeout).
			_, _ = s.c.stub.ReleaseExecute(rctx, req)
		}()
	})
}

// waitStopped waits (a few seconds at most) until the server no longer
// reports the operation running.
func (s *Stream) waitStopped(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		ops, err := s.c.Operations(ctx, s.opID)
		if err != nil || ops[s.opID] != OperationRunning {
			return
		}
		if sleep(ctx, 50*time.Millisecond) != nil {
			return
		}
	}
}
