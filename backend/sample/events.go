package sample

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// EventSpec says which event logs to write.
type EventSpec struct {
	Start  time.Time // first day (UTC)
	Days   int
	PerDay int // average events per day
	Users  int
	Jobs   int
	Seed   uint64
}

// DefaultEvents is the sample workspace's two weeks of logs.
var DefaultEvents = EventSpec{Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Days: 14, PerDay: 5000, Users: 3000, Jobs: 800, Seed: 1997}

// Event is one line of the job site's log, as its web app's log tailer
// writes it: flat ids and times, with nested page and device objects.
type Event struct {
	EventID   string `json:"event_id"`
	TS        string `json:"ts"`
	Type      string `json:"type"`
	UserID    string `json:"user_id"`
	SessionID string `json:"session_id"`
	Page      Page   `json:"page"`
	Device    Device `json:"device"`
	JobID     *int   `json:"job_id"`
	Country   string `json:"country"`
}

// Page is where an event happened.
type Page struct {
	Path     string `json:"path"`
	Referrer string `json:"referrer"`
}

// Device is what the user browsed with.
type Device struct {
	OS      string `json:"os"`
	Browser string `json:"browser"`
	Mobile  bool   `json:"mobile"`
}

var (
	oses      = []string{"Windows", "macOS", "iOS", "Android", "Linux"}
	browsers  = []string{"Chrome", "Safari", "Firefox", "Edge"}
	referrers = []string{"", "google", "linkedin", "newsletter", "direct"}
	countries = []string{"US", "DE", "FR", "GB", "JP", "BR", "CA", "IN"}
)

// WriteEvents writes JSON-lines logs bucketed dir/yyyy/mm/dd/events-HH.jsonl,
// one file per hour, deterministically from spec.Seed.
func WriteEvents(dir string, spec EventSpec) error {
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x5eed))
	seq := 0
	for d := 0; d < spec.Days; d++ {
		day := spec.Start.AddDate(0, 0, d)
		bucket := filepath.Join(dir, day.Format("2006"), day.Format("01"), day.Format("02"))
		if err := os.MkdirAll(bucket, 0o755); err != nil {
			return fmt.Errorf("sample events: %w", err)
		}
		n := spec.PerDay/2 + rng.IntN(spec.PerDay+1)
		// Sorting offsets within the day keeps every hourly file in time order.
		offsets := make([]int, n)
		for i := range offsets {
			offsets[i] = rng.IntN(86400 * 1000)
		}
		slices.Sort(offsets)
		var file *os.File
		var w *bufio.Writer
		hour := -1
		closeFile := func() error {
			if file == nil {
				return nil
			}
			if err := w.Flush(); err != nil {
				file.Close()
				return err
			}
			return file.Close()
		}
		for _, ms := range offsets {
			if h := ms / 3600000; h != hour {
				if err := closeFile(); err != nil {
					return fmt.Errorf("sample events: %w", err)
				}
				hour = h
				var err error
				file, err = os.Create(filepath.Join(bucket, fmt.Sprintf("events-%02d.jsonl", h)))
				if err != nil {
					return fmt.Errorf("sample events: %w", err)
				}
				w = bufio.NewWriter(file)
			}
			seq++
			data, _ := json.Marshal(newEvent(rng, spec, seq, day.Add(time.Duration(ms)*time.Millisecond)))
			w.Write(data)
			w.WriteByte('\n')
		}
		if err := closeFile(); err != nil {
			return fmt.Errorf("sample events: %w", err)
		}
	}
	return nil
}

func newEvent(rng *rand.Rand, spec EventSpec, seq int, at time.Time) Event {
	user := rng.IntN(spec.Users) + 1
	e := Event{
		EventID:   fmt.Sprintf("e-%07d", seq),
		TS:        at.Format("2006-01-02T15:04:05.000Z"),
		UserID:    fmt.Sprintf("u-%05d", user),
		SessionID: fmt.Sprintf("s-%05d-%d", user, at.YearDay()),
		Country:   countries[user%len(countries)],
	}
	system := oses[user%len(oses)]
	e.Device = Device{OS: system, Browser: browsers[(user/7)%len(browsers)], Mobile: system == "iOS" || system == "Android"}
	e.Page.Referrer = referrers[rng.IntN(len(referrers))]
	switch r := rng.IntN(100); {
	case r < 80:
		e.Type = "page_view"
		if rng.IntN(3) == 0 {
			e.Page.Path = "/search"
		} else {
			job := rng.IntN(spec.Jobs) + 1
			e.Page.Path = fmt.Sprintf("/jobs/%d", job)
			e.JobID = &job
		}
	case r < 95:
		e.Type = "job_application"
		job := rng.IntN(spec.Jobs) + 1
		e.Page.Path = fmt.Sprintf("/jobs/%d/apply", job)
		e.JobID = &job
	default:
		e.Type = "signup"
		e.Page.Path = "/signup"
	}
	return e
}
