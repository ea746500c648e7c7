package notebook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Kind says what a cell holds and so which engine runs it.
type Kind string

const (
	KindMarkdown Kind = "markdown"
	KindRaw      Kind = "raw"
	KindSQL      Kind = "sql"    // a code cell run by DuckDB, see the package doc
	KindPython   Kind = "python" // a code cell in a Python notebook
	KindCode     Kind = "code"   // a code cell in another kernel's language
)

func (k Kind) isCode() bool { return k == KindSQL || k == KindPython || k == KindCode }

// IsCode tells the kinds saved as code cells, which run and have outputs.
func (k Kind) IsCode() bool { return k.isCode() }

func (k Kind) cellType() string {
	switch k {
	case KindMarkdown, KindRaw:
		return string(k)
	}
	return "code"
}

func (k Kind) valid() bool { return k == KindMarkdown || k == KindRaw || k.isCode() }

// Cell is one notebook cell. The exported fields are the saved data the UI
// edits; the tree it was read from is kept so that an unedited cell is
// written back byte for byte and an edited one changes only what was edited.
type Cell struct {
	ID     string // nbformat 4.5 id; generated in memory (not saved) before 4.5
	Kind   Kind
	Source string   // for a %%sql cell, the SQL without the magic line
	Name   string   // the name a SQL cell's result is queried by
	Tags   []string // metadata.tags, e.g. "parameters"
	Meta   CellMeta // the rest of metadata.smallfry: chart, lake save, engine

	node      *node            // the cell as read, plus SetOutputs/SetMetadata changes
	saved     fields           // the exported fields as read, to see what was edited
	savedMeta map[string]*node // Meta as read, member by member
	fresh     bool             // made by NewCell: metadata.smallfry is written in full
	magic     string           // the "%%sql" line a jupysql cell started with
	idInFile  bool             // the file held a usable id for this cell
	err       error            // first failed Set* call, reported by Marshal
}

type fields struct {
	ID     string
	Kind   Kind
	Source string
	Name   string
	Tags   []string
}

func (c *Cell) fields() fields {
	return fields{ID: c.ID, Kind: c.Kind, Source: c.Source, Name: c.Name, Tags: c.Tags}
}

// NewCell returns a cell of the given kind with a fresh id. Its id is saved
// only in notebooks of nbformat 4.5 or later.
func NewCell(kind Kind, source string) *Cell {
	c := &Cell{ID: freshID(nil), Kind: kind, Source: source, fresh: true}
	c.node = skeleton(kind)
	c.saved = fields{Kind: kind} // everything else differs, so render writes it
	return c
}

// skeleton is the smallest valid cell of a kind, keys in nbformat's order.
func skeleton(kind Kind) *node {
	n := emptyObject()
	n.set("cell_type", stringNode(kind.cellType()))
	n.set("metadata", emptyObject())
	n.set("source", emptyArray())
	if kind.isCode() {
		n.set("execution_count", nullNode())
		n.set("outputs", emptyArray())
	}
	return n
}

func parseCell(n *node, lang string) (*Cell, error) {
	if n.kind != kindObject {
		return nil, errors.New("is not a JSON object")
	}
	c := &Cell{node: n}
	typeNode := n.get("cell_type")
	if typeNode == nil {
		return nil, errors.New(`has no "cell_type"`)
	}
	cellType, _ := typeNode.str()
	src, _, err := multiline(n.get("source"))
	if err != nil {
		return nil, fmt.Errorf("source %w", err)
	}
	meta := n.get("metadata")
	if meta != nil && meta.kind != kindObject {
		return nil, errors.New("metadata is not an object")
	}
	smallfry := meta.get("smallfry")
	switch cellType {
	case "markdown":
		c.Kind = KindMarkdown
	case "raw":
		c.Kind = KindRaw
	case "code":
		magic, rest := cutMagic(src)
		sqlMeta, _ := smallfry.get("kind").str()
		switch {
		case magic != "":
			c.Kind, c.magic, src = KindSQL, magic, rest
		case sqlMeta == "sql":
			c.Kind = KindSQL
		case lang == "python":
			c.Kind = KindPython
		default:
			c.Kind = KindCode
		}
	default:
		if cellType == "" {
			return nil, fmt.Errorf("has an unknown cell_type %s", typeNode.raw)
		}
		return nil, fmt.Errorf("has an unknown cell_type %q (expected code, markdown or raw)", cellType)
	}
	c.Source = src
	if id, ok := n.get("id").str(); ok && id != "" {
		c.ID, c.idInFile = id, true
	}
	c.Name, _ = smallfry.get("name").str()
	if err := parseMeta(smallfry, &c.Meta); err != nil {
		return nil, err
	}
	c.savedMeta = metaMembers(c.Meta)
	if tags := meta.get("tags"); tags != nil && tags.kind == kindArray {
		for _, t := range tags.items {
			if s, ok := t.str(); ok {
				c.Tags = append(c.Tags, s)
			}
		}
	}
	c.saved = c.fields()
	c.saved.Tags = slices.Clone(c.Tags)
	return c, nil
}

// IsParameters reports whether the cell is tagged "parameters" (papermill).
func (c *Cell) IsParameters() bool { return slices.Contains(c.Tags, "parameters") }

// IsInjectedParameters reports whether the cell is tagged
// "injected-parameters", the cell a run adds after the parameters cell.
func (c *Cell) IsInjectedParameters() bool { return slices.Contains(c.Tags, "injected-parameters") }

// base returns the tree edits start from, building one for cells that were
// not made by NewCell or parsed.
func (c *Cell) base() (*node, fields) {
	if c.node == nil {
		return skeleton(c.Kind), fields{Kind: c.Kind}
	}
	return c.node, c.saved
}

// own makes sure the cell has a tree of its own that setters can change.
func (c *Cell) own() *node {
	if c.node == nil {
		c.node, c.saved = c.base()
	}
	return c.node
}

func (c *Cell) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Outputs returns the cell's outputs as JSON, multi-line text joined into
// single strings as nbformat.read returns them. Non-code cells have none.
func (c *Cell) Outputs() []json.RawMessage {
	n, _ := c.base()
	outs := n.get("outputs")
	if outs == nil || outs.kind != kindArray {
		return nil
	}
	res := make([]json.RawMessage, len(outs.items))
	for i, o := range outs.items {
		res[i] = compact(joinOutput(o))
	}
	return res
}

// SetOutputs replaces the cell's outputs. Only code cells have outputs;
// calling it on another kind makes Marshal fail. Each value is an nbformat output
// (a map, a struct or json.RawMessage); it is written with sorted keys and
// its text split into lines, as nbformat writes outputs. A value that cannot
// be encoded makes Marshal fail.
func (c *Cell) SetOutputs(outputs []any) {
	if !c.Kind.isCode() {
		c.fail(fmt.Errorf("outputs set on a %s cell (only code cells have outputs)", c.Kind))
		return
	}
	list := emptyArray()
	for i, o := range outputs {
		n, err := valueNode(o)
		if err != nil {
			c.fail(fmt.Errorf("output %d: %w", i+1, err))
			return
		}
		list.items = append(list.items, splitOutput(n))
	}
	c.own().set("outputs", list)
}

// ExecutionCount returns the cell's execution count, nil if it has none.
func (c *Cell) ExecutionCount() *int {
	n, _ := c.base()
	v := n.get("execution_count")
	if v == nil || v.kind != kindNumber {
		return nil
	}
	i, err := strconv.Atoi(v.raw)
	if err != nil {
		return nil
	}
	return &i
}

// SetExecutionCount sets the execution count; nil writes null (not run).
// Like SetOutputs, it is for code cells only.
func (c *Cell) SetExecutionCount(n *int) {
	if !c.Kind.isCode() {
		c.fail(fmt.Errorf("execution count set on a %s cell (only code cells have one)", c.Kind))
		return
	}
	v := nullNode()
	if n != nil {
		v = &node{kind: kindNumber, raw: strconv.Itoa(*n)}
	}
	c.own().set("execution_count", v)
}

// Metadata returns the cell metadata value under key as JSON.
func (c *Cell) Metadata(key string) (json.RawMessage, bool) {
	n, _ := c.base()
	v := n.get("metadata").get(key)
	if v == nil {
		return nil, false
	}
	return compact(v), true
}

// SetMetadata sets a cell metadata key (e.g. "papermill" timings); a nil
// value removes it. "tags" and "smallfry" belong to the Tags, Name and Kind
// fields, which win when they are edited too.
func (c *Cell) SetMetadata(key string, value any) {
	n := c.own()
	meta := n.get("metadata")
	if meta == nil || meta.kind != kindObject {
		meta = emptyObject()
	}
	if value == nil {
		meta = meta.without(key)
	} else {
		v, err := valueNode(value)
		if err != nil {
			c.fail(fmt.Errorf("metadata %q: %w", key, err))
			return
		}
		meta = meta.with(key, v)
	}
	n.set("metadata", meta)
}

func (c *Cell) clearOutputs() {
	n, _ := c.base()
	if typ, _ := n.get("cell_type").str(); typ != "code" {
		return
	}
	outs, count := n.get("outputs"), n.get("execution_count")
	if outs != nil && outs.kind == kindArray && len(outs.items) > 0 {
		c.own().set("outputs", emptyArray())
	}
	if count != nil && count.raw != "null" {
		c.own().set("execution_count", nullNode())
	}
}

// render returns the tree to write: the tree as read when no field was
// edited, otherwise a copy with exactly the edited parts rewritten.
func (c *Cell) render(nb *Notebook) (*node, error) {
	if c.err != nil {
		return nil, c.err
	}
	if !c.Kind.valid() {
		return nil, fmt.Errorf("unknown kind %q", c.Kind)
	}
	orig, saved := c.base()
	n := orig

	if c.Kind != saved.Kind {
		n = n.with("cell_type", stringNode(c.Kind.cellType()))
		switch {
		case c.Kind.isCode() && !saved.Kind.isCode():
			n = n.without("attachments") // code cells may not have them
			if n.get("outputs") == nil {
				n = n.with("outputs", emptyArray())
			}
			if n.get("execution_count") == nil {
				n = n.with("execution_count", nullNode())
			}
		case !c.Kind.isCode() && saved.Kind.isCode():
			n = n.without("outputs").without("execution_count")
		}
	}
	magic := ""
	if c.Kind == KindSQL {
		magic = c.magic
	}
	now := metaMembers(c.Meta)
	if c.fresh || c.Kind != saved.Kind || c.Name != saved.Name || metaChanged(cellMetaKeys, c.savedMeta, now) {
		n = c.withSmallfry(n, magic, now)
	}
	if c.Source != saved.Source || magic != c.magic {
		n = n.with("source", stringList(splitLines(joinMagic(magic, c.Source))))
	}
	if !slices.Equal(c.Tags, saved.Tags) {
		meta := metadataOf(n)
		if len(c.Tags) == 0 {
			meta = meta.without("tags")
		} else {
			meta = meta.with("tags", stringList(c.Tags))
		}
		n = n.with("metadata", meta)
	}
	if nb.hasIDs() && (c.ID != saved.ID || n != c.node && !c.idInFile) {
		n = n.with("id", stringNode(c.ID))
	}
	return n, nil
}

// withSmallfry rewrites metadata.smallfry from Kind, Name and the members
// of Meta that changed, keeping any other keys a later version of Smallfry
// may have put there.
func (c *Cell) withSmallfry(n *node, magic string, meta map[string]*node) *node {
	md := metadataOf(n)
	sf := md.get("smallfry")
	if sf == nil || sf.kind != kindObject {
		sf = emptyObject()
	}
	sf = rewriteMeta(sf, cellMetaKeys, c.savedMeta, meta)
	switch {
	case c.Kind != KindSQL:
		sf = sf.without("kind")
	case magic == "": // a %%sql cell is already SQL to jupysql and to us
		sf = sf.with("kind", stringNode("sql"))
	}
	if c.Name == "" {
		sf = sf.without("name")
	} else {
		sf = sf.with("name", stringNode(c.Name))
	}
	if len(sf.members) == 0 {
		return n.with("metadata", md.without("smallfry"))
	}
	return n.with("metadata", md.with("smallfry", sf))
}

func metadataOf(n *node) *node {
	if meta := n.get("metadata"); meta != nil && meta.kind == kindObject {
		return meta
	}
	return emptyObject()
}
