package kernel

import (
	"context"
	"encoding/json"
	"fmt"
)

// Custom messages: a kernel extension (such as Smallfry's start-up module)
// can handle message types of its own on the control channel and publish
// its own types on IOPub. ipykernel 6 serves the control channel on a thread
// of its own, so a control request is answered while a cell runs, where a
// shell or comm message would wait for the cell to finish.

// Control sends a control-channel request of type msgType with content and
// returns the content of the kernel's reply: the first control message whose
// parent is the request. ipykernel calls control_handlers[msgType] with
// (stream, idents, msg); the handler replies with
// session.send(stream, reply_type, content, parent=msg, ident=idents).
// A kernel with no handler for msgType never replies: bound ctx.
func (k *Kernel) Control(ctx context.Context, msgType string, content any) (json.RawMessage, error) {
	c, err := k.conn()
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", msgType, err)
	}
	w := c.router.watch()
	defer c.router.stop(w)
	h := newHeader(c.session, msgType)
	c.router.add(w, h.MsgID)
	if _, err := c.send(c.control, h, content); err != nil {
		return nil, fmt.Errorf("control %s: %w", msgType, c.sendFailed(ctx, err))
	}
	for {
		select {
		case m := <-w.ch:
			if m.channel == "control" {
				return m.Content, nil
			}
			// ipykernel publishes busy/idle on IOPub for control requests too.
		case <-c.gone:
			return nil, fmt.Errorf("control %s: %w", msgType, c.goneErr)
		case <-ctx.Done():
			return nil, fmt.Errorf("control %s: no reply: %w", msgType, ctx.Err())
		}
	}
}

// published hands an IOPub message to its Options.OnIOPub handler, if its
// type has one, and reports whether it did.
func (c *conn) published(m *message) bool {
	h := c.onIOPub[m.Header.MsgType]
	if h == nil {
		return false
	}
	// A goroutine of its own: the handler may call back into the kernel
	// (Control), whose reply this reader's siblings deliver, and must not
	// hold up the kernel's other output meanwhile.
	go h(m.Content)
	return true
}
