package params

import (
	"errors"
	"fmt"
	"math/big"
)

// SQL is the value a SQL cell binds for $name: nil (NULL), bool, int64,
// *big.Int, float64, string, []byte, Date, Datetime, or a List of those,
// all of one kind (a tuple or set is a list too). A value SQL cannot take
// the same way Python does (a dict, a list of mixed kinds, a value only
// Python computes) is an error saying why; it is returned only for the
// statements that name it.
func SQL(v Value) (any, error) {
	out, err := sqlValue(v.Value) // a "YYYY-MM-DD" string default is a Date: a DATE, as documented
	if err == nil {
		return out, nil
	}
	if e, ok := v.Value.(Expr); ok {
		return nil, fmt.Errorf("parameter %s is set by Python code (%s, line %d of the parameters cell), which SQL cannot read: "+
			"pass its value (-p %s=…) or give it a literal default", v.Name, excerpt(e.Source), e.Line, v.Name)
	}
	return nil, fmt.Errorf("parameter %s is %v", v.Name, err)
}

func sqlValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, *big.Int, float64, string, []byte, Date, Datetime:
		return x, nil
	case List:
		return sqlList([]any(x))
	case Tuple:
		return sqlList([]any(x))
	case Set:
		return sqlList([]any(x))
	case Dict:
		return nil, errors.New("a dict, which SQL cannot take: use it in Python cells only, or make its parts parameters of their own")
	case Expr:
		return nil, errors.New("an expression")
	}
	return nil, fmt.Errorf("a %s, which SQL cannot take", typeName(v))
}

// sqlList checks that a list's items are of one kind, as a SQL list's
// are: numbers (ints become floats beside floats, as in DuckDB), strings,
// bools, bytes, dates, datetimes or lists; None is NULL among any.
func sqlList(items []any) (any, error) {
	out := make(List, len(items))
	kind := ""
	floats := false
	for i, it := range items {
		v, err := sqlValue(it)
		if err != nil {
			return nil, fmt.Errorf("a list holding %v", err)
		}
		k := typeName(it)
		switch it.(type) {
		case nil:
			k = ""
		case int64, *big.Int:
			k = "number"
		case float64:
			k, floats = "number", true
		case List, Tuple, Set:
			k = "list"
		}
		if k != "" && kind != "" && k != kind {
			return nil, fmt.Errorf("a list of both %s and %s items, which a SQL list cannot hold (its items have one type)", kindName(kind), kindName(k))
		}
		if k != "" {
			kind = k
		}
		out[i] = v
	}
	if floats {
		for i, v := range out {
			if v != nil {
				out[i] = toFloatAny(v)
			}
		}
	}
	return out, nil
}

func kindName(k string) string {
	if k == "number" {
		return "numeric"
	}
	return k
}

func toFloatAny(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return toFloat(v)
}
