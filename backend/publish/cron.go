package publish

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"smallfry/backend"
)

// Schedule is when a published notebook runs: a five-field cron in a
// time zone, as Airflow's CronTriggerTimetable takes it.
type Schedule struct {
	Cron     string `json:"cron"`
	Timezone string `json:"timezone"`
}

// The five fields Airflow's croniter reads, plus @hourly and the like.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Check parses the schedule: the cron, and the time zone ("" is UTC).
func (s Schedule) Check() (cron.Schedule, *time.Location, error) {
	expr := strings.Join(strings.Fields(s.Cron), " ")
	if expr == "" {
		return nil, nil, backend.Errorf(backend.EINVALID, "the schedule is empty: give a cron such as \"0 3 * * *\" (every day at 03:00)")
	}
	if strings.HasPrefix(expr, "@every") || strings.Contains(expr, "TZ=") {
		return nil, nil, backend.Errorf(backend.EINVALID, "the schedule %q is not a cron Airflow reads: use five fields (minute hour day month weekday)", s.Cron)
	}
	sched, err := cronParser.Parse(expr)
	if err != nil {
		return nil, nil, backend.Errorf(backend.EINVALID, "the schedule %q is not a valid cron (minute hour day month weekday): %v", s.Cron, err)
	}
	tz := s.Timezone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, nil, backend.Errorf(backend.EINVALID, "the time zone %q is not known: use an IANA name such as Europe/Berlin", s.Timezone)
	}
	return sched, loc, nil
}

// Next returns the next n run times after from, in the schedule's zone.
func (s Schedule) Next(from time.Time, n int) ([]time.Time, error) {
	sched, loc, err := s.Check()
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, n)
	t := from.In(loc)
	for range n {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out, nil
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// Describe says the schedule in plain words: "every day at 03:00
// Europe/Berlin". Label is the short form a notebook shows: "daily 03:00".
func (s Schedule) Describe() (sentence, label string, err error) {
	if _, _, err := s.Check(); err != nil {
		return "", "", err
	}
	tz := s.Timezone
	if tz == "" {
		tz = "UTC"
	}
	f := strings.Fields(expand(s.Cron))
	min, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	at := ""
	if m, okM := number(min); okM {
		if h, okH := number(hour); okH {
			at = fmt.Sprintf("%02d:%02d", h, m)
		}
	}
	switch {
	case min == "*" && hour == "*" && dom == "*" && month == "*" && dow == "*":
		return "every minute", "every minute", nil
	case strings.HasPrefix(min, "*/") && hour == "*" && dom == "*" && month == "*" && dow == "*":
		return "every " + min[2:] + " minutes", "every " + min[2:] + " min", nil
	case hour == "*" && dom == "*" && month == "*" && dow == "*":
		if m, ok := number(min); ok {
			return fmt.Sprintf("every hour at minute %d", m), fmt.Sprintf("hourly :%02d", m), nil
		}
	case at != "" && dom == "*" && month == "*" && dow == "*":
		return "every day at " + at + " " + tz, "daily " + at, nil
	case at != "" && dom == "*" && month == "*" && (dow == "1-5" || dow == "MON-FRI"):
		return "every weekday (Monday to Friday) at " + at + " " + tz, "weekdays " + at, nil
	case at != "" && dom == "*" && month == "*":
		if days, ok := dayNames(dow); ok {
			short := make([]string, len(days))
			for i, d := range days {
				short[i] = d[:3]
			}
			return "every " + strings.Join(days, " and ") + " at " + at + " " + tz, "weekly " + strings.Join(short, ",") + " " + at, nil
		}
	case at != "" && month == "*" && dow == "*":
		if d, ok := number(dom); ok {
			return fmt.Sprintf("on day %d of every month at %s %s", d, at, tz), fmt.Sprintf("monthly day %d %s", d, at), nil
		}
	}
	return fmt.Sprintf("at the times cron %q gives, in %s", s.Cron, tz), "cron " + s.Cron, nil
}

// expand turns a descriptor into its five fields.
func expand(expr string) string {
	switch strings.TrimSpace(expr) {
	case "@yearly", "@annually":
		return "0 0 1 1 *"
	case "@monthly":
		return "0 0 1 * *"
	case "@weekly":
		return "0 0 * * 0"
	case "@daily", "@midnight":
		return "0 0 * * *"
	case "@hourly":
		return "0 * * * *"
	}
	return expr
}

func number(field string) (int, bool) {
	n, err := strconv.Atoi(field)
	return n, err == nil
}

// dayNames reads a weekday field that lists single days ("1", "1,3",
// "MON,WED").
func dayNames(field string) ([]string, bool) {
	var out []string
	for _, part := range strings.Split(field, ",") {
		if n, ok := number(part); ok && n >= 0 && n <= 7 {
			out = append(out, weekdays[n%7])
			continue
		}
		found := false
		for _, d := range weekdays {
			if strings.EqualFold(part, d[:3]) {
				out, found = append(out, d), true
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
}
