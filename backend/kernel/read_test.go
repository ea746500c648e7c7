package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// The reader drops messages whose signature does not verify. The publisher
// here is a zmq4 PUB socket standing in for a kernel's IOPub; the kernel
// tests run the same reader against a real ipykernel.
func TestReadDropsBadSignatures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub := zmq4.NewPub(ctx)
	defer pub.Close()
	if err := pub.Listen("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	port := pub.Addr().(*net.TCPAddr).Port

	c := &conn{signer: newSigner(testKey), ctx: ctx, session: "test", log: slog.New(slog.DiscardHandler),
		router: &router{watchers: map[string]*watcher{}}}
	sub := zmq4.NewSub(ctx)
	defer sub.Close()
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	if err := sub.Dial("tcp://127.0.0.1:" + strconv.Itoa(port)); err != nil {
		t.Fatal(err)
	}
	go c.read("iopub", sub)
	w := c.router.watch()
	defer c.router.stop(w)
	c.router.add(w, "request-1")

	publish := func(s *signer, text string) {
		m := &message{Header: newHeader("kernel", "stream"), Parent: header{MsgID: "request-1"},
			Content: json.RawMessage(fmt.Sprintf(`{"name":"stdout","text":%q}`, text))}
		frames, err := s.encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Send(zmq4.NewMsgFrom(append([][]byte{[]byte("stream.stdout")}, frames...)...)); err != nil {
			t.Fatal(err)
		}
	}
	// Until the subscription reaches the publisher, messages are lost, so
	// publish pairs until a good one arrives; no forged one may get through.
	deadline := time.After(10 * time.Second)
	for {
		publish(newSigner("forged key"), "forged")
		publish(c.signer, "genuine")
		select {
		case m := <-w.ch:
			var got struct{ Text string }
			json.Unmarshal(m.Content, &got)
			if got.Text != "genuine" || m.channel != "iopub" {
				t.Fatalf("got %q on %s, want only the genuine message", got.Text, m.channel)
			}
			return
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no message arrived")
		}
	}
}
