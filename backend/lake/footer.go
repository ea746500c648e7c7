package lake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The catalog decodes footers itself, with parquet-go's Thrift decoder and
// a FileMetaData of only the fields it needs: parquet-go's own File refuses
// footers DuckDB reads (a key/value pair without a value, which Thrift
// declares optional and parquet-go required), and it allocates whatever
// length a footer claims before checking it against the file's size.

// maxFooter bounds a footer read: far above real footers (a few hundred KiB
// for thousands of columns), far below what a corrupt length can claim.
const maxFooter = 16 << 20

// tailRead is read in one go from a file's end: the footer, when under it,
// and its length, so a remote lake's catalog makes one ranged GET per file.
const tailRead = 64 << 10

// fileMeta is Parquet's FileMetaData as far as the catalog reads it; the
// fields left out (key/value metadata, created_by, column orders) are
// skipped by the decoder whatever their shape.
type fileMeta struct {
	Version   int32                  `thrift:"1,required"`
	Schema    []format.SchemaElement `thrift:"2,required"`
	NumRows   int64                  `thrift:"3,required"`
	RowGroups []rowGroupMeta         `thrift:"4,required"`
}

type rowGroupMeta struct {
	NumRows int64 `thrift:"3,required"`
}

type footerInfo struct {
	rows    int64
	columns []Column
	note    string
}

// readFooter reads the row count and top-level columns of the Parquet file
// r of size bytes; where names it in errors and notes. No read is larger
// than the file or maxFooter, whatever the footer claims.
func readFooter(r io.ReaderAt, where string, size int64) (footerInfo, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s is not a readable Parquet file: %s", where, fmt.Sprintf(format, args...))
	}
	if size < 12 {
		return footerInfo{}, bad("it has %d bytes, fewer than the 12 of an empty Parquet file", size)
	}
	tail := make([]byte, min(size, tailRead))
	if err := readFull(r, tail, size-int64(len(tail))); err != nil {
		return footerInfo{}, fmt.Errorf("read the footer of %s: %w", where, err)
	}
	switch magic := string(tail[len(tail)-4:]); magic {
	case "PAR1":
	case "PARE":
		return footerInfo{}, bad("its footer is encrypted")
	default:
		return footerInfo{}, bad("it does not end in PAR1 (%q)", magic)
	}
	n := int64(binary.LittleEndian.Uint32(tail[len(tail)-8:]))
	switch {
	case n > size-12:
		return footerInfo{}, bad("its footer claims %d bytes but the file has only %d", n, size)
	case n > maxFooter:
		return footerInfo{}, bad("its footer claims %d bytes, more than the %d MiB the catalog reads", n, maxFooter>>20)
	}
	var data []byte
	if n <= int64(len(tail))-8 {
		data = tail[int64(len(tail))-8-n : len(tail)-8]
	} else {
		data = make([]byte, n)
		if err := readFull(r, data, size-8-n); err != nil {
			return footerInfo{}, fmt.Errorf("read the footer of %s: %w", where, err)
		}
	}
	if err := checkCompact(data); err != nil {
		return footerInfo{}, bad("its footer is corrupt: %v", err)
	}
	var meta fileMeta
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data, &meta); err != nil {
		return footerInfo{}, bad("its footer does not decode: %v", err)
	}
	if len(meta.Schema) == 0 {
		return footerInfo{}, bad("its footer has no schema")
	}
	var info footerInfo
	for _, rg := range meta.RowGroups {
		info.rows += rg.NumRows
	}
	if info.rows != meta.NumRows {
		// Queries read the row groups (DuckDB's count(*) sums them), so
		// the catalog counts what they return and says the footer differs.
		info.note = fmt.Sprintf("%s: its footer says %d rows but its row groups hold %d, which queries return", where, meta.NumRows, info.rows)
	}
	cols, err := topColumns(meta.Schema)
	if err != nil {
		return footerInfo{}, bad("%v", err)
	}
	info.columns = cols
	return info, nil
}

func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// topColumns walks the flattened schema (depth first, each group followed
// by its children) and returns the root's children.
func topColumns(schema []format.SchemaElement) ([]Column, error) {
	root := schema[0]
	var cols []Column
	next := 1
	for i := int32(0); i < root.NumChildren.V; i++ {
		if next >= len(schema) {
			return nil, fmt.Errorf("its schema lists %d columns but holds %d", root.NumChildren.V, len(cols))
		}
		el := schema[next]
		cols = append(cols, Column{Name: el.Name, Type: typeName(el)})
		end, err := skipSubtree(schema, next)
		if err != nil {
			return nil, err
		}
		next = end
	}
	return cols, nil
}

// skipSubtree returns the index after the element at i and its descendants.
func skipSubtree(schema []format.SchemaElement, i int) (int, error) {
	pending := 1
	for pending > 0 {
		if i >= len(schema) {
			return 0, fmt.Errorf("its schema ends inside a group")
		}
		if c := schema[i].NumChildren.V; c > 0 {
			pending += int(c)
		}
		pending--
		i++
	}
	return i, nil
}

// typeName gives a column's type in the words a SQL user knows.
func typeName(el format.SchemaElement) string {
	if el.RepetitionType.Valid && el.RepetitionType.V == format.Repeated {
		return "LIST"
	}
	switch lt := el.LogicalType.Value.(type) {
	case *format.StringType, *format.EnumType:
		return "VARCHAR"
	case *format.DateType:
		return "DATE"
	case *format.TimestampType:
		return "TIMESTAMP"
	case *format.TimeType:
		return "TIME"
	case *format.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", lt.Precision, lt.Scale)
	case *format.IntType:
		return intName(int(lt.BitWidth), lt.IsSigned)
	case *format.UUIDType:
		return "UUID"
	case *format.JsonType:
		return "JSON"
	case *format.ListType:
		return "LIST"
	case *format.MapType:
		return "MAP"
	}
	if el.ConvertedType.Valid {
		switch ct := el.ConvertedType.V; ct {
		case deprecated.UTF8, deprecated.Enum:
			return "VARCHAR"
		case deprecated.Date:
			return "DATE"
		case deprecated.TimestampMillis, deprecated.TimestampMicros:
			return "TIMESTAMP"
		case deprecated.TimeMillis, deprecated.TimeMicros:
			return "TIME"
		case deprecated.Decimal:
			return fmt.Sprintf("DECIMAL(%d,%d)", el.Precision.V, el.Scale.V)
		case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64:
			return intName(8<<(ct-deprecated.Int8), true)
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			return intName(8<<(ct-deprecated.Uint8), false)
		case deprecated.Json:
			return "JSON"
		case deprecated.List:
			return "LIST"
		case deprecated.Map, deprecated.MapKeyValue:
			return "MAP"
		}
	}
	if !el.Type.Valid {
		return "STRUCT"
	}
	switch el.Type.V {
	case format.Boolean:
		return "BOOLEAN"
	case format.Int32:
		return "INTEGER"
	case format.Int64:
		return "BIGINT"
	case format.Int96:
		return "TIMESTAMP" // legacy Impala/Spark timestamps, as DuckDB reads them
	case format.Float:
		return "FLOAT"
	case format.Double:
		return "DOUBLE"
	}
	return "BLOB"
}

func intName(bits int, signed bool) string {
	name := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[bits]
	if !signed {
		name = "U" + name
	}
	return name
}

// checkCompact walks a Thrift compact-protocol struct without decoding it
// and refuses one whose lengths or counts claim more than the bytes left:
// the decoder allocates what a string or list claims before reading it, so
// 100 corrupt bytes could otherwise ask for gigabytes.
func checkCompact(b []byte) error {
	c := compactCheck{b: b}
	c.value(12, 0) // a struct
	return c.err
}

type compactCheck struct {
	b   []byte
	at  int
	err error
}

func (c *compactCheck) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("byte %d of the footer: %s", c.at, fmt.Sprintf(format, args...))
	}
}

func (c *compactCheck) left() int { return len(c.b) - c.at }

func (c *compactCheck) byte() byte {
	if c.err != nil {
		return 0
	}
	if c.at >= len(c.b) {
		c.fail("the footer ends early")
		return 0
	}
	v := c.b[c.at]
	c.at++
	return v
}

func (c *compactCheck) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64 && c.err == nil; shift += 7 {
		x := c.byte()
		v |= uint64(x&0x7f) << shift
		if x < 0x80 {
			return v
		}
	}
	c.fail("a number runs on")
	return 0
}

// count checks a length or element count against the bytes left (every
// element takes at least min bytes).
func (c *compactCheck) count(n uint64, min int) int {
	if n > uint64(c.left()/min) {
		c.fail("a length of %d, with only %d bytes left", n, c.left())
		return 0
	}
	return int(n)
}

func (c *compactCheck) skip(n int) {
	if c.err == nil {
		c.at += c.count(uint64(n), 1)
	}
}

// value skips one value of compact type t; depth bounds the nesting.
func (c *compactCheck) value(t byte, depth int) {
	if depth > 64 {
		c.fail("nested more than 64 deep")
	}
	if c.err != nil {
		return
	}
	switch t {
	case 1, 2: // booleans: in the field header, or one byte in a list
	case 3:
		c.skip(1)
	case 4, 5, 6:
		c.uvarint()
	case 7:
		c.skip(8)
	case 8:
		c.skip(c.count(c.uvarint(), 1))
	case 13:
		c.skip(16)
	case 9, 10: // list, set
		h := c.byte()
		n := uint64(h >> 4)
		if n == 15 {
			n = c.uvarint()
		}
		et := h & 0x0f
		for range c.count(n, 1) {
			if et == 1 || et == 2 {
				c.skip(1)
			} else {
				c.value(et, depth+1)
			}
			if c.err != nil {
				return
			}
		}
	case 11: // map
		n := c.uvarint()
		if n == 0 {
			return
		}
		kv := c.byte()
		for range c.count(n, 2) {
			c.value(kv>>4, depth+1)
			c.value(kv&0x0f, depth+1)
			if c.err != nil {
				return
			}
		}
	case 12: // struct: fields until a stop byte
		for c.err == nil {
			h := c.byte()
			if h == 0 {
				return
			}
			if h>>4 == 0 {
				c.uvarint() // the field id, in full
			}
			c.value(h&0x0f, depth+1)
		}
	default:
		c.fail("unknown type %d", t)
	}
}
