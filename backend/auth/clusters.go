package auth

import (
	"encoding/json"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Cluster is a Spark cluster the company's notebooks may run SQL cells on,
// reached through Spark Connect.
type Cluster struct {
	// Name is what cells name it by (metadata.smallfry.engine).
	Name string `json:"name"`
	// URL is sc://host:port (TLS for every host but a loopback one). It
	// carries no token: a token is kept in the keychain.
	URL string `json:"url"`
	// Auth is how the cluster takes the user: "sso" sends the sign-in's
	// id_token as the Bearer token; "token" sends a token of the cluster's
	// own, kept in the OS keychain (smallfry cluster-token NAME).
	Auth string `json:"auth"`
	// S3 is whose keys Spark reads the lake with: "user" (the user's
	// temporary keys from the sign-in, set on the Spark session and
	// refreshed) or "cluster" (the cluster's own role).
	S3 string `json:"s3"`
}

// Cluster auth and S3 modes.
const (
	ClusterAuthSSO   = "sso"
	ClusterAuthToken = "token"
	ClusterS3User    = "user"
	ClusterS3Role    = "cluster"
)

var clusterNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,62}$`)

// Cluster finds a cluster by name (case-insensitive).
func (s Settings) Cluster(name string) (Cluster, bool) {
	for _, c := range s.Clusters {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Cluster{}, false
}

// parseClusters reads the clusters list, each field checked and named.
func parseClusters(raw json.RawMessage) ([]Cluster, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, settingsError("clusters must be a list of {name, url, auth, s3}, got %s", jsonKind(raw))
	}
	out := make([]Cluster, 0, len(items))
	for i, item := range items {
		at := "clusters[" + strconv.Itoa(i) + "]"
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			return nil, settingsError("%s must be an object with name, url, auth and s3, got %s", at, jsonKind(item))
		}
		for _, name := range sortedKeys(fields) {
			if !slices.Contains([]string{"name", "url", "auth", "s3"}, name) {
				return nil, settingsError("unknown field %s.%s", at, name)
			}
		}
		var c Cluster
		for _, f := range []struct {
			name string
			dst  *string
		}{{"name", &c.Name}, {"url", &c.URL}, {"auth", &c.Auth}, {"s3", &c.S3}} {
			r, ok := fields[f.name]
			if !ok {
				return nil, settingsError("%s.%s is missing", at, f.name)
			}
			if err := json.Unmarshal(r, f.dst); err != nil {
				return nil, settingsError("%s.%s must be a string, got %s", at, f.name, jsonKind(r))
			}
			*f.dst = strings.TrimSpace(*f.dst)
		}
		if !clusterNamePattern.MatchString(c.Name) || strings.EqualFold(c.Name, "duckdb") || strings.EqualFold(c.Name, "local") {
			return nil, settingsError("%s.name %q must start with a letter and hold only letters, digits, _ and - (and not be duckdb or local, the laptop's engine)", at, c.Name)
		}
		for _, prev := range out {
			if strings.EqualFold(prev.Name, c.Name) {
				return nil, settingsError("%s.name %q is already the name of another cluster", at, c.Name)
			}
		}
		if err := checkClusterURL(at+".url", c.URL); err != nil {
			return nil, err
		}
		if c.Auth != ClusterAuthSSO && c.Auth != ClusterAuthToken {
			return nil, settingsError("%s.auth must be %q (the sign-in's token) or %q (a token of the cluster's own, kept in the keychain), got %q", at, ClusterAuthSSO, ClusterAuthToken, c.Auth)
		}
		if c.S3 != ClusterS3User && c.S3 != ClusterS3Role {
			return nil, settingsError("%s.s3 must be %q (Spark reads S3 with the user's keys) or %q (with the cluster's own role), got %q", at, ClusterS3User, ClusterS3Role, c.S3)
		}
		out = append(out, c)
	}
	return out, nil
}

// checkClusterURL accepts sc://host:port with nothing after but "/".
func checkClusterURL(field, u string) error {
	rest, ok := strings.CutPrefix(u, "sc://")
	if !ok {
		return settingsError("%s must be sc://host:port, got %q", field, u)
	}
	hostport, params, _ := strings.Cut(rest, "/")
	if strings.Contains(strings.ToLower(params), "token=") {
		return settingsError("%s must not carry a token (a settings file is not a place for secrets: use auth \"token\" and `smallfry cluster-token`)", field)
	}
	if params != "" {
		return settingsError("%s must be sc://host:port, without parameters, got %q", field, u)
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return settingsError("%s must be sc://host:port, got %q", field, u)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return settingsError("%s has port %q, not a number from 1 to 65535", field, port)
	}
	return nil
}
