package docker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/types/jsonstream"
)

// Progress is one step of a pull, as the engine reports it, with the
// whole pull's progress worked out from every layer seen so far.
type Progress struct {
	Layer   string // layer id; "" for messages about the whole image
	Status  string // the engine's words: "Downloading", "Extracting", "Pull complete", ...
	Current int64  // bytes done in the layer's current phase, when the engine says
	Total   int64  // bytes in the layer's current phase, when the engine says
	// Percent is the whole pull, 0 to 100, or -1 while nothing tells yet.
	// Layers count by size (a layer whose size is not known yet counts as
	// the average known size), each half download and half extraction; a
	// layer the engine already has counts for nothing.
	Percent float64
}

// streamError is an error the engine reported inside the pull stream.
type streamError struct{ msg string }

func (e *streamError) Error() string { return e.msg }

// decodePull reads an engine's JSON pull stream to its end, calling progress
// (when not nil) for every message. An error message in the stream ends the
// pull with a *streamError.
func decodePull(r io.Reader, progress func(Progress)) error {
	dec := json.NewDecoder(r)
	t := newPullTracker()
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read pull stream: %w", err)
		}
		if m.Error != nil {
			return &streamError{msg: m.Error.Message}
		}
		p := t.update(m)
		if progress != nil {
			progress(p)
		}
	}
}

// layer is one layer's share of a pull: its size (0 while unknown) and how
// far along it is, 0 to 1.
type layer struct {
	size   int64
	done   float64
	exists bool // the engine had it already
}

type pullTracker struct {
	layers   map[string]*layer
	finished bool
}

func newPullTracker() *pullTracker { return &pullTracker{layers: map[string]*layer{}} }

// layerStatuses are the statuses that mark a message's id as a layer id
// (the first message's id is the tag being pulled).
var layerStatuses = map[string]bool{
	"Pulling fs layer": true, "Waiting": true, "Downloading": true, "Verifying Checksum": true,
	"Download complete": true, "Extracting": true, "Pull complete": true, "Already exists": true,
}

func (t *pullTracker) update(m jsonstream.Message) Progress {
	p := Progress{Status: m.Status}
	var cur, total int64
	if m.Progress != nil && (m.Progress.Units == "" || m.Progress.Units == "bytes") {
		cur, total = m.Progress.Current, m.Progress.Total
		p.Current, p.Total = cur, total
	}
	isLayer := m.ID != "" && (layerStatuses[m.Status] || strings.HasPrefix(m.Status, "Retrying"))
	if isLayer {
		p.Layer = m.ID
		l := t.layers[m.ID]
		if l == nil {
			l = &layer{}
			t.layers[m.ID] = l
		}
		if total > 0 && l.size == 0 {
			l.size = total
		}
		frac := func(c, n int64) float64 {
			if n <= 0 {
				return 0
			}
			return min(float64(c)/float64(n), 1)
		}
		switch {
		case m.Status == "Downloading":
			l.done = max(l.done, 0.5*frac(cur, total))
		case m.Status == "Verifying Checksum" || m.Status == "Download complete":
			l.done = max(l.done, 0.5)
		case m.Status == "Extracting":
			l.done = max(l.done, 0.5+0.5*frac(cur, total))
		case m.Status == "Pull complete":
			l.done = 1
		case m.Status == "Already exists":
			l.exists, l.done = true, 1
		case strings.HasPrefix(m.Status, "Retrying"):
			l.done = 0 // the download starts over
		}
	}
	// "Status: Downloaded newer image for ..." or "Status: Image is up to date for ...".
	if strings.HasPrefix(m.Status, "Status:") {
		t.finished = true
	}
	p.Percent = t.percent()
	return p
}

func (t *pullTracker) percent() float64 {
	if t.finished {
		return 100
	}
	var known, sized int64
	var count, completed int
	for _, l := range t.layers {
		if l.exists {
			continue
		}
		count++
		if l.size > 0 {
			known += l.size
			sized++
		}
		if l.done == 1 {
			completed++
		}
	}
	if count == 0 || (sized == 0 && completed == 0) {
		return -1
	}
	avg := 1.0
	if sized > 0 {
		avg = float64(known) / float64(sized)
	}
	var done, all float64
	for _, l := range t.layers {
		if l.exists {
			continue
		}
		w := avg
		if l.size > 0 {
			w = float64(l.size)
		}
		done += w * l.done
		all += w
	}
	return 100 * done / all
}
