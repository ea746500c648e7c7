package s3

import (
	"context"
	"strings"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// countRequests adds Config.OnRequest at the end of the finalize step,
// after the retry loop, so every attempt sent is reported.
func (s *Store) countRequests(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("SmallfryOnRequest",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				s.cfg.OnRequest(req.Method, s.keyOfPath(req.URL.Path), req.Header.Get("Range") != "")
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// keyOfPath is the Store key of a request's URL path: "/bucket/prefix/key"
// with path-style addressing, "/prefix/key" with virtual hosts.
func (s *Store) keyOfPath(p string) string {
	p = strings.TrimPrefix(p, "/")
	if s.cfg.Endpoint != "" {
		p = strings.TrimPrefix(strings.TrimPrefix(p, s.cfg.Bucket), "/")
	}
	return strings.TrimPrefix(p, s.root)
}
