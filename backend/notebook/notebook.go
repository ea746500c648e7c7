package notebook

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"smallfry/backend"
)

// Notebook is a parsed .ipynb document. Cells is the editable list; the rest
// of the document (metadata, unknown keys, whitespace style) is kept as read
// and written back untouched.
type Notebook struct {
	Cells []*Cell
	Meta  NotebookMeta // metadata.smallfry: where Python runs

	savedMeta    map[string]*node // Meta as read, member by member
	name         string
	root         *node  // the document as read; "cells" is rebuilt from Cells
	layout       layout // whitespace style of the file
	lead, trail  string // bytes around the root object: a BOM, the final newline
	major, minor int
	err          error // first SetMetadata failure, reported by Marshal
}

// New returns an empty nbformat 4.5 notebook for the Python 3 kernel, with
// the metadata JupyterLab needs to open it without asking for a kernel.
func New() *Notebook {
	meta := emptyObject()
	meta.set("kernelspec", mustValue(map[string]any{
		"display_name": "Python 3 (ipykernel)",
		"language":     "python",
		"name":         "python3",
	}))
	meta.set("language_info", mustValue(map[string]any{"name": "python"}))
	root := emptyObject()
	root.set("cells", emptyArray())
	root.set("metadata", meta)
	root.set("nbformat", &node{kind: kindNumber, raw: "4"})
	root.set("nbformat_minor", &node{kind: kindNumber, raw: "5"})
	return &Notebook{root: root, layout: nbformatLayout, trail: "\n", major: 4, minor: 5}
}

func mustValue(v any) *node {
	n, err := valueNode(v)
	if err != nil {
		panic(err)
	}
	return n
}

// Parse reads a notebook from data. name (a path or file name) is only used
// in error messages. Every error is a backend.EINVALID *backend.Error.
func Parse(name string, data []byte) (*Notebook, error) {
	nb, err := parse(name, data)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "read notebook %s: %w", name, err)
	}
	return nb, nil
}

func parse(name string, data []byte) (*Notebook, error) {
	nb := &Notebook{name: name}
	body := data
	// A UTF-8 byte order mark (Windows editors) is not JSON; keep it aside.
	if bytes.HasPrefix(body, []byte("\ufeff")) {
		body = body[3:]
		nb.lead = "\ufeff"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("the file is empty")
	}
	root, err := parseJSON(body)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			line, col := lineCol(body, se.off)
			if se.truncated {
				return nil, fmt.Errorf("line %d, column %d: %w", line, col, err)
			}
			return nil, fmt.Errorf("not valid JSON: line %d, column %d: %w", line, col, err)
		}
		return nil, err
	}
	start := len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
	nb.lead += string(body[:start])
	nb.trail = string(body[len(bytes.TrimRight(body, " \t\r\n")):])
	if root.kind != kindObject {
		return nil, errors.New("not a Jupyter notebook: the JSON document is not an object")
	}
	nb.root = root
	nb.layout = detectLayout(body)

	if err := nb.readVersion(); err != nil {
		return nil, err
	}
	if meta := root.get("metadata"); meta != nil && meta.kind != kindObject {
		return nil, errors.New("notebook metadata is not an object")
	}
	if err := parseMeta(root.get("metadata").get("smallfry"), &nb.Meta); err != nil {
		return nil, fmt.Errorf("notebook %w", err)
	}
	nb.savedMeta = metaMembers(nb.Meta)
	cells := root.get("cells")
	if cells == nil || cells.kind != kindArray {
		return nil, errors.New(`not a Jupyter notebook: it has no "cells" list`)
	}
	lang := nb.Language()
	ids := map[string]bool{}
	for i, cn := range cells.items {
		c, err := parseCell(cn, lang)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %w", i+1, err)
		}
		if c.ID == "" || ids[c.ID] && !c.idInFile {
			c.ID = freshID(ids)
			c.saved.ID = c.ID
		}
		ids[c.ID] = true
		nb.Cells = append(nb.Cells, c)
	}
	return nb, nil
}

func (nb *Notebook) readVersion() error {
	major := nb.root.get("nbformat")
	if major == nil {
		return errors.New(`not a Jupyter notebook: it has no "nbformat" version`)
	}
	v, err := intOf(major)
	if err != nil {
		return fmt.Errorf("nbformat %s is not a version number", major.raw)
	}
	switch {
	case v < 4:
		return fmt.Errorf("nbformat %d is not supported; convert it with `jupyter nbconvert --to notebook --nbformat 4 %s`",
			v, filepath.Base(nb.name))
	case v > 4:
		return fmt.Errorf("nbformat %d is newer than this version of Smallfry reads (4.x)", v)
	}
	nb.major = v
	if minor := nb.root.get("nbformat_minor"); minor != nil {
		if nb.minor, err = intOf(minor); err != nil || nb.minor < 0 {
			return fmt.Errorf("nbformat_minor %s is not a version number", minor.raw)
		}
	}
	return nil
}

func intOf(n *node) (int, error) {
	if n.kind != kindNumber {
		return 0, errors.New("not a number")
	}
	return strconv.Atoi(n.raw)
}

// Name returns the name the notebook was parsed with.
func (nb *Notebook) Name() string { return nb.name }

// Version returns the nbformat version, e.g. 4 and 5 for 4.5.
func (nb *Notebook) Version() (major, minor int) { return nb.major, nb.minor }

// hasIDs says whether cell ids are part of the format (nbformat 4.5 on).
func (nb *Notebook) hasIDs() bool { return nb.minor >= 5 }

// Language returns the kernel's language in lower case, from
// metadata.kernelspec.language or else metadata.language_info.name;
// "python" when the notebook names none.
func (nb *Notebook) Language() string {
	meta := nb.root.get("metadata")
	for _, path := range [][2]string{{"kernelspec", "language"}, {"language_info", "name"}} {
		if s, ok := meta.get(path[0]).get(path[1]).str(); ok && strings.TrimSpace(s) != "" {
			return strings.ToLower(strings.TrimSpace(s))
		}
	}
	return "python"
}

// Metadata returns the notebook-level metadata value under key as JSON.
func (nb *Notebook) Metadata(key string) (json.RawMessage, bool) {
	v := nb.root.get("metadata").get(key)
	if v == nil {
		return nil, false
	}
	return compact(v), true
}

// SetMetadata sets a notebook-level metadata key; a nil value removes it.
// The value is anything encoding/json can marshal and is written in
// nbformat's canonical form (sorted keys). A value that cannot be encoded
// makes Marshal fail, so a bad value never half-writes a file.
func (nb *Notebook) SetMetadata(key string, value any) {
	meta := nb.root.get("metadata")
	if meta == nil || meta.kind != kindObject {
		meta = emptyObject()
	}
	if value == nil {
		meta = meta.without(key)
	} else {
		v, err := valueNode(value)
		if err != nil {
			if nb.err == nil {
				nb.err = fmt.Errorf("notebook metadata %q: %w", key, err)
			}
			return
		}
		meta = meta.with(key, v)
	}
	nb.root.set("metadata", meta)
}

// InsertCell inserts c before index i (len(Cells) appends). A cell without
// an id, or with one already used in the notebook, gets a fresh id.
// It panics if i is out of range, like slices.Insert.
func (nb *Notebook) InsertCell(i int, c *Cell) {
	ids := map[string]bool{}
	for _, other := range nb.Cells {
		if other != nil && other != c {
			ids[other.ID] = true
		}
	}
	if c.ID == "" || ids[c.ID] {
		c.ID = freshID(ids)
	}
	nb.Cells = slices.Insert(nb.Cells, i, c)
}

// RemoveCell removes the cell at index i. It panics if i is out of range.
func (nb *Notebook) RemoveCell(i int) {
	nb.Cells = slices.Delete(nb.Cells, i, i+1)
}

// ClearOutputs empties the outputs and execution counts of code cells, for
// notebooks saved without outputs. Cells with nothing to clear are not
// touched, so they keep their bytes.
func (nb *Notebook) ClearOutputs() {
	for _, c := range nb.Cells {
		if c != nil {
			c.clearOutputs()
		}
	}
}

// Cell returns the cell with the given id, or nil.
func (nb *Notebook) Cell(id string) *Cell {
	for _, c := range nb.Cells {
		if c != nil && c.ID == id {
			return c
		}
	}
	return nil
}

// Marshal renders the notebook. Cells whose fields were not changed are
// written from the tree they were read from, so an unedited notebook comes
// back byte for byte; changed parts are written as nbformat writes them.
// A cell appended to Cells without an ID is given one here.
func (nb *Notebook) Marshal() ([]byte, error) {
	data, err := nb.marshal()
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "write notebook %s: %w", nb.label(), err)
	}
	return data, nil
}

func (nb *Notebook) marshal() ([]byte, error) {
	if nb.root == nil {
		return nil, errors.New("the notebook was not created with New, Parse or ReadFile")
	}
	if nb.err != nil {
		return nil, nb.err
	}
	cells := &node{kind: kindArray, items: make([]*node, 0, len(nb.Cells))}
	ids := map[string]bool{}
	for _, c := range nb.Cells {
		if c != nil && c.ID != "" {
			ids[c.ID] = true
		}
	}
	for i, c := range nb.Cells {
		if c == nil {
			return nil, fmt.Errorf("cell %d is missing (nil)", i+1)
		}
		if c.ID == "" { // a Cell built by hand and appended to Cells
			c.ID = freshID(ids)
			ids[c.ID] = true
		}
		n, err := c.render(nb)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %w", i+1, err)
		}
		cells.items = append(cells.items, n)
	}
	root := nb.root.with("cells", cells)
	if now := metaMembers(nb.Meta); metaChanged(notebookMetaKeys, nb.savedMeta, now) {
		md := metadataOf(root)
		sf := md.get("smallfry")
		if sf == nil || sf.kind != kindObject {
			sf = emptyObject()
		}
		sf = rewriteMeta(sf, notebookMetaKeys, nb.savedMeta, now)
		if len(sf.members) == 0 {
			md = md.without("smallfry")
		} else {
			md = md.with("smallfry", sf)
		}
		root = root.with("metadata", md)
	}
	var b bytes.Buffer
	b.WriteString(nb.lead)
	writeNode(&b, root, &nb.layout, 0)
	b.WriteString(nb.trail)
	return b.Bytes(), nil
}

func (nb *Notebook) label() string {
	if nb.name == "" {
		return "(new notebook)"
	}
	return nb.name
}

// freshID returns a random id unused in ids, shaped like JupyterLab's
// (8 hex digits), which fits nbformat's id pattern.
func freshID(ids map[string]bool) string {
	for {
		var b [4]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		id := hex.EncodeToString(b[:])
		if !ids[id] {
			return id
		}
	}
}
