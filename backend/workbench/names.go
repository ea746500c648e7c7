package workbench

import (
	"strings"
	"unicode"

	"smallfry/backend"
)

// maxNameBytes is the longest file name the usual file systems take
// (ext4, APFS, NTFS: 255).
const maxNameBytes = 255

// checkPathText refuses, as the user's mistake, a path the file system
// would fail on with an error that reads like a bug: a NUL or another
// control character, or a part longer than maxNameBytes.
func checkPathText(what, p string) error {
	if i := strings.IndexFunc(p, unicode.IsControl); i >= 0 {
		return backend.Errorf(backend.EINVALID, "%s %q holds a control character (%U), which no file name may hold", what, p, []rune(p[i:])[0])
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if len(part) > maxNameBytes {
			return backend.Errorf(backend.EINVALID, "%s %q is too long: a name may have at most %d bytes, this one has %d", what, shorten(part), maxNameBytes, len(part))
		}
	}
	return nil
}

// shorten keeps a long name readable in a message.
func shorten(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:20] + "…" + s[len(s)-12:]
}
