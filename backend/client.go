package backend

import "context"

type clientKey struct{}

// WithClient marks ctx as a call from one client of the workbench (a
// browser tab of `smallfry serve`), so what the call opens can be ended
// when that client goes away.
func WithClient(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientKey{}, id)
}

// ClientOf is the client WithClient named, or "" (the desktop window,
// scripts, tests).
func ClientOf(ctx context.Context) string {
	id, _ := ctx.Value(clientKey{}).(string)
	return id
}
