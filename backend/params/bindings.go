package params

import "strings"

// Bindings is the global names a Python cell binds, in the order it binds
// them: assignment targets (a, b = …; x: int = …), for targets, with … as
// targets, def, class and import names, at the top level or in the blocks
// of if/for/while/with/try there, not inside functions or classes. Item
// and attribute targets (df["x"] = …, o.a = …) bind nothing new. A cell
// the tokenizer cannot read (not Python) binds nothing; IPython's magic
// and shell lines (%…, !…) are skipped.
func Bindings(src string) []string {
	lines, err := lex(stripMagics(src))
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] && !reserved[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	inDef := false // inside a top-level def or class body
	for _, l := range lines {
		if !l.indent {
			inDef = false
		} else if inDef {
			continue
		}
		for _, stmt := range splitStatements(l.toks) {
			if len(stmt) == 0 {
				continue
			}
			if !l.indent && opensDef(stmt) {
				inDef = true
			}
			for _, n := range stmtBindings(stmt) {
				add(n)
			}
		}
	}
	return out
}

// stripMagics blanks IPython's line magics and shell escapes, which are
// not Python, keeping the line count.
func stripMagics(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!") {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// reserved are Python's hard keywords, never a binding (the soft ones,
// match, case and type, can be names).
var reserved = map[string]bool{}

func init() {
	for _, k := range strings.Fields("False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield") {
		reserved[k] = true
	}
}

// splitStatements cuts a logical line at semicolons and at the colon that
// ends a compound statement's header (if x: y = 1), outside brackets.
func splitStatements(toks []tok) [][]tok {
	var out [][]tok
	depth, start := 0, 0
	compound := len(toks) > 0 && toks[0].kind == tName && compoundStarts[toks[0].text]
	lambdas := 0
	for i, t := range toks {
		if t.kind == tName && t.text == "lambda" {
			lambdas++
		}
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ";":
			if depth == 0 {
				out = append(out, toks[start:i])
				start = i + 1
			}
		case ":":
			if depth != 0 || !compound {
				continue
			}
			if lambdas > 0 {
				lambdas--
				continue
			}
			out = append(out, toks[start:i+1])
			start = i + 1
			compound = start < len(toks) && toks[start].kind == tName && compoundStarts[toks[start].text]
		}
	}
	return append(out, toks[start:])
}

var compoundStarts = map[string]bool{"if": true, "elif": true, "else": true, "for": true, "while": true, "with": true, "try": true, "except": true, "finally": true, "def": true, "class": true, "async": true}

func opensDef(stmt []tok) bool {
	i := 0
	if stmt[i].kind == tName && stmt[i].text == "async" {
		i++
	}
	return i < len(stmt) && stmt[i].kind == tName && (stmt[i].text == "def" || stmt[i].text == "class")
}

// stmtBindings is the names one simple statement or compound header binds.
func stmtBindings(stmt []tok) []string {
	first := stmt[0]
	if first.kind == tName {
		switch first.text {
		case "async":
			if len(stmt) > 1 {
				return stmtBindings(stmt[1:])
			}
			return nil
		case "def", "class":
			if len(stmt) > 1 && stmt[1].kind == tName {
				return []string{stmt[1].text}
			}
			return nil
		case "import":
			return importBindings(stmt[1:], false)
		case "from":
			for i, t := range stmt {
				if t.kind == tName && t.text == "import" {
					return importBindings(stmt[i+1:], true)
				}
			}
			return nil
		case "for":
			for i, t := range stmt {
				if t.kind == tName && t.text == "in" {
					return targetNames(stmt[1:i])
				}
			}
			return nil
		case "with":
			var out []string
			for i, t := range stmt {
				if t.kind == tName && t.text == "as" {
					end := i + 1
					for end < len(stmt) && !(stmt[end].kind == tOp && (stmt[end].text == "," || stmt[end].text == ":")) {
						end++
					}
					out = append(out, targetNames(stmt[i+1:end])...)
				}
			}
			return out
		case "if", "elif", "else", "while", "try", "except", "finally", "del", "return", "global", "nonlocal", "pass", "raise", "assert":
			return nil
		}
	}
	// An assignment: every part before the last top-level = is a target.
	var out []string
	depth, start := 0, 0
	annotated := -1
	for i, t := range stmt {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ":":
			if depth == 0 && annotated < 0 {
				annotated = i
			}
		case "=":
			if depth == 0 {
				target := stmt[start:i]
				if annotated >= start && annotated < i {
					target = stmt[start:annotated]
				}
				out = append(out, targetNames(target)...)
				start = i + 1
			}
		}
	}
	if annotated >= 0 && start == 0 {
		out = append(out, targetNames(stmt[:annotated])...) // x: int, declared
	}
	return out
}

// targetNames is the plain names a target list binds: a, (b, c), *d; not
// the item or attribute targets x[…], x.y.
func targetNames(target []tok) []string {
	var out []string
	for i, t := range target {
		if t.kind != tName || reserved[t.text] {
			continue
		}
		if i > 0 && target[i-1].kind == tOp && target[i-1].text == "." {
			continue
		}
		if i+1 < len(target) && target[i+1].kind == tOp && (target[i+1].text == "." || target[i+1].text == "[" || target[i+1].text == "(") {
			continue
		}
		if inside(target, i, "[") && !listTarget(target, i) {
			continue // an index expression's name: x[i] = …
		}
		out = append(out, t.text)
	}
	return out
}

// inside tells whether the token at i is in a bracket opened by open.
func inside(toks []tok, i int, open string) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth == 0 {
				return t.text == open
			}
			depth--
		}
	}
	return false
}

// listTarget tells a [a, b] = … unpacking (the [ opens the target or
// follows a comma or bracket) from an index x[a] = ….
func listTarget(toks []tok, i int) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth > 0 {
				depth--
				continue
			}
			return j == 0 || toks[j-1].kind == tOp && toks[j-1].text != ")" && toks[j-1].text != "]"
		}
	}
	return false
}

// importBindings is what import a.b, c as d (or from … import x as y, (z))
// binds: the first part of a dotted module, or the alias.
func importBindings(toks []tok, from bool) []string {
	var out []string
	var cur []tok
	flush := func() {
		var names []tok
		for _, t := range cur {
			if t.kind == tName {
				names = append(names, t)
			}
		}
		switch {
		case len(names) == 0:
		case len(names) >= 2 && names[len(names)-2].text == "as":
			out = append(out, names[len(names)-1].text)
		case from:
			out = append(out, names[len(names)-1].text)
		default:
			out = append(out, names[0].text)
		}
		cur = nil
	}
	for _, t := range toks {
		if t.kind == tOp && t.text == "," {
			flush()
			continue
		}
		if t.kind == tOp && (t.text == "(" || t.text == ")") {
			continue
		}
		if t.kind == tOp && t.text == "*" {
			continue
		}
		cur = append(cur, t)
	}
	flush()
	return out
}
