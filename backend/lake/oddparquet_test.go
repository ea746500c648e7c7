package lake

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The odd Parquet files of testdata/parquet are made here: valid files that
// other tools write and parquet-go's reader refuses, and corrupt ones.
// `go test ./backend/lake -run TestOddParquetFiles -update` rewrites them;
// without -update the test checks that the committed files are what this
// code makes.
var update = flag.Bool("update", false, "rewrite testdata/parquet")

const oddDir = "testdata/parquet"

type oddRow struct {
	ID    int64  `parquet:"id"`
	Brand string `parquet:"brand"`
}

type nestedRow struct {
	ID   int64    `parquet:"id"`
	Tags []string `parquet:"tags,list"`
	Addr struct {
		City string `parquet:"city"`
		Zip  int32  `parquet:"zip"`
	} `parquet:"addr"`
	When int64 `parquet:"when,timestamp(microsecond)"`
}

// oddFiles returns each file's bytes by name.
func oddFiles(t *testing.T) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[oddRow](&buf, parquet.CreatedBy("smallfry-testdata", "1", "1"),
		parquet.KeyValueMetadata("origin", "smallfry testdata"))
	if _, err := w.Write([]oddRow{{1, "a"}, {2, "b"}, {3, "c"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	plain := bytes.Clone(buf.Bytes())
	body, meta := splitFooter(t, plain)

	files := map[string][]byte{"plain.parquet": plain}

	// A key with no value: Thrift's KeyValue.value is optional (Arrow and
	// DuckDB write such pairs); parquet-go's reader requires it.
	type keyOnly struct {
		Key string `thrift:"1,required"`
	}
	type metaKeyOnly struct {
		Version          int32                  `thrift:"1,required"`
		Schema           []format.SchemaElement `thrift:"2,required"`
		NumRows          int64                  `thrift:"3,required"`
		RowGroups        []format.RowGroup      `thrift:"4,required"`
		KeyValueMetadata []keyOnly              `thrift:"5,optional"`
		CreatedBy        string                 `thrift:"6,optional"`
	}
	files["key-without-value.parquet"] = joinFooter(t, body, metaKeyOnly{
		Version: meta.Version, Schema: meta.Schema, NumRows: meta.NumRows, RowGroups: meta.RowGroups,
		KeyValueMetadata: []keyOnly{{Key: "pandas"}, {Key: "origin"}}, CreatedBy: meta.CreatedBy,
	})

	// A footer whose file-level row count disagrees with its row groups.
	wrong := meta
	wrong.NumRows = 10
	files["row-count-differs.parquet"] = joinFooter(t, body, wrong)

	// A footer length of almost 2 GiB in a file of a few hundred bytes.
	huge := bytes.Clone(plain)
	binary.LittleEndian.PutUint32(huge[len(huge)-8:], 0x7ffffff0)
	files["footer-claims-2gib.parquet"] = huge

	// Footers of a few bytes whose first column name, or schema list,
	// claims almost 2 GiB (Thrift compact bytes written by hand).
	uvarint := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	nameClaim := append([]byte{0x15, 0x04, 0x19, 0x1c, 0x48}, uvarint(0x7ffffff0)...)
	files["name-claims-2gib.parquet"] = rawFooter(append(nameClaim, "brand"...))
	listClaim := append([]byte{0x15, 0x04, 0x19, 0xfc}, uvarint(0x7ffffff0)...)
	files["schema-claims-2g-columns.parquet"] = rawFooter(append(listClaim, 0x48, 0x02, 'i', 'd', 0x00))

	// Nested columns: the catalog lists the top-level ones only.
	buf.Reset()
	nw := parquet.NewGenericWriter[nestedRow](&buf, parquet.CreatedBy("smallfry-testdata", "1", "1"))
	rows := make([]nestedRow, 2)
	rows[0].ID, rows[0].Tags, rows[0].Addr.City = 1, []string{"a", "b"}, "Oslo"
	rows[1].ID = 2
	if _, err := nw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := nw.Close(); err != nil {
		t.Fatal(err)
	}
	files["nested.parquet"] = bytes.Clone(buf.Bytes())

	files["truncated.parquet"] = plain[:len(plain)/2]
	files["not-parquet.parquet"] = []byte("id,brand\n1,a\n")
	return files
}

// splitFooter returns a file's bytes before its footer, and the footer.
func splitFooter(t *testing.T, file []byte) ([]byte, format.FileMetaData) {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(file[len(file)-8:]))
	var meta format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), file[len(file)-8-n:len(file)-8], &meta); err != nil {
		t.Fatal(err)
	}
	return file[:len(file)-8-n], meta
}

// joinFooter appends an encoded footer, its length and the magic bytes.
func joinFooter(t *testing.T, body []byte, meta any) []byte {
	t.Helper()
	b, err := thrift.Marshal(new(thrift.CompactProtocol), meta)
	if err != nil {
		t.Fatal(err)
	}
	return rawFooter(b, body...)
}

func rawFooter(footer []byte, body ...byte) []byte {
	out := bytes.Clone(body)
	if len(out) == 0 {
		out = []byte("PAR1")
	}
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

func TestOddParquetFiles(t *testing.T) {
	files := oddFiles(t)
	if *update {
		if err := os.MkdirAll(oddDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(oddDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(oddDir, name))
		if err != nil {
			t.Fatalf("%v (run with -update to make it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what oddFiles makes (run with -update)", name)
		}
	}
}
