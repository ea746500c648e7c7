package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

const testKey = "4d1c1a2f7e5b9c0d3a6f8e2b1c4d7a9f0e3b6c8d1a4f7e2b5c9d0a3f6e8b1c4d"

func testMessage() *message {
	return &message{
		Identities: [][]byte{[]byte("client-1")},
		Header: header{MsgID: "m1", Session: "s1", Username: "u", Date: "2026-01-02T03:04:05.000000Z",
			MsgType: "execute_request", Version: protocolVersion},
		Parent:  header{MsgID: "p0", MsgType: "kernel_info_request"},
		Content: json.RawMessage(`{"code":"1+1"}`),
		Buffers: [][]byte{[]byte("raw")},
	}
}

func TestWireLayout(t *testing.T) {
	s := newSigner(testKey)
	frames, err := s.encode(testMessage())
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 8 {
		t.Fatalf("got %d frames, want 8 (id, delimiter, signature, 4 JSON frames, 1 buffer)", len(frames))
	}
	if string(frames[0]) != "client-1" || string(frames[1]) != "<IDS|MSG>" {
		t.Errorf("got frames %q %q, want the routing id then <IDS|MSG>", frames[0], frames[1])
	}
	// The signature is the HMAC-SHA256 of header, parent, metadata, content.
	if want := s.sign(frames[3], frames[4], frames[5], frames[6]); !bytes.Equal(frames[2], want) || len(want) != 64 {
		t.Errorf("got signature %q, want %q (64 hex digits)", frames[2], want)
	}
	if string(frames[5]) != "{}" || string(frames[6]) != `{"code":"1+1"}` || string(frames[7]) != "raw" {
		t.Errorf("got metadata %s content %s buffer %s", frames[5], frames[6], frames[7])
	}
	var h map[string]any
	if err := json.Unmarshal(frames[3], &h); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"msg_id", "session", "username", "date", "msg_type", "version"} {
		if _, ok := h[k]; !ok {
			t.Errorf("header has no %q: %s", k, frames[3])
		}
	}
}

// A known vector, computed with jupyter_client.session.Session(key=...).sign and
// hmac.new(key.encode(), b'{"a":1}{}{}{}', hashlib.sha256).hexdigest()
func TestWireSignatureVector(t *testing.T) {
	got := newSigner(testKey).sign([]byte(`{"a":1}`), []byte("{}"), []byte("{}"), []byte("{}"))
	const want = "c559428fbdce072aeb6edd8211c15ed315c34babb449930e3193d2909eb6e846"
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestWireRoundTrip(t *testing.T) {
	s := newSigner(testKey)
	in := testMessage()
	frames, err := s.encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if out.Header != in.Header || out.Parent.MsgID != "p0" || string(out.Content) != string(in.Content) {
		t.Errorf("got %+v, want %+v", out, in)
	}
	if len(out.Identities) != 1 || string(out.Identities[0]) != "client-1" {
		t.Errorf("got identities %q", out.Identities)
	}
	if len(out.Buffers) != 1 || string(out.Buffers[0]) != "raw" {
		t.Errorf("got buffers %q", out.Buffers)
	}
}

func TestWireRejects(t *testing.T) {
	s := newSigner(testKey)
	good, err := s.encode(testMessage())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func([][]byte) [][]byte) [][]byte {
		c := make([][]byte, len(good))
		for i := range good {
			c[i] = bytes.Clone(good[i])
		}
		return f(c)
	}
	tests := []struct {
		name   string
		frames [][]byte
		bad    bool // want errBadSignature
	}{
		{"tampered content", edit(func(f [][]byte) [][]byte { f[6] = []byte(`{"code":"2+2"}`); return f }), true},
		{"tampered header", edit(func(f [][]byte) [][]byte { f[3][2] ^= 1; return f }), true},
		{"tampered signature", edit(func(f [][]byte) [][]byte { f[2][0] ^= 1; return f }), true},
		{"other key", func() [][]byte { f, _ := newSigner("other").encode(testMessage()); return f }(), true},
		{"unsigned", edit(func(f [][]byte) [][]byte { f[2] = nil; return f }), true},
		{"no delimiter", edit(func(f [][]byte) [][]byte { return append(f[:1], f[2:]...) }), false},
		{"too few frames", edit(func(f [][]byte) [][]byte { return f[:5] }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.decode(tt.frames)
			if err == nil {
				t.Fatal("got no error")
			}
			if got := errors.Is(err, errBadSignature); got != tt.bad {
				t.Errorf("got %v, want bad signature %v", err, tt.bad)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	a, b := newID(), newID()
	if a == b || len(a) != 36 || a[14] != '4' {
		t.Errorf("got %q and %q, want two different version 4 UUIDs", a, b)
	}
}
