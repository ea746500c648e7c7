package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The Jupyter wire protocol (messaging spec 5.x): a message is a ZeroMQ
// multipart message
//
//	[routing ids...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//
// where signature is the lower-case hex HMAC-SHA256 of the four JSON frames
// header..content, keyed with the connection file's key (its ASCII bytes).

const (
	delimiter       = "<IDS|MSG>"
	protocolVersion = "5.3"
)

var errBadSignature = errors.New("bad message signature")

// header is a message header; parent_header has the same shape (or is {}).
type header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is one decoded Jupyter message.
type message struct {
	Identities [][]byte
	Header     header
	Parent     header
	Metadata   map[string]any
	Content    json.RawMessage
	Buffers    [][]byte

	channel string // "shell", "iopub", "stdin", "control": set by the reader
}

// signer signs outgoing and verifies incoming messages with one key.
type signer struct {
	key []byte // nil: messages are unsigned (the spec allows an empty key)
}

func newSigner(key string) *signer {
	if key == "" {
		return &signer{}
	}
	return &signer{key: []byte(key)}
}

// sign returns the hex HMAC of the four JSON frames ("" without a key).
func (s *signer) sign(parts ...[]byte) []byte {
	if s.key == nil {
		return nil
	}
	mac := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// encode turns m into its frames, signing them.
func (s *signer) encode(m *message) ([][]byte, error) {
	h, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	p := []byte("{}")
	if m.Parent.MsgID != "" {
		if p, err = json.Marshal(m.Parent); err != nil {
			return nil, fmt.Errorf("encode parent header: %w", err)
		}
	}
	md := []byte("{}")
	if len(m.Metadata) > 0 {
		if md, err = json.Marshal(m.Metadata); err != nil {
			return nil, fmt.Errorf("encode metadata: %w", err)
		}
	}
	c := []byte(m.Content)
	if len(c) == 0 {
		c = []byte("{}")
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(delimiter), s.sign(h, p, md, c), h, p, md, c)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// decode parses frames into a message after checking the signature; a
// message whose signature does not match is rejected with errBadSignature.
func (s *signer) decode(frames [][]byte) (*message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], []byte(delimiter)) {
		i++
	}
	if i == len(frames) {
		return nil, errors.New("decode message: no <IDS|MSG> delimiter")
	}
	if len(frames)-i-1 < 5 {
		return nil, fmt.Errorf("decode message: %d frames after the delimiter, want at least 5", len(frames)-i-1)
	}
	sig, h, p, md, c := frames[i+1], frames[i+2], frames[i+3], frames[i+4], frames[i+5]
	if s.key != nil && !hmac.Equal(sig, s.sign(h, p, md, c)) {
		return nil, errBadSignature
	}
	m := &message{Identities: frames[:i], Content: json.RawMessage(c), Buffers: frames[i+6:]}
	if err := json.Unmarshal(h, &m.Header); err != nil {
		return nil, fmt.Errorf("decode header: %w", err)
	}
	if err := json.Unmarshal(p, &m.Parent); err != nil {
		return nil, fmt.Errorf("decode parent header: %w", err)
	}
	if len(md) > 0 {
		if err := json.Unmarshal(md, &m.Metadata); err != nil {
			return nil, fmt.Errorf("decode metadata: %w", err)
		}
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("decode message: header has no msg_type")
	}
	return m, nil
}

// newHeader returns a fresh header for a message of the given type.
func newHeader(session, msgType string) header {
	return header{
		MsgID:    newID(),
		Session:  session,
		Username: "smallfry",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  protocolVersion,
	}
}

// newID returns a random UUID (version 4) string.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
