package docker

import (
	"context"
	"errors"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"smallfry/backend"
)

// HasImage reports whether the engine has image locally.
func (e *Engine) HasImage(ctx context.Context, image string) (bool, error) {
	if _, err := e.cli.ImageInspect(ctx, image); err != nil {
		if cerrdefs.IsNotFound(err) {
			return false, nil
		}
		return false, wrap("inspect image "+image, err)
	}
	return true, nil
}

// EnsureImage pulls image unless the engine has it already, in which case
// progress is never called.
func (e *Engine) EnsureImage(ctx context.Context, image string, progress func(Progress)) error {
	ok, err := e.HasImage(ctx, image)
	if err != nil || ok {
		return err
	}
	return e.Pull(ctx, image, progress)
}

// Pull pulls image from its registry, calling progress (when not nil) for
// every message of the engine's progress stream, often many a second: callers
// that show it throttle. The pull stops when ctx ends.
func (e *Engine) Pull(ctx context.Context, image string, progress func(Progress)) error {
	resp, err := e.cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		return pullError(ctx, image, err)
	}
	defer resp.Close()
	if err := decodePull(resp, progress); err != nil {
		return pullError(ctx, image, err)
	}
	return nil
}

// pullError says which image failed and, where it can tell, why in words a
// user acts on: a name that does not exist, a deadline, no engine.
func pullError(ctx context.Context, image string, err error) error {
	if ctx.Err() != nil {
		return backend.Errorf(backend.ECANCELED, "pull %s: stopped before it finished: %w", image, ctx.Err())
	}
	if client.IsErrConnectionFailed(err) {
		return wrap("pull "+image, err)
	}
	if cerrdefs.IsInvalidArgument(err) || strings.Contains(err.Error(), "invalid reference format") {
		return backend.Errorf(backend.EINVALID, "pull %s: not a valid image name: %w", image, err)
	}
	var se *streamError
	notFound := cerrdefs.IsNotFound(err)
	if errors.As(err, &se) {
		msg := strings.ToLower(se.msg)
		notFound = notFound || strings.Contains(msg, "not found") || strings.Contains(msg, "manifest unknown") ||
			strings.Contains(msg, "repository does not exist") || strings.Contains(msg, "pull access denied")
	}
	if notFound {
		return backend.Errorf(backend.ENOTFOUND, "pull %s: no such image in its registry: %w", image, err)
	}
	if msg := err.Error(); strings.Contains(msg, "dial tcp") || strings.Contains(msg, "no such host") ||
		strings.Contains(msg, "i/o timeout") || strings.Contains(msg, "connection refused") {
		return backend.Errorf(backend.EINTERNAL, "pull %s: its registry cannot be reached: %w", image, err)
	}
	return wrap("pull "+image, err)
}
