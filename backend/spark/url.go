package spark

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DefaultPort is Spark Connect's port when a URL names none.
const DefaultPort = 15002

// endpoint is a parsed Spark Connect URL:
// sc://host[:port][/;param=value;...] with the parameters Spark's clients
// take (token, use_ssl, user_id, session_id, user_agent).
type endpoint struct {
	host      string
	port      int
	token     string
	tls       bool
	userID    string
	sessionID string
	userAgent string
}

func (e endpoint) address() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// parseURL reads a Spark Connect URL. TLS is on for every host but a
// loopback one, where it is off unless use_ssl=true: a token never crosses
// a network in clear.
func parseURL(raw string) (endpoint, error) {
	var e endpoint
	rest, ok := strings.CutPrefix(raw, "sc://")
	if !ok {
		return e, fmt.Errorf("spark connect URL %q: it must start with sc://", redactURL(raw))
	}
	hostport, params, _ := strings.Cut(rest, "/")
	if hostport == "" {
		return e, fmt.Errorf("spark connect URL %q: no host", redactURL(raw))
	}
	u, err := url.Parse("//" + hostport)
	if err != nil || u.Hostname() == "" || u.User != nil || u.Path != "" {
		return e, fmt.Errorf("spark connect URL %q: bad host and port %q", redactURL(raw), hostport)
	}
	e.host, e.port = u.Hostname(), DefaultPort
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return e, fmt.Errorf("spark connect URL %q: bad port %q", redactURL(raw), p)
		}
		e.port = n
	}
	useSSL := ""
	params = strings.TrimPrefix(params, ";")
	for _, kv := range strings.Split(params, ";") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return e, fmt.Errorf("spark connect URL %q: parameter %q has no value", redactURL(raw), k)
		}
		if uv, err := url.PathUnescape(v); err == nil {
			v = uv
		}
		switch k {
		case "token":
			e.token = v
		case "use_ssl":
			if v != "true" && v != "false" {
				return e, fmt.Errorf("spark connect URL %q: use_ssl is true or false, not %q", redactURL(raw), v)
			}
			useSSL = v
		case "user_id":
			e.userID = v
		case "session_id":
			e.sessionID = v
		case "user_agent":
			e.userAgent = v
		case "grpc_max_message_size":
			// Taken by pyspark; we always accept Spark's largest messages.
		default:
			return e, fmt.Errorf("spark connect URL %q: unknown parameter %q", redactURL(raw), k)
		}
	}
	loopback := isLoopback(e.host)
	switch {
	case useSSL == "true":
		e.tls = true
	case useSSL == "false" && !loopback:
		return e, fmt.Errorf("spark connect URL %q: use_ssl=false is allowed only for a loopback host, not %s", redactURL(raw), e.host)
	case useSSL == "":
		e.tls = !loopback
	}
	return e, nil
}

// isLoopback tells whether host is this machine's loopback: localhost or an
// address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL hides a token in a URL quoted in an error.
func redactURL(raw string) string {
	i := strings.Index(raw, "token=")
	if i < 0 {
		return raw
	}
	end := strings.IndexByte(raw[i:], ';')
	if end < 0 {
		return raw[:i] + "token=…"
	}
	return raw[:i] + "token=…" + raw[i+end:]
}
