package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"smallfry/backend"
	"smallfry/backend/lake"
)

// operation names what a request was doing, for its error message.
type operation struct {
	verb  string // as in "list s3://bucket/prefix/: ..."
	write bool   // whether a 403 means the role cannot write (else read)
}

var (
	opList   = operation{"list", false}
	opStat   = operation{"stat", false}
	opGet    = operation{"get", false}
	opRead   = operation{"read", false}
	opFetch  = operation{"download", false}
	opPut    = operation{"put", true}
	opSwap   = operation{"commit", true}
	opDelete = operation{"delete", true}
)

// offlineFor is how long, after a request found the endpoint unreachable,
// further requests fail at once instead of each waiting for its own
// connection attempts: a lake of many files stays quick to browse offline.
const offlineFor = 5 * time.Second

// call runs one S3 operation. When S3 says the keys it was signed with
// expired, the credentials are invalidated (if they are a cache that can
// be) and it is tried once more. Its error says what to do in words a user
// can act on.
func (s *Store) call(ctx context.Context, op operation, key string, fn func(context.Context) error) error {
	if err := s.offline(); err != nil {
		return s.explain(op, key, err)
	}
	err := fn(ctx)
	if err != nil && errorCode(err) == "ExpiredToken" {
		// *aws.CredentialsCache, and the sign-in's own cache, can forget keys.
		if cc, ok := s.cfg.Credentials.(interface{ Invalidate() }); ok {
			cc.Invalidate()
			err = fn(ctx)
		}
	}
	if err != nil && unreachable(err) && ctx.Err() == nil {
		s.mu.Lock()
		s.offlineUntil, s.offlineErr = time.Now().Add(offlineFor), err
		s.mu.Unlock()
	}
	return s.explain(op, key, err)
}

// offline returns the error that made the endpoint count as unreachable,
// while it does.
func (s *Store) offline() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Now().Before(s.offlineUntil) {
		return s.offlineErr
	}
	return nil
}

// errorCode is S3's error code ("NoSuchKey", "AccessDenied"), or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// unreachable tells errors of a request that never reached S3: refused
// or timed-out connections, unknown host names.
func unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// IsUnreachable tells whether err is from a Store that could not reach S3.
func IsUnreachable(err error) bool { return unreachable(err) }

// credentialCodes are S3's answers to keys it does not accept.
var credentialCodes = map[string]string{
	"InvalidAccessKeyId":    "does not know the access key",
	"SignatureDoesNotMatch": "rejected the secret key",
	"InvalidToken":          "rejected the session token",
	"ExpiredToken":          "says the credentials expired",
	"TokenRefreshRequired":  "says the credentials expired",
}

// explain turns an SDK error into one that names the operation, the s3://
// location and what went wrong, keeping the SDK's error for logs and
// errors.Is: fs.ErrNotExist for a missing object, lake.ErrConflict for a
// failed conditional write.
func (s *Store) explain(op operation, key string, err error) error {
	if err == nil {
		return nil
	}
	loc := s.Location(key)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: %w", op.verb, loc, err)
	}
	code, status := errorCode(err), httpStatus(err)
	user := func(c, format string, args ...any) error {
		return &backend.Error{Code: c, Message: fmt.Sprintf("%s %s: ", op.verb, loc) + fmt.Sprintf(format, args...), Err: err}
	}
	switch {
	case unreachable(err):
		// lake.ErrOffline: readers fall back to what is cached.
		e := user(backend.EINTERNAL, "cannot reach S3 at %s (%s)", s.endpoint, rootCause(err)).(*backend.Error)
		e.Err = errors.Join(lake.ErrOffline, err)
		return e
	case errors.Is(err, lake.ErrOffline):
		// Signed out: the sign-in's own words, not the SDK's chain.
		return &backend.Error{Code: backend.EINVALID, Message: fmt.Sprintf("%s %s: %s", op.verb, loc, rootCause(err)), Err: err}
	case code == "NoSuchBucket":
		return user(backend.ENOTFOUND, "the bucket %s does not exist", s.cfg.Bucket)
	case code == "PreconditionFailed" || code == "ConditionalRequestConflict" ||
		status == http.StatusPreconditionFailed || (op == opSwap && status == http.StatusConflict):
		return &backend.Error{Code: backend.ECONFLICT, Message: fmt.Sprintf("%s %s: %s", op.verb, loc, lake.ErrConflict), Err: errors.Join(lake.ErrConflict, err)}
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		return &backend.Error{Code: backend.ENOTFOUND, Message: fmt.Sprintf("%s %s: the object does not exist", op.verb, loc), Err: errors.Join(fs.ErrNotExist, err)}
	case credentialCodes[code] != "":
		return user(backend.EINVALID, "S3 at %s %s (%s): sign in again", s.endpoint, credentialCodes[code], code)
	case code == "AccessDenied" || status == http.StatusForbidden:
		verb := "read"
		if op.write {
			verb = "write"
		}
		// The location once: "put: your role cannot write s3://bucket/key".
		return &backend.Error{Code: backend.EINVALID, Message: fmt.Sprintf("%s: your role cannot %s %s", op.verb, verb, loc), Err: err}
	}
	return fmt.Errorf("%s %s: %w", op.verb, loc, err)
}

// rootCause is the innermost error's text ("connection refused").
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
