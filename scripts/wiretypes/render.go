package main

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// A Spec says what to render: the service whose calls the UI makes, what
// to call the types, which string fields are unions, and the event payloads.
type Spec struct {
	Header  string         // comment lines put at the top of the file
	Service reflect.Type   // its calls and the types they take and return, and what those reach
	Roots   []reflect.Type // more struct types to render, and what they reach
	Names   map[reflect.Type]string
	Unions  []Union
	Events  []Event
}

// A Union narrows string fields to a set of values: the values Go gives them,
// which the Go type system does not record.
type Union struct {
	Name   string
	Values []string
	Fields []Field
}

// Field names a field of a struct by its Go name.
type Field struct {
	Struct reflect.Type
	Name   string
}

// FieldOf names the field name of the struct type T.
func FieldOf[T any](name string) Field { return Field{reflect.TypeFor[T](), name} }

// Values lists constants of a string type as strings.
func Values[S ~string](vs ...S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// An Event is an event name and the type of its payload.
type Event struct {
	Name    string
	Payload reflect.Type
}

var (
	contextType    = reflect.TypeFor[context.Context]()
	errorType      = reflect.TypeFor[error]()
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
	textMarshaler  = reflect.TypeFor[encoding.TextMarshaler]()
)

type renderer struct {
	spec    Spec
	unions  map[Field]*Union
	used    map[Field]bool
	named   map[reflect.Type]string // struct types reached, by TS name
	byName  map[string]reflect.Type
	order   []reflect.Type // in the order they were reached
	pending []reflect.Type
}

// Render returns the TypeScript declarations of spec's types.
func Render(spec Spec) (string, error) {
	r := &renderer{spec: spec, unions: map[Field]*Union{}, used: map[Field]bool{}, named: map[reflect.Type]string{}, byName: map[string]reflect.Type{}}
	for i := range spec.Unions {
		u := &spec.Unions[i]
		for _, f := range u.Fields {
			sf, ok := f.Struct.FieldByName(f.Name)
			if !ok {
				return "", fmt.Errorf("union %s: %s has no field %s", u.Name, goName(f.Struct), f.Name)
			}
			if sf.Type.Kind() != reflect.String {
				return "", fmt.Errorf("union %s: %s.%s is a %s, not a string", u.Name, goName(f.Struct), f.Name, sf.Type)
			}
			if other, dup := r.unions[f]; dup {
				return "", fmt.Errorf("%s.%s is in two unions, %s and %s", goName(f.Struct), f.Name, other.Name, u.Name)
			}
			r.unions[f] = u
		}
	}
	methods, err := r.methods()
	if err != nil {
		return "", err
	}
	for _, t := range spec.Roots {
		if t.Kind() != reflect.Struct {
			return "", fmt.Errorf("root %s is not a struct", t)
		}
		if _, err := r.nameOf(t); err != nil {
			return "", err
		}
	}
	for _, e := range spec.Events {
		if _, err := r.nameOf(e.Payload); err != nil {
			return "", fmt.Errorf("event %q: %w", e.Name, err)
		}
	}

	// Declarations are rendered as types are reached, which reaches more.
	decls := map[reflect.Type]string{}
	for len(r.pending) > 0 {
		t := r.pending[0]
		r.pending = r.pending[1:]
		d, err := r.declare(t)
		if err != nil {
			return "", err
		}
		decls[t] = d
	}
	for f, u := range r.unions {
		if !r.used[f] {
			return "", fmt.Errorf("union %s names %s.%s, which no wire type reaches (or its JSON is not a plain string): drop it from the union", u.Name, goName(f.Struct), f.Name)
		}
	}

	var b strings.Builder
	b.WriteString(spec.Header)
	for _, u := range spec.Unions {
		quoted := make([]string, len(u.Values))
		for i, v := range u.Values {
			quoted[i] = quote(v)
		}
		fmt.Fprintf(&b, "\nexport type %s = %s;\n", u.Name, strings.Join(quoted, " | "))
	}
	// Grouped by Go package, in the order the packages were reached; by name within one.
	var pkgs []string
	byPkg := map[string][]reflect.Type{}
	for _, t := range r.order {
		if _, ok := byPkg[t.PkgPath()]; !ok {
			pkgs = append(pkgs, t.PkgPath())
		}
		byPkg[t.PkgPath()] = append(byPkg[t.PkgPath()], t)
	}
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\n// %s\n", p)
		ts := byPkg[p]
		slices.SortFunc(ts, func(a, b reflect.Type) int { return strings.Compare(r.named[a], r.named[b]) })
		for _, t := range ts {
			b.WriteString("\n")
			b.WriteString(decls[t])
		}
	}
	if spec.Service != nil {
		fmt.Fprintf(&b, "\n/** The calls of %s: the arguments after the context, and the result. */\nexport interface Methods {\n", goName(spec.Service.Elem()))
		for _, m := range methods {
			fmt.Fprintf(&b, "  %s: { args: [%s]; result: %s };\n", m.name, strings.Join(m.args, ", "), m.result)
		}
		b.WriteString("}\n")
	}
	if len(spec.Events) > 0 {
		b.WriteString("\n/** Each event the backend pushes, by name, with its payload. */\nexport interface Events {\n")
		for _, e := range spec.Events {
			fmt.Fprintf(&b, "  %s: %s;\n", propName(e.Name), r.named[e.Payload])
		}
		b.WriteString("}\n")
	}
	return b.String(), nil
}

type method struct {
	name   string
	args   []string
	result string
}

// methods renders the service's calls: the methods shaped
// func(ctx, args...) (R, error) or func(ctx, args...) error, which are the
// ones backend/server serves (see methodsOf there).
func (r *renderer) methods() ([]method, error) {
	t := r.spec.Service
	if t == nil {
		return nil, nil
	}
	var out []method
	for i := range t.NumMethod() {
		m := t.Method(i)
		ft := m.Type // the receiver is In(0)
		if ft.IsVariadic() || ft.NumIn() < 2 || ft.In(1) != contextType {
			continue
		}
		if !(ft.NumOut() == 1 && ft.Out(0) == errorType) && !(ft.NumOut() == 2 && ft.Out(1) == errorType) {
			continue
		}
		rm := method{name: m.Name, result: "void"}
		for j := 2; j < ft.NumIn(); j++ {
			a, err := r.tsType(ft.In(j))
			if err != nil {
				return nil, fmt.Errorf("%s argument %d: %w", m.Name, j-1, err)
			}
			rm.args = append(rm.args, a)
		}
		if ft.NumOut() == 2 {
			res, err := r.tsType(ft.Out(0))
			if err != nil {
				return nil, fmt.Errorf("%s result: %w", m.Name, err)
			}
			rm.result = res
		}
		out = append(out, rm)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no calls", t)
	}
	return out, nil
}

// nameOf gives a struct type its TypeScript name, queueing its declaration
// the first time it is reached.
func (r *renderer) nameOf(t reflect.Type) (string, error) {
	if n, ok := r.named[t]; ok {
		return n, nil
	}
	if t.Name() == "" {
		return "", fmt.Errorf("%s is not a named type", t)
	}
	n := t.Name()
	if alias, ok := r.spec.Names[t]; ok {
		n = alias
	}
	if other, taken := r.byName[n]; taken {
		return "", fmt.Errorf("%s and %s would both be %s in TypeScript: give one another name in Names", goName(other), goName(t), n)
	}
	r.named[t], r.byName[n] = n, t
	r.order = append(r.order, t)
	r.pending = append(r.pending, t)
	return n, nil
}

// A property of a rendered interface.
type prop struct {
	json     string
	ts       string
	optional bool
}

// declare renders the interface of a struct type.
func (r *renderer) declare(t reflect.Type) (string, error) {
	props, bases, err := r.props(t)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "/** %s */\nexport interface %s", goName(t), r.named[t])
	if len(bases) > 0 {
		fmt.Fprintf(&b, " extends %s", strings.Join(bases, ", "))
	}
	b.WriteString(" {\n")
	for _, p := range props {
		opt := ""
		if p.optional {
			opt = "?"
		}
		fmt.Fprintf(&b, "  %s%s: %s;\n", propName(p.json), opt, p.ts)
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// props lists a struct's JSON properties as encoding/json writes them, and
// the named structs it embeds (their fields promoted, as in Go).
func (r *renderer) props(t reflect.Type) (props []prop, bases []string, err error) {
	seen := map[string]string{} // JSON name → where it comes from
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				return nil, nil, fmt.Errorf("%s embeds *%s: embedded pointers are not supported", goName(t), ft.Elem())
			}
			if ft.Kind() == reflect.Struct {
				base, err := r.nameOf(ft)
				if err != nil {
					return nil, nil, err
				}
				names, err := jsonNames(ft)
				if err != nil {
					return nil, nil, err
				}
				for _, n := range names {
					if from, dup := seen[n]; dup {
						return nil, nil, fmt.Errorf("%s: JSON name %q of %s clashes with %s", goName(t), n, goName(ft), from)
					}
					seen[n] = goName(ft)
				}
				bases = append(bases, base)
				continue
			}
			if !sf.IsExported() {
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if from, dup := seen[name]; dup {
			return nil, nil, fmt.Errorf("%s.%s: JSON name %q is also %s's", goName(t), sf.Name, name, from)
		}
		seen[name] = goName(t) + "." + sf.Name
		optional := hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
		var ts string
		switch {
		case hasOpt(opts, "string") && isScalar(sf.Type):
			ts = "string" // the ",string" option quotes numbers and booleans
		case r.unions[Field{t, sf.Name}] != nil && !r.isSpecial(sf.Type):
			r.used[Field{t, sf.Name}] = true
			ts = r.unions[Field{t, sf.Name}].Name
		default:
			ft := sf.Type
			nullable := false
			if ft.Kind() == reflect.Pointer {
				ft, nullable = ft.Elem(), !optional // a nil pointer is null unless omitted
			}
			if ts, err = r.tsType(ft); err != nil {
				return nil, nil, fmt.Errorf("%s.%s: %w", goName(t), sf.Name, err)
			}
			if nullable {
				ts += " | null"
			}
		}
		props = append(props, prop{json: name, ts: ts, optional: optional})
	}
	return props, bases, nil
}

// jsonNames lists the JSON property names of a struct, embedded ones included.
func jsonNames(t reflect.Type) ([]string, error) {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			inner, err := jsonNames(sf.Type)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, name)
	}
	return out, nil
}

// isSpecial tells the types whose JSON is not their Go shape.
func (r *renderer) isSpecial(t reflect.Type) bool {
	return t == timeType || t == rawMessageType || t.Implements(marshalerType) || t.Implements(textMarshaler) ||
		(t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshaler)))
}

// tsType renders the type of a value as encoding/json writes it.
func (r *renderer) tsType(t reflect.Type) (string, error) {
	switch {
	case t == timeType:
		return "string", nil // RFC 3339
	case t == rawMessageType:
		return "unknown", nil // any JSON
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return "", fmt.Errorf("%s has its own MarshalJSON: teach scripts/wiretypes its JSON shape", t)
	case t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler):
		return "string", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number", nil
	case reflect.Interface:
		return "unknown", nil
	case reflect.Pointer:
		return r.tsType(t.Elem()) // inside a slice or map: taken to be set
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return "string", nil // []byte is base64
		}
		elem, err := r.tsType(t.Elem())
		if err != nil {
			return "", err
		}
		if strings.ContainsAny(elem, " |") {
			elem = "(" + elem + ")"
		}
		return elem + "[]", nil
	case reflect.Map:
		k := t.Key()
		if k.Kind() != reflect.String && !isInteger(k) && !k.Implements(textMarshaler) {
			return "", fmt.Errorf("map key %s is not written as a JSON string", k)
		}
		elem, err := r.tsType(t.Elem())
		if err != nil {
			return "", err
		}
		return "Record<string, " + elem + ">", nil
	case reflect.Struct:
		if t.Name() == "" {
			props, bases, err := r.props(t)
			if err != nil {
				return "", err
			}
			if len(bases) > 0 {
				return "", fmt.Errorf("an anonymous struct embeds %v: name the struct", bases)
			}
			parts := make([]string, len(props))
			for i, p := range props {
				opt := ""
				if p.optional {
					opt = "?"
				}
				parts[i] = fmt.Sprintf("%s%s: %s", propName(p.json), opt, p.ts)
			}
			return "{ " + strings.Join(parts, "; ") + " }", nil
		}
		return r.nameOf(t)
	}
	return "", fmt.Errorf("%s (%s) has no JSON form", t, t.Kind())
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func isScalar(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return isInteger(t) || t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 || t.Kind() == reflect.Bool || t.Kind() == reflect.String
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// goName is a type as a Go reader knows it: workbench.CellData.
func goName(t reflect.Type) string {
	p := t.PkgPath()
	return p[strings.LastIndex(p, "/")+1:] + "." + t.Name()
}

// propName quotes a property name that is not a JavaScript identifier.
func propName(n string) string {
	for i, c := range n {
		if !(c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return quote(n)
		}
	}
	if n == "" {
		return `""`
	}
	return n
}

// quote writes s as a string literal (JSON's, which TypeScript reads), with
// < and > as they are.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
