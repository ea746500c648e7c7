// Package notebook reads and writes Jupyter notebooks (.ipynb, nbformat 4.x)
// so that files stay byte-identical through Smallfry unless a cell is edited.
//
// # Round trip
//
// A file is parsed into an order-preserving JSON tree that keeps every token
// as spelled. Marshal writes it back in the file's own layout (indent width,
// line ending, trailing newline), so an unedited notebook written by
// JupyterLab or nbformat comes back byte for byte. Only cells whose exported
// fields changed, or that were given outputs, execution counts or metadata,
// are rewritten, and only in the keys that changed; new values are written
// the way nbformat writes them (sorted keys, text split into lines, strings
// escaped like Python's json.dumps with ensure_ascii=False).
//
// # SQL cells
//
// A SQL cell is an ordinary code cell whose metadata says so:
//
//	"metadata": {"smallfry": {"kind": "sql", "name": "sales_by_brand"}}
//
// Its source is plain SQL with no magic line, so JupyterLab and VS Code open
// it as a normal code cell and lose nothing. "name" is optional; a named
// cell's result can be queried by that name from later cells, so names must
// be identifiers (letters, digits, underscores, not starting with a digit)
// and unique in the notebook (see Notebook.Validate).
//
// A jupysql-style cell whose first line is exactly "%%sql" is read as a SQL
// cell too. Its Source is the SQL without that line, and the line is kept in
// the file, so the notebook still runs under jupysql. A "%%sql" line with
// options (a connection, "<<" assignments) is left to jupysql: that cell
// stays a code cell.
//
// # Cell kinds and ids
//
// Code cells that are not SQL are KindPython when the notebook's
// metadata.kernelspec.language (else metadata.language_info.name) is python
// or absent, and KindCode otherwise. Cells have the nbformat 4.5 "id" as ID;
// older notebooks get ids in memory that are never written.
package notebook
