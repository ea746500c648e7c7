package backend

// IsIdentifier reports whether name is a name Smallfry gives to results and
// lake tables: ASCII letters, digits and underscores, not starting with a
// digit. Such names need no quoting in any SQL dialect, nor in Python.
// It is the one naming rule; every package that checks a name calls it.
func IsIdentifier(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// IdentifierRule says the rule in words, for error messages.
const IdentifierRule = "letters, digits and _, not starting with a digit"
