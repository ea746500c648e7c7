package bridge

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"smallfry/backend/kernel"
)

// A kernel's state, as the UI's status chip shows it.
const (
	StateNone       = "none"       // no kernel yet: the first Python cell starts one
	StateStarting   = "starting"   // launching
	StateIdle       = "idle"       // waiting for a cell
	StateBusy       = "busy"       // running a cell
	StateRestarting = "restarting" // Restart in progress
	StateDead       = "dead"       // died or failed to start: Restart revives it
)

// OnState sets the function told of every change of the kernel's state
// (called outside the bridge's lock, in order, from the goroutine that made
// the change).
func (b *Bridge) OnState(f func(state string)) {
	b.stMu.Lock()
	b.onState = f
	b.stMu.Unlock()
}

// State is the kernel's state now.
func (b *Bridge) State() string {
	b.stMu.Lock()
	defer b.stMu.Unlock()
	if b.state == "" {
		return StateNone
	}
	return b.state
}

// setState records a state and reports a change. It takes its own lock,
// not b.mu, so that the state can be read while the kernel starts; the
// report is made under it, to keep reports in order: f must not call the
// bridge.
func (b *Bridge) setState(s string) {
	b.stMu.Lock()
	defer b.stMu.Unlock()
	if b.state == s {
		return
	}
	b.state = s
	if b.onState != nil {
		b.onState(s)
	}
}

// afterExecute is idle again, or dead if the kernel died meanwhile.
func (b *Bridge) afterExecute(k *kernel.Kernel) {
	select {
	case <-k.Dead():
		b.setState(StateDead)
	default:
		b.setState(StateIdle)
	}
}

// watch marks the kernel dead when its process dies, until stop is closed
// (by a restart or a shutdown, which replace or end the process).
func (b *Bridge) watch(k *kernel.Kernel, stop <-chan struct{}) {
	select {
	case <-k.Dead():
		b.mu.Lock()
		ours := b.k == k && b.restarting == nil
		b.mu.Unlock()
		if ours {
			b.setState(StateDead)
		}
	case <-stop:
	}
}

// startWatch replaces the watcher of the kernel's process; the caller holds b.mu.
func (b *Bridge) startWatch(k *kernel.Kernel) {
	if b.stopWatch != nil {
		close(b.stopWatch)
	}
	b.stopWatch = make(chan struct{})
	go b.watch(k, b.stopWatch)
}

// Variable is one of the kernel's global names, for the variables panel.
type Variable struct {
	Name string `json:"name"`
	Type string `json:"type"` // the type's name, with its top-level package when not a builtin
	Repr string `json:"repr"` // short: a DataFrame's shape, else a repr cut to about 100 characters
}

//go:embed variables.py
var variablesCode string

// Variables lists the kernel's global variables (at most 500) with a silent execution,
// which neither counts nor runs the hand-over hooks. It starts no kernel:
// without one, or while a cell runs (the kernel answers one request at a
// time), it returns nil and the state.
func (b *Bridge) Variables(ctx context.Context) ([]Variable, string, error) {
	if state := b.State(); state != StateIdle {
		return nil, state, nil
	}
	b.mu.Lock()
	k := b.k
	b.mu.Unlock()
	if k == nil {
		return nil, StateNone, nil
	}
	rep, err := k.ExecuteSilent(ctx, variablesCode)
	if err != nil {
		return nil, b.State(), fmt.Errorf("list python variables: %w", err)
	}
	if rep.Status != "ok" {
		return nil, b.State(), fmt.Errorf("list python variables: %s: %s", rep.Ename, rep.Evalue)
	}
	var text strings.Builder
	for _, o := range rep.Outputs {
		if o["output_type"] == "stream" && o["name"] == "stdout" {
			if t, ok := o["text"].(string); ok {
				text.WriteString(t)
			}
		}
	}
	var vars []Variable
	if err := json.Unmarshal([]byte(strings.TrimSpace(text.String())), &vars); err != nil {
		return nil, b.State(), fmt.Errorf("list python variables: read the kernel's answer: %w", err)
	}
	return vars, StateIdle, nil
}
