// Package spark is a Spark Connect client over the Go code generated from
// Spark 4.3's protocol (backend/spark/proto): SQL as reattachable streams
// of Arrow batches, interrupts, errors with Spark's class and SQLSTATE.
package spark

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"smallfry/backend"
	pb "smallfry/backend/spark/proto"
)

// ClientType names this client to the server (it logs it).
const ClientType = "smallfry/spark-connect-go"

// maxMessage is the largest response taken: Spark's default
// spark.connect.grpc.maxInboundMessageSize, which also bounds one Arrow batch.
const maxMessage = 128 << 20

// rpcTimeout bounds the small calls made after a query (interrupt, release,
// error details), which must not hang a cancel.
const rpcTimeout = 10 * time.Second

// Options say which server to reach and as whom.
type Options struct {
	// URL is sc://host[:port][/;token=…;use_ssl=…;user_id=…;session_id=…].
	// TLS is used for every host but a loopback one.
	URL string
	// Token, when set, is asked before every call for the Bearer token (an
	// SSO token that is refreshed, or the cluster's own); it wins over the
	// URL's token=.
	Token func(ctx context.Context) (string, error)
	// UserID is the user_context.user_id of every request (else the URL's).
	UserID string
	// SessionID is the client-side session id, a UUID; "" makes a new one.
	SessionID string
	// ClientType is sent as client_type and the user agent; "" is ClientType.
	ClientType string
	// Retry is the backoff for the errors a stream is resumed on; nil is
	// DefaultRetry, pyspark's.
	Retry *RetryPolicy
	// TLS configures TLS for non-loopback hosts (custom roots); nil uses the
	// system's roots.
	TLS *tls.Config
}

// Client is one Spark Connect session. It is safe for concurrent use.
type Client struct {
	ep         endpoint
	conn       *grpc.ClientConn
	stub       pb.SparkConnectServiceClient
	sessionID  string
	userID     string
	clientType string
	retry      RetryPolicy

	mu         sync.Mutex
	serverSide string // the server's id of our session, once seen
	closed     bool   // the server dropped our session: every call fails
}

// Dial makes a client for the server at opts.URL. It does not connect: the
// first call does, and a server that is down fails that call.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	ep, err := parseURL(opts.URL)
	if err != nil {
		return nil, &Error{Code: backend.EINVALID, Class: ClassUnavailable, Message: err.Error(), Err: err}
	}
	c := &Client{ep: ep, sessionID: opts.SessionID, userID: opts.UserID, clientType: opts.ClientType, retry: DefaultRetry}
	if opts.Retry != nil {
		c.retry = *opts.Retry
	}
	if c.sessionID == "" {
		c.sessionID = ep.sessionID
	}
	if c.sessionID == "" {
		c.sessionID = uuid.NewString()
	} else if _, err := uuid.Parse(c.sessionID); err != nil {
		return nil, &Error{Code: backend.EINVALID, Class: ClassProtocol, Message: fmt.Sprintf("spark session id %q is not a UUID", c.sessionID), Err: err}
	}
	if c.userID == "" {
		c.userID = ep.userID
	}
	if c.clientType == "" {
		c.clientType = ClientType
		if ep.userAgent != "" {
			c.clientType = ep.userAgent
		}
	}
	token := opts.Token
	if token == nil && ep.token != "" {
		static := ep.token
		token = func(context.Context) (string, error) { return static, nil }
	}
	dialOpts := []grpc.DialOption{
		grpc.WithUserAgent(c.clientType),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			wake(ctx, cc)
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			wake(ctx, cc)
			return streamer(ctx, desc, cc, method, opts...)
		}),
	}
	if ep.tls {
		cfg := opts.TLS
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if token != nil {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{token: token, secure: ep.tls}))
	}
	conn, err := grpc.NewClient(ep.address(), dialOpts...)
	if err != nil {
		return nil, &Error{Code: backend.EINVALID, Class: ClassUnavailable, Message: fmt.Sprintf("spark connect %s: %v", ep.address(), err), Err: err}
	}
	c.conn = conn
	c.stub = pb.NewSparkConnectServiceClient(conn)
	return c, nil
}

// wake makes a connection that is waiting out a backoff try again now.
// grpc-go waits ever longer (up to two minutes) between attempts to reach a
// server that was down, and fails every call made in that wait at once with
// the last dial error: a user who runs a cell once the cluster is back up
// would be told it is unreachable. The reset acts asynchronously, so the
// call waits (briefly) for the connection to leave the failure state, and
// then waits on the new attempt rather than failing on the old error.
func wake(ctx context.Context, cc *grpc.ClientConn) {
	if cc.GetState() != connectivity.TransientFailure {
		return
	}
	cc.ResetConnectBackoff()
	wctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	cc.WaitForStateChange(wctx, connectivity.TransientFailure)
}

// bearer sends "authorization: Bearer <token>" on every call.
type bearer struct {
	token  func(ctx context.Context) (string, error)
	secure bool
}

func (b bearer) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	t, err := b.token(ctx)
	if err != nil {
		// A status error keeps its code: the call fails as unauthenticated.
		return nil, status.Errorf(codes.Unauthenticated, "getting the token for the Spark cluster: %v", err)
	}
	return map[string]string{"authorization": "Bearer " + t}, nil
}

// RequireTransportSecurity is false only for a loopback server without TLS
// (parseURL allows no other plaintext host).
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// SessionID is the client-side session id.
func (c *Client) SessionID() string { return c.sessionID }

// Address is the server's host:port.
func (c *Client) Address() string { return c.ep.address() }

// Close ends the session on the server (ReleaseSession) and the connection.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rpcTimeout)
		_, _ = c.stub.ReleaseSession(rctx, &pb.ReleaseSessionRequest{
			SessionId: c.sessionID, UserContext: c.userContext(), ClientType: &c.clientType,
		})
		cancel()
	}
	return c.conn.Close()
}

func (c *Client) userContext() *pb.UserContext { return &pb.UserContext{UserId: c.userID} }

// serverSession is the server's id of our session as last seen (nil before
// any answer): the server refuses a request whose id is not the current one,
// so a restarted server cannot silently hand us a fresh, empty session.
func (c *Client) serverSession() *string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverSide == "" {
		return nil
	}
	s := c.serverSide
	return &s
}

func (c *Client) observe(serverSide string) {
	if serverSide == "" {
		return
	}
	c.mu.Lock()
	c.serverSide = serverSide
	c.mu.Unlock()
}

func (c *Client) markClosed() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

func (c *Client) checkOpen() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &Error{Code: backend.EINTERNAL, Class: ClassSessionClosed,
			Message: fmt.Sprintf("the Spark session at %s was closed by the server; connect again to start a new one", c.ep.address())}
	}
	return nil
}

// SetConf sets Spark session settings (spark.conf.set): for S3A, the user's
// keys as fs.s3a.access.key, fs.s3a.secret.key and fs.s3a.session.token.
// Values are never logged by us; Spark redacts keys that look secret.
func (c *Client) SetConf(ctx context.Context, pairs map[string]string) error {
	if err := c.checkOpen(); err != nil {
		return err
	}
	kv := make([]*pb.KeyValue, 0, len(pairs))
	for k, v := range pairs {
		v := v
		kv = append(kv, &pb.KeyValue{Key: k, Value: &v})
	}
	resp, err := c.stub.Config(ctx, &pb.ConfigRequest{
		SessionId:                         c.sessionID,
		ClientObservedServerSideSessionId: c.serverSession(),
		UserContext:                       c.userContext(),
		ClientType:                        &c.clientType,
		Operation: &pb.ConfigRequest_Operation{OpType: &pb.ConfigRequest_Operation_Set{
			Set: &pb.ConfigRequest_Set{Pairs: kv},
		}},
	})
	if err != nil {
		return c.convert(ctx, err, "")
	}
	c.observe(resp.GetServerSideSessionId())
	return nil
}

// Interrupt stops an operation of this session on the server (its Spark jobs
// are cancelled); it returns the ids the server interrupted.
func (c *Client) Interrupt(ctx context.Context, operationID string) ([]string, error) {
	return c.interrupt(ctx, &pb.InterruptRequest{
		InterruptType: pb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
		Interrupt:     &pb.InterruptRequest_OperationId{OperationId: operationID},
	})
}

// InterruptTag stops every operation of this session that carries tag.
func (c *Client) InterruptTag(ctx context.Context, tag string) ([]string, error) {
	return c.interrupt(ctx, &pb.InterruptRequest{
		InterruptType: pb.InterruptRequest_INTERRUPT_TYPE_TAG,
		Interrupt:     &pb.InterruptRequest_OperationTag{OperationTag: tag},
	})
}

func (c *Client) interrupt(ctx context.Context, req *pb.InterruptRequest) ([]string, error) {
	req.SessionId = c.sessionID
	req.ClientObservedServerSideSessionId = c.serverSession()
	req.UserContext = c.userContext()
	req.ClientType = &c.clientType
	resp, err := c.stub.Interrupt(ctx, req)
	if err != nil {
		return nil, c.convert(ctx, err, "")
	}
	c.observe(resp.GetServerSideSessionId())
	return resp.GetInterruptedIds(), nil
}

// OperationState is an operation's state on the server.
type OperationState = pb.GetStatusResponse_OperationStatus_OperationState

// Operation states (GetStatus).
const (
	OperationRunning     = pb.GetStatusResponse_OperationStatus_OPERATION_STATE_RUNNING
	OperationTerminating = pb.GetStatusResponse_OperationStatus_OPERATION_STATE_TERMINATING
	OperationSucceeded   = pb.GetStatusResponse_OperationStatus_OPERATION_STATE_SUCCEEDED
	OperationFailed      = pb.GetStatusResponse_OperationStatus_OPERATION_STATE_FAILED
	OperationCancelled   = pb.GetStatusResponse_OperationStatus_OPERATION_STATE_CANCELLED
)

// Operations reports the state of this session's operations on the server
// (all of them when no id is given); an operation the server no longer
// holds (released) is absent.
func (c *Client) Operations(ctx context.Context, ids ...string) (map[string]OperationState, error) {
	resp, err := c.stub.GetStatus(ctx, &pb.GetStatusRequest{
		SessionId:                         c.sessionID,
		ClientObservedServerSideSessionId: c.serverSession(),
		UserContext:                       c.userContext(),
		ClientType:                        &c.clientType,
		OperationStatus:                   &pb.GetStatusRequest_OperationStatusRequest{OperationIds: ids},
	})
	if err != nil {
		return nil, c.convert(ctx, err, "")
	}
	c.observe(resp.GetServerSideSessionId())
	out := map[string]OperationState{}
	for _, op := range resp.GetOperationStatuses() {
		out[op.GetOperationId()] = op.GetState()
	}
	return out, nil
}

// S3Conf is the session settings that make S3A read and write s3a:// paths
// with the given keys (the user's temporary STS keys: the session token is
// needed then). Each query of the session uses them, in its tasks too.
// It turns off Hadoop's FileSystem cache for the session: the cache is
// keyed by bucket and the server's OS user, not by session, so without
// this a session would reuse a file system made with another session's
// keys (and a session with no keys could read what the other one can).
// The server should set spark.hadoop.fs.s3a.impl.disable.cache=true too,
// for the sessions of clients that do not.
func S3Conf(accessKeyID, secretAccessKey, sessionToken string) map[string]string {
	return map[string]string{
		"fs.s3a.access.key":         accessKeyID,
		"fs.s3a.secret.key":         secretAccessKey,
		"fs.s3a.session.token":      sessionToken,
		"fs.s3a.impl.disable.cache": "true",
	}
}
