package docker

import (
	"context"
	"errors"
	"strconv"

	"github.com/moby/moby/client"
)

// Reap removes the kernel containers whose app is gone, so none outlives a
// crash (kill -9 included) past the next start of any Smallfry instance on
// the same machine. It returns the ids of the containers it removed.
//
// The rule, for every container labelled smallfry=1:
//   - keep it if keep (when not nil) says so;
//   - keep it if it was started from another host (its smallfry.host label):
//     process ids mean nothing here;
//   - keep it if this Engine started it (smallfry.owner is our instance);
//   - remove it if its smallfry.pid is our own pid (the pid was reused: the
//     app that started it is gone) or no live process has that pid;
//   - keep it otherwise: another Smallfry instance (a window next to a
//     `smallfry run`) is still running.
//
// A pid reused by some unrelated process keeps the container until that
// process exits too: an orphan lives longer, but nothing live is removed.
func (e *Engine) Reap(ctx context.Context, keep func(labels map[string]string) bool) (removed []string, err error) {
	list, err := e.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", labelApp+"=1"),
	})
	if err != nil {
		return nil, wrap("list containers to reap", err)
	}
	var errs []error
	for _, s := range list.Items {
		if !e.orphaned(s.Labels) || (keep != nil && keep(s.Labels)) {
			continue
		}
		c := &Container{ID: s.ID, e: e}
		if err := c.remove(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, s.ID)
	}
	return removed, errors.Join(errs...)
}

// orphaned applies Reap's rule to a container's labels.
func (e *Engine) orphaned(labels map[string]string) bool {
	if labels[labelHost] != e.owner.host || labels[labelOwner] == e.owner.instance {
		return false
	}
	pid, err := strconv.Atoi(labels[labelPID])
	if err != nil || pid <= 0 {
		return true // no owner we could ever find alive
	}
	return pid == e.owner.pid || !processAlive(pid)
}
