package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// subscriberBuffer is how many events a client may lag behind before it
	// is disconnected (it reconnects; see httpTransport in src/api.ts).
	subscriberBuffer = 256
	// writeTimeout disconnects a client that stops reading.
	writeTimeout = 10 * time.Second
)

// Hub broadcasts events to every connected browser. It implements
// workbench.Events; Emit never blocks on a client.
type Hub struct {
	log *slog.Logger

	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	events chan []byte
	// dropped is closed when the subscriber fell subscriberBuffer events
	// behind: its stream ends rather than silently missing events.
	dropped chan struct{}
}

// NewHub makes a hub; log (nil discards) receives events that cannot be encoded.
func NewHub(log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{log: log, subs: map[*subscriber]struct{}{}}
}

// event is one WebSocket text message.
type event struct {
	Name string `json:"name"`
	Data any    `json:"data"`
}

// Emit sends {"name": name, "data": data} to every client connected now.
func (h *Hub) Emit(name string, data any) {
	b, err := json.Marshal(event{Name: name, Data: data})
	if err != nil {
		h.log.Error("encode event", "event", name, "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.events <- b:
		default:
			delete(h.subs, s)
			close(s.dropped)
		}
	}
}

func (h *Hub) subscribe() *subscriber {
	s := &subscriber{events: make(chan []byte, subscriberBuffer), dropped: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// handleEvents streams the hub's events over a WebSocket until the client
// leaves, falls behind, or the server stops.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	// Subscribed before the handshake completes, so a client gets every
	// event emitted once its connection is open.
	sub := s.hub.subscribe()
	defer s.hub.unsubscribe(sub)
	// guard already checked Origin against every name of this server; the
	// library checks again against the same list.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.originHosts()})
	if err != nil {
		return // Accept has answered the client
	}
	defer c.CloseNow()
	// The client sends nothing; CloseRead answers its pings and close frame
	// and ends ctx when it goes. r.Context() is not used after a hijack.
	ctx := c.CloseRead(context.Background())
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stopping:
			c.Close(websocket.StatusGoingAway, "server stopped")
			return
		case <-sub.dropped:
			c.Close(websocket.StatusTryAgainLater, "too slow: events were dropped")
			return
		case b := <-sub.events:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

// originHosts are the hosts the WebSocket library accepts in Origin.
func (s *Server) originHosts() []string {
	hosts := make([]string, 0, len(s.hosts))
	for h := range s.hosts {
		hosts = append(hosts, h)
	}
	return hosts
}
