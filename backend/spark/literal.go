package spark

import (
	"fmt"
	"math"
	"sort"
	"time"

	pb "smallfry/backend/spark/proto"
)

// Date is a calendar date parameter (Spark's DATE); a time.Time is a
// TIMESTAMP.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date of t in t's location.
func DateOf(t time.Time) Date { y, m, d := t.Date(); return Date{y, m, d} }

// Decimal is an exact decimal parameter written in plain digits ("12.50"),
// bound as Spark's DECIMAL of that precision and scale.
type Decimal string

// namedArguments turns a query's parameters into the literals Spark binds
// to its :name markers: values, never SQL text.
func namedArguments(args map[string]any) (map[string]*pb.Expression, error) {
	if len(args) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]*pb.Expression, len(args))
	for _, name := range names {
		lit, err := literal(args[name])
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		out[name] = &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: lit}}
	}
	return out, nil
}

func literal(v any) (*pb.Expression_Literal, error) {
	l := &pb.Expression_Literal{}
	switch x := v.(type) {
	case nil:
		l.LiteralType = &pb.Expression_Literal_Null{Null: &pb.DataType{Kind: &pb.DataType_Null{Null: &pb.DataType_NULL{}}}}
	case bool:
		l.LiteralType = &pb.Expression_Literal_Boolean{Boolean: x}
	case int8:
		l.LiteralType = &pb.Expression_Literal_Byte{Byte: int32(x)}
	case int16:
		l.LiteralType = &pb.Expression_Literal_Short{Short: int32(x)}
	case int32:
		l.LiteralType = &pb.Expression_Literal_Integer{Integer: x}
	case int:
		l.LiteralType = &pb.Expression_Literal_Long{Long: int64(x)}
	case int64:
		l.LiteralType = &pb.Expression_Literal_Long{Long: x}
	case uint8:
		l.LiteralType = &pb.Expression_Literal_Short{Short: int32(x)}
	case uint16:
		l.LiteralType = &pb.Expression_Literal_Integer{Integer: int32(x)}
	case uint32:
		l.LiteralType = &pb.Expression_Literal_Long{Long: int64(x)}
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("%d does not fit Spark's BIGINT", x)
		}
		l.LiteralType = &pb.Expression_Literal_Long{Long: int64(x)}
	case float32:
		l.LiteralType = &pb.Expression_Literal_Float{Float: x}
	case float64:
		l.LiteralType = &pb.Expression_Literal_Double{Double: x}
	case string:
		l.LiteralType = &pb.Expression_Literal_String_{String_: x}
	case []byte:
		l.LiteralType = &pb.Expression_Literal_Binary{Binary: x}
	case Decimal:
		p, s, err := decimalShape(string(x))
		if err != nil {
			return nil, err
		}
		l.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: string(x), Precision: &p, Scale: &s}}
	case Date:
		days := time.Date(x.Year, x.Month, x.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
		l.LiteralType = &pb.Expression_Literal_Date{Date: int32(days)}
	case time.Time:
		// Spark's TIMESTAMP is microseconds since the epoch, in UTC.
		l.LiteralType = &pb.Expression_Literal_Timestamp{Timestamp: x.UnixMicro()}
	default:
		return nil, fmt.Errorf("a %T cannot be a Spark parameter (use a bool, number, string, []byte, time.Time, spark.Date or spark.Decimal)", v)
	}
	return l, nil
}

// decimalShape is the precision and scale of a plain decimal ("-12.340").
func decimalShape(s string) (precision, scale int32, err error) {
	digits, frac, seenDot := 0, 0, false
	for i, r := range s {
		switch {
		case (r == '-' || r == '+') && i == 0:
		case r == '.' && !seenDot:
			seenDot = true
		case r >= '0' && r <= '9':
			digits++
			if seenDot {
				frac++
			}
		default:
			return 0, 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if digits == 0 {
		return 0, 0, fmt.Errorf("%q is not a decimal number", s)
	}
	if digits > 38 {
		return 0, 0, fmt.Errorf("%q has more than the 38 digits of Spark's DECIMAL", s)
	}
	return int32(digits), int32(frac), nil
}
