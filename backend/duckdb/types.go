package duckdb

import "strings"

// TypeClass is what kind of values a DuckDB column type holds: the one
// classification of type names that renderers, summaries and charts use.
type TypeClass string

const (
	ClassBoolean   TypeClass = "boolean"
	ClassInteger   TypeClass = "integer"
	ClassNumber    TypeClass = "number" // floating point and decimals
	ClassDate      TypeClass = "date"
	ClassTimestamp TypeClass = "timestamp"
	ClassTime      TypeClass = "time"
	ClassList      TypeClass = "list"
	ClassStruct    TypeClass = "struct" // STRUCT, MAP, UNION
	ClassString    TypeClass = "string" // VARCHAR and anything else shown as text
)

// Classify classifies a DuckDB type name as DESCRIBE spells it
// ("DECIMAL(18,3)", "TIMESTAMP WITH TIME ZONE", "INTEGER[]").
func Classify(typeName string) TypeClass {
	t := strings.ToUpper(strings.TrimSpace(typeName))
	switch {
	case strings.HasSuffix(t, "]"): // INTEGER[] and INTEGER[3]
		return ClassList
	case strings.HasPrefix(t, "STRUCT"), strings.HasPrefix(t, "MAP"), strings.HasPrefix(t, "UNION"):
		return ClassStruct
	case t == "BOOLEAN" || t == "BOOL":
		return ClassBoolean
	case strings.HasPrefix(t, "DECIMAL"), strings.HasPrefix(t, "NUMERIC"), t == "FLOAT", t == "DOUBLE", t == "REAL":
		return ClassNumber
	case t == "INTERVAL":
		return ClassString
	case strings.HasSuffix(t, "INT") || strings.HasSuffix(t, "INTEGER"): // TINYINT ... UHUGEINT, BIGINT
		return ClassInteger
	case t == "DATE":
		return ClassDate
	case strings.HasPrefix(t, "TIMESTAMP"):
		return ClassTimestamp
	case strings.HasPrefix(t, "TIME"):
		return ClassTime
	}
	return ClassString
}

// Numeric tells classes whose values order on a number line (integers,
// numbers, dates, timestamps): those that a histogram can bin.
func (c TypeClass) Numeric() bool {
	switch c {
	case ClassInteger, ClassNumber, ClassDate, ClassTimestamp:
		return true
	}
	return false
}
