package publish

import (
	"strings"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		cron, tz        string
		sentence, label string
	}{
		{"0 3 * * *", "Europe/Berlin", "every day at 03:00 Europe/Berlin", "daily 03:00"},
		{"  30   7 * * * ", "", "every day at 07:30 UTC", "daily 07:30"},
		{"0 * * * *", "UTC", "every hour at minute 0", "hourly :00"},
		{"@hourly", "UTC", "every hour at minute 0", "hourly :00"},
		{"@daily", "UTC", "every day at 00:00 UTC", "daily 00:00"},
		{"*/15 * * * *", "UTC", "every 15 minutes", "every 15 min"},
		{"0 6 * * 1", "UTC", "every Monday at 06:00 UTC", "weekly Mon 06:00"},
		{"0 6 * * MON,WED", "UTC", "every Monday and Wednesday at 06:00 UTC", "weekly Mon,Wed 06:00"},
		{"0 6 * * 1-5", "UTC", "every weekday (Monday to Friday) at 06:00 UTC", "weekdays 06:00"},
		{"0 6 1 * *", "UTC", "on day 1 of every month at 06:00 UTC", "monthly day 1 06:00"},
		{"5 4 1 1 *", "UTC", `at the times cron "5 4 1 1 *" gives, in UTC`, "cron 5 4 1 1 *"},
	}
	for _, tt := range tests {
		t.Run(tt.cron, func(t *testing.T) {
			sentence, label, err := Schedule{Cron: tt.cron, Timezone: tt.tz}.Describe()
			if err != nil {
				t.Fatal(err)
			}
			if sentence != tt.sentence || label != tt.label {
				t.Errorf("got %q / %q, want %q / %q", sentence, label, tt.sentence, tt.label)
			}
		})
	}
}

func TestScheduleRefused(t *testing.T) {
	tests := []struct{ cron, tz, want string }{
		{"", "UTC", "empty"},
		{"0 3 * *", "UTC", "not a valid cron"},
		{"61 3 * * *", "UTC", "not a valid cron"},
		{"0 3 * * * *", "UTC", "not a valid cron"},
		{"@every 5m", "UTC", "not a cron Airflow reads"},
		{"CRON_TZ=UTC 0 3 * * *", "UTC", "not a cron Airflow reads"},
		{"0 3 * * *", "Mars/Olympus", "time zone"},
		{"0 3 * * *", "Local", "time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.cron+"/"+tt.tz, func(t *testing.T) {
			_, _, err := Schedule{Cron: tt.cron, Timezone: tt.tz}.Describe()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestNextInZone(t *testing.T) {
	from := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC) // the day before Berlin's DST switch
	next, err := Schedule{Cron: "0 3 * * *", Timezone: "Europe/Berlin"}.Next(from, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00", "2026-03-31T03:00:00+02:00"}
	for i, w := range want {
		if got := next[i].Format(time.RFC3339); got != w {
			t.Errorf("run %d: got %s, want %s", i, got, w)
		}
	}
}
