package workbench

import (
	"context"
	"strings"

	"smallfry/backend"
	"smallfry/backend/cluster"
	"smallfry/backend/duckdb"
	"smallfry/backend/runner"
)

// Clusters are the company's Spark clusters behind the workbench (package
// smallfry's, from the company settings and the keychain).
type Clusters interface {
	// List names the clusters SQL cells may run on.
	List() []ClusterInfo
	// Settings say how to reach one.
	Settings(name string) (cluster.Settings, error)
	// Limits are the workspace's cap on what comes back and its offload
	// threshold.
	Limits() ClusterLimits
}

// ClusterInfo is a cluster as the engine menu shows it.
type ClusterInfo struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Auth string `json:"auth"` // sso or token
	S3   string `json:"s3"`   // user or cluster: whose keys read S3
}

// ClusterLimits come from the workspace settings (cluster.*).
type ClusterLimits struct {
	MaxRows      int64 `json:"maxRows"`
	MaxBytes     int64 `json:"maxBytes"`
	OffloadBytes int64 `json:"offloadBytes"`
}

// Clusters lists the clusters SQL cells may run on (none without company
// settings that name some).
func (s *Service) Clusters(ctx context.Context) ([]ClusterInfo, error) {
	if s.cfg.Clusters == nil {
		return []ClusterInfo{}, nil
	}
	out := s.cfg.Clusters.List()
	if out == nil {
		out = []ClusterInfo{}
	}
	return out, nil
}

// SetEngine chooses the engine of the notebook's SQL cells that name none
// ("" or "duckdb": this laptop), saved in the notebook at once
// (metadata.smallfry.engine), so headless runs use it too.
func (s *Service) SetEngine(ctx context.Context, session, engine string) (*Runtime, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	if engine == "duckdb" {
		engine = ""
	}
	if engine != "" {
		if _, err := s.clusterSettings(engine); err != nil {
			return nil, err
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	was := ss.file.Meta.Engine
	ss.file.Meta.Engine = engine
	if err := s.writeNotebook(ss.path, ss.file); err != nil {
		ss.file.Meta.Engine = was
		return nil, err
	}
	out := runtimeOf(ss.file)
	return &out, nil
}

func (s *Service) clusterSettings(name string) (cluster.Settings, error) {
	if s.cfg.Clusters == nil {
		return cluster.Settings{}, backend.Errorf(backend.EINVALID, "no cluster %q: the company settings name no clusters", name)
	}
	return s.cfg.Clusters.Settings(name)
}

// engines are a run's cluster engines over the session's DuckDB, one per
// cluster the company names; each keeps the notebook's Spark session.
func (s *Service) engines(ss *session, db *duckdb.Session) (map[string]runner.Engine, *runner.Offload) {
	if s.cfg.Clusters == nil {
		return nil, nil
	}
	list := s.cfg.Clusters.List()
	if len(list) == 0 {
		return nil, nil
	}
	limits := s.cfg.Clusters.Limits()
	out := map[string]runner.Engine{}
	var names []string
	for _, c := range list {
		conn, err := ss.clusterConn(s, c.Name)
		if err != nil {
			continue // the cell that names it reports the engine as not set up
		}
		e := &cluster.Engine{
			Conn: conn, DB: db, Cap: cluster.Cap{Rows: limits.MaxRows, Bytes: limits.MaxBytes},
			LocalTable: func(name string) bool { _, _, ok, _ := s.cfg.Lake.Resolve(name); return ok },
			Tag:        "smallfry-" + ss.id,
		}
		if s.cfg.Accounts != nil {
			if lk := s.cfg.Accounts.Lake(); lk != nil {
				e.Lake = lk
			}
		}
		out[c.Name] = e
		names = append(names, c.Name)
	}
	return out, &runner.Offload{Bytes: limits.OffloadBytes, Clusters: names}
}

// clusterConn is the session's connection to a cluster, made on first use.
func (ss *session) clusterConn(s *Service, name string) (*cluster.Conn, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if c, ok := ss.conns[strings.ToLower(name)]; ok {
		return c, nil
	}
	set, err := s.clusterSettings(name)
	if err != nil {
		return nil, err
	}
	if ss.conns == nil {
		ss.conns = map[string]*cluster.Conn{}
	}
	c := cluster.NewConn(set)
	ss.conns[strings.ToLower(name)] = c
	return c, nil
}

// closeClusters ends the session's Spark sessions; ss.mu is held.
func (ss *session) closeClusters() {
	for _, c := range ss.conns {
		_ = c.Close(context.Background())
	}
	ss.conns = nil
}

// Estimate tells what a local SQL cell would read of the S3 lake, before it
// runs: partition filters prune, the footers give the sizes, and what is
// cached here counts as not to download. Nothing is fetched. A cell that
// reads no S3 table gets an empty estimate.
func (s *Service) Estimate(ctx context.Context, session, source string) (*runner.Estimate, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	db, err := ss.duck(ctx)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	params, err := runner.SQLParams(ss.file)
	ss.mu.Unlock()
	if err != nil {
		params = nil // the run reports the parameters cell's problem
	}
	scans, err := db.Estimate(ctx, source, params)
	if err != nil {
		return nil, err
	}
	out := &runner.Estimate{Scans: scans}
	if out.Scans == nil {
		out.Scans = []duckdb.Scan{}
	}
	for _, sc := range scans {
		out.Bytes += sc.Bytes
		out.ToDownload += sc.ToDownload
	}
	return out, nil
}
