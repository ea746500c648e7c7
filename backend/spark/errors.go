package spark

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"smallfry/backend"
	pb "smallfry/backend/spark/proto"
)

// Classes of the failures around a query, where Spark gives none.
const (
	ClassUnavailable     = "SMALLFRY.CLUSTER_UNAVAILABLE" // no answer from the server
	ClassUnauthenticated = "SMALLFRY.UNAUTHENTICATED"     // the server refused the token
	ClassSessionClosed   = "SMALLFRY.SESSION_CLOSED"      // the server no longer has our session
	ClassStreamCut       = "SMALLFRY.STREAM_CUT"          // the result stopped mid-way and could not be resumed
	ClassCanceled        = "SMALLFRY.CANCELED"            // the caller's context ended
	ClassProtocol        = "SMALLFRY.PROTOCOL"            // the server sent what we cannot read
)

// Error is a failure of the Spark cluster or of a query on it. Message is
// for the user as it is; Class and SQLState are Spark's (its error class,
// "TABLE_OR_VIEW_NOT_FOUND", and SQLSTATE, "42P01") for a query's error, or
// one of the Class* constants for a failure around it.
type Error struct {
	Code     string // backend.EINVALID for the query's fault, ECANCELED, else EINTERNAL
	Class    string
	SQLState string
	Message  string
	Line     int        // 1-based line of the SQL the error points at, 0 when unknown
	Status   codes.Code // the gRPC status, codes.OK when there was none
	Err      error      // the underlying error, for logs
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Backend returns the error as the domain's *backend.Error, with the line.
func (e *Error) Backend() *backend.Error {
	msg := e.Message
	if e.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return &backend.Error{Code: e.Code, Message: msg, Err: e}
}

// Spark error classes that say the server no longer has our session.
var sessionGone = []string{
	"INVALID_HANDLE.SESSION_CLOSED",
	"INVALID_HANDLE.SESSION_CHANGED",
	"INVALID_HANDLE.SESSION_NOT_FOUND",
}

// errorInfo is the google.rpc.ErrorInfo of a status, if it has one.
func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

func retryInfo(st *status.Status) *errdetails.RetryInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok {
			return info
		}
	}
	return nil
}

// convert turns an RPC's error into an *Error. sql is the query (to find
// the line an error points at); fetch asks the server for an error's full
// details by its id (nil skips that).
func (c *Client) convert(ctx context.Context, err error, sql string) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded) {
		return &Error{Code: backend.ECANCELED, Class: ClassCanceled, Message: "the Spark query was canceled", Status: status.Code(err), Err: ctxErr}
	}
	st, ok := status.FromError(err)
	if !ok {
		return &Error{Code: backend.EINTERNAL, Class: ClassProtocol, Message: "spark connect: " + err.Error(), Err: err}
	}
	e := &Error{Code: backend.EINTERNAL, Status: st.Code(), Message: withoutPlan(strings.TrimSpace(st.Message())), Err: err}
	if info := errorInfo(st); info != nil {
		e.Class = info.GetMetadata()["errorClass"]
		e.SQLState = info.GetMetadata()["sqlState"]
		if id := info.GetMetadata()["errorId"]; id != "" && ctx.Err() == nil {
			c.enrich(ctx, e, id, sql)
		}
		for _, class := range sessionGone {
			if e.Class == class {
				c.markClosed()
				// Spark's class stays in the message; ours says what to do.
				e.Code, e.Class = backend.EINTERNAL, ClassSessionClosed
				e.Message = fmt.Sprintf("the Spark session was closed by the server at %s (it restarted, or the session timed out); run again to start a new session (%s)", c.ep.address(), firstLine(e.Message))
				return e
			}
		}
		if e.Class == "" && e.Message == "" {
			e.Message = info.GetReason()
		}
		if e.Line == 0 {
			e.Line = lineFromMessage(e.Message)
		}
		// An error Spark classified (bad SQL, a missing table, a failed cast)
		// is the query's, as SQL errors are on DuckDB.
		if e.Class != "" || e.SQLState != "" {
			e.Code = backend.EINVALID
		}
		return e
	}
	switch st.Code() {
	case codes.Unavailable:
		e.Class = ClassUnavailable
		e.Message = fmt.Sprintf("the Spark cluster at %s is unreachable: %s", c.ep.address(), st.Message())
	case codes.Unauthenticated, codes.PermissionDenied:
		e.Class = ClassUnauthenticated
		e.Message = fmt.Sprintf("the Spark cluster at %s refused the credentials: %s", c.ep.address(), st.Message())
	case codes.Canceled, codes.DeadlineExceeded:
		e.Code, e.Class = backend.ECANCELED, ClassCanceled
		e.Message = "the Spark query was canceled: " + st.Message()
	default:
		e.Message = fmt.Sprintf("spark connect %s: %s", st.Code(), st.Message())
	}
	return e
}

// enrich replaces a (possibly truncated) status message by the server's
// full error: its message, class, SQLSTATE and where in the SQL it points.
func (c *Client) enrich(ctx context.Context, e *Error, errorID, sql string) {
	resp, err := c.stub.FetchErrorDetails(ctx, &pb.FetchErrorDetailsRequest{
		SessionId:                         c.sessionID,
		ClientObservedServerSideSessionId: c.serverSession(),
		UserContext:                       c.userContext(),
		ClientType:                        &c.clientType,
		ErrorId:                           errorID,
	})
	if err != nil || len(resp.GetErrors()) == 0 {
		return
	}
	errs := resp.GetErrors()
	if int(resp.GetRootErrorIdx()) >= len(errs) {
		return
	}
	root := errs[resp.GetRootErrorIdx()]
	if m := strings.TrimSpace(root.GetMessage()); m != "" {
		e.Message = withoutPlan(m)
	}
	// A wrapper's message ("Failed to create plan for direct query on
	// files") hides what went wrong (S3 refused the keys): add its causes.
	seen := map[int32]bool{resp.GetRootErrorIdx(): true}
	for cur := root; cur.CauseIdx != nil && len(seen) <= 3; {
		i := *cur.CauseIdx
		if seen[i] || int(i) >= len(errs) {
			break
		}
		seen[i] = true
		cur = errs[i]
		if m := firstLine(cur.GetMessage()); m != "" && !strings.Contains(e.Message, m) {
			e.Message += "\ncaused by: " + m
		}
	}
	if t := root.GetSparkThrowable(); t != nil {
		if t.ErrorClass != nil && *t.ErrorClass != "" {
			e.Class = *t.ErrorClass
		}
		if t.SqlState != nil && *t.SqlState != "" {
			e.SQLState = *t.SqlState
		}
		for _, qc := range t.GetQueryContexts() {
			if qc.GetContextType() == pb.FetchErrorDetailsResponse_QueryContext_SQL && sql != "" {
				e.Line = lineAt(sql, int(qc.GetStartIndex()))
				break
			}
		}
	}
}

// lineAt is the 1-based line of the character at index i of sql (Spark
// counts UTF-16 units; for the line, counting runes is close enough).
func lineAt(sql string, i int) int {
	if i < 0 {
		return 0
	}
	line, n := 1, 0
	for _, r := range sql {
		if n >= i {
			break
		}
		if r == '\n' {
			line++
		}
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return line
}

// Spark's analysis errors end with the logical plan after
// "SQLSTATE: 42P01; line 3 pos 5;": Spark's internals, not the user's SQL.
var planRE = regexp.MustCompile(`SQLSTATE: [0-9A-Z]{5}; line \d+ pos \d+;\n`)

func withoutPlan(msg string) string {
	if loc := planRE.FindStringIndex(msg); loc != nil {
		return strings.TrimSuffix(msg[:loc[1]-1], ";")
	}
	return msg
}

// Spark's parse errors end their first line with "(line 3, pos 7)".
var lineRE = regexp.MustCompile(`\(line (\d+), pos \d+\)`)

func lineFromMessage(msg string) int {
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
