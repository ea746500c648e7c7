package notebook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// CellMeta is what Smallfry keeps in a code cell's metadata.smallfry besides
// the cell's kind and result name (Cell.Kind and Cell.Name). Keys it does not
// know (a later version's) are kept as read, and an unedited field keeps its
// bytes: only the fields that changed are rewritten.
type CellMeta struct {
	// Chart is a Vega-Lite spec over the cell's named result; nil for none.
	Chart map[string]any `json:"chart,omitempty"`
	// Lake saves the cell's result to a lake table after it runs.
	Lake *LakeSave `json:"lake,omitempty"`
	// Engine names the engine that runs a SQL cell; "" is the notebook's
	// own DuckDB.
	Engine string `json:"engine,omitempty"`
}

// LakeSave is a SQL cell's "save to lake" setting.
type LakeSave struct {
	// Lake is the lake written: "" (or "local") the workspace's folder,
	// "s3" the company's S3 lake.
	Lake        string   `json:"lake,omitempty"`
	Table       string   `json:"table"`
	PartitionBy []string `json:"partition_by,omitempty"`
	// Mode is "overwrite" (the default: replace the table) or "partitions"
	// (replace only the partitions written).
	Mode string `json:"mode,omitempty"`
}

// Lakes a cell saves to.
const (
	LakeLocal = "local"
	LakeS3    = "s3"
)

// Lake save modes.
const (
	SaveOverwrite  = "overwrite"
	SavePartitions = "partitions"
)

// NotebookMeta is what Smallfry keeps in a notebook's metadata.smallfry.
// As with CellMeta, unknown keys and unedited fields keep their bytes.
type NotebookMeta struct {
	// Docker runs the notebook's Python cells in a container of this image;
	// nil runs a local kernel.
	Docker *DockerRuntime `json:"docker,omitempty"`
	// Schedule is where and when the notebook is published to run; nil
	// when it is not published.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Engine is the engine of the notebook's SQL cells that name none: ""
	// (or "duckdb") the notebook's own DuckDB, else a cluster's name.
	Engine string `json:"engine,omitempty"`
}

// Schedule is a notebook's published schedule, as it was last published.
// It holds no secret: a webhook's URL is kept in Airflow.
type Schedule struct {
	Airflow     string            `json:"airflow"` // the Airflow's URL
	DagID       string            `json:"dag_id"`
	Cron        string            `json:"cron,omitempty"` // "" runs only when asked
	Timezone    string            `json:"timezone,omitempty"`
	Parameters  map[string]string `json:"parameters,omitempty"`
	Email       []string          `json:"email,omitempty"`
	Webhook     bool              `json:"webhook,omitempty"`
	Snapshot    string            `json:"snapshot"` // the snapshot's key: snapshots/<sha256>.ipynb
	PublishedAt string            `json:"published_at"`
}

// DockerRuntime is a Docker image Python runs in.
type DockerRuntime struct {
	Image string `json:"image"`
}

// Image is the Docker image the notebook's Python runs in, "" for a local kernel.
func (m NotebookMeta) Image() string {
	if m.Docker == nil {
		return ""
	}
	return m.Docker.Image
}

// metaMembers is a metadata struct as JSON members, one per set field, in
// the canonical form new values are written in.
func metaMembers(v any) map[string]*node {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // the metadata structs hold only JSON-encodable types
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		panic(err)
	}
	out := make(map[string]*node, len(raw))
	for k, r := range raw {
		n, err := valueNode(r)
		if err != nil {
			panic(err)
		}
		out[k] = n
	}
	return out
}

// metaKeys lists the JSON keys of a metadata struct type.
func metaKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// parseMeta reads the known keys of a metadata.smallfry object into dst.
// A known key with a value of the wrong shape is an error naming the key.
func parseMeta(sf *node, dst any) error {
	if sf == nil {
		return nil
	}
	if sf.kind != kindObject {
		return errors.New("metadata.smallfry is not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(compact(sf)))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("metadata.smallfry.%s is a JSON %s where %s was expected", te.Field, te.Value, jsonKind(te.Type))
		}
		return fmt.Errorf("metadata.smallfry: %w", err)
	}
	return nil
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// rewriteMeta returns object sf with the keys whose value changed between
// saved and now set anew (or removed); other keys keep their nodes.
func rewriteMeta(sf *node, keys []string, saved, now map[string]*node) *node {
	for _, k := range keys {
		was, is := saved[k], now[k]
		switch {
		case is == nil && was == nil:
		case is == nil:
			sf = sf.without(k)
		case was == nil || !bytes.Equal(compact(was), compact(is)):
			sf = sf.with(k, is)
		}
	}
	return sf
}

// metaChanged tells whether any member differs.
func metaChanged(keys []string, saved, now map[string]*node) bool {
	for _, k := range keys {
		was, is := saved[k], now[k]
		if (was == nil) != (is == nil) || was != nil && !bytes.Equal(compact(was), compact(is)) {
			return true
		}
	}
	return false
}

var (
	cellMetaKeys     = metaKeys(CellMeta{})
	notebookMetaKeys = metaKeys(NotebookMeta{})
)

// KernelName is the kernel the notebook names (metadata.kernelspec.name),
// ipykernel's "python3" when it names none. "python" is an alias of
// "python3", as in Jupyter and papermill (jupyter_client maps it so).
func (nb *Notebook) KernelName() string {
	s, ok := nb.root.get("metadata").get("kernelspec").get("name").str()
	s = strings.TrimSpace(s)
	if !ok || s == "" || strings.EqualFold(s, "python") {
		return "python3"
	}
	return s
}
