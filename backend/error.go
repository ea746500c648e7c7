// Package backend holds Smallfry's domain types shared by every engine
// package: error codes with user-facing messages. It imports nothing heavy.
package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Error codes, in the spirit of WTF Dial: a code for programs, a message for people.
const (
	EINVALID  = "invalid"   // the user's input is wrong (bad file, bad SQL, bad parameter)
	ENOTFOUND = "not_found" // a notebook, table, cell or run does not exist
	ECONFLICT = "conflict"  // the operation clashes with the current state
	ECANCELED = "canceled"  // the user (or a deadline) stopped the work
	EINTERNAL = "internal"  // a bug or an environment failure; details go to the log
)

// Error is an error meant to be shown to a user. Message is complete on its
// own ("notebook sales.ipynb: cell 3 (by_country), line 2: ..."); Err keeps
// the underlying cause for logs and errors.Is/As.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
// A %w verb in format keeps the wrapped error reachable through Unwrap.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the code of the first *Error in err's chain, ECANCELED for
// context cancellation, and EINTERNAL for anything else (nil gives "").
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if isCanceled(err) {
		return ECANCELED
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or err's text when there is none. Go's
// "context canceled" and "context deadline exceeded" read "canceled" and
// "timed out".
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var e *Error
	if errors.As(err, &e) {
		msg = e.Message
	}
	if isCanceled(err) {
		msg = canceledWords.Replace(msg)
	}
	return msg
}

var canceledWords = strings.NewReplacer(context.Canceled.Error(), "canceled", context.DeadlineExceeded.Error(), "timed out")

// WireError is an error as the UI receives it (src/api.ts reads it): the
// desktop window rejects a call's promise with it, the browser server
// answers with it as JSON.
type WireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Wire is err as the UI receives it.
func Wire(err error) WireError {
	return WireError{Code: ErrorCode(err), Message: ErrorMessage(err)}
}
