package params

import "strings"

// CodeOnly blanks a Python cell's comments and string literals, except
// f-strings, whose text can hold names: what is left is where names are
// read. Rough, and errs on the side of keeping a name.
func CodeOnly(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == '#':
			for i < len(code) && code[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			q := string(c)
			if strings.HasPrefix(code[i:], q+q+q) {
				q += q + q
			}
			// f-strings can hold names: keep their text when the prefix says f.
			if i > 0 && (code[i-1] == 'f' || code[i-1] == 'F') {
				b.WriteByte(' ')
				i += len(q)
				continue
			}
			end := strings.Index(code[i+len(q):], q)
			if end < 0 {
				i = len(code)
			} else {
				i += len(q) + end + len(q)
			}
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
