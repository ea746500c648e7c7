package spark

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bytesMessages reads the Arrow IPC messages of one ArrowBatch in place:
// the arrays point into the response's bytes, where ipc.NewReader would
// copy each message body into a buffer of its own (twice the memory, and
// as much again for the collector).
type bytesMessages struct {
	data []byte
	off  int
	msg  *ipc.Message
	refs atomic.Int64
}

var _ ipc.MessageReader = (*bytesMessages)(nil)

func newBytesMessages(data []byte) *bytesMessages {
	r := &bytesMessages{data: data}
	r.refs.Store(1)
	return r
}

func (r *bytesMessages) Retain() { r.refs.Add(1) }

func (r *bytesMessages) Release() {
	if r.refs.Add(-1) == 0 && r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
}

var errShortIPC = errors.New("arrow/ipc: message runs past the batch")

func (r *bytesMessages) u32() (uint32, bool) {
	if r.off+4 > len(r.data) {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(r.data[r.off:])
	r.off += 4
	return v, true
}

// Message is the next message, valid until the next call.
func (r *bytesMessages) Message() (*ipc.Message, error) {
	cid, ok := r.u32()
	if !ok || cid == 0 {
		return nil, io.EOF
	}
	n := int64(cid)
	if cid == 0xFFFFFFFF {
		l, ok := r.u32()
		if !ok {
			return nil, errShortIPC
		}
		if l == 0 {
			return nil, io.EOF
		}
		n = int64(l)
	}
	if n < 0 || int64(r.off)+n > int64(len(r.data)) {
		return nil, errShortIPC
	}
	meta := memory.NewBufferBytes(r.data[r.off : r.off+int(n)])
	r.off += int(n)
	probe := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	bodyLen := probe.BodyLen()
	probe.Release()
	if bodyLen < 0 || int64(r.off)+bodyLen > int64(len(r.data)) {
		return nil, fmt.Errorf("%w (body of %d bytes)", errShortIPC, bodyLen)
	}
	body := memory.NewBufferBytes(r.data[r.off : r.off+int(bodyLen)])
	r.off += int(bodyLen)
	if r.msg != nil {
		r.msg.Release()
	}
	r.msg = ipc.NewMessage(meta, body)
	return r.msg, nil
}
