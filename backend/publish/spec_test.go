package publish

import (
	"strings"
	"testing"
)

func TestDagID(t *testing.T) {
	tests := []struct{ owner, nb, want string }{
		{"ana@example.com", "notebooks/sales.ipynb", "smallfry_ana_example_com_sales"},
		{"Ana Lopez", `notebooks\Q1 report (final).ipynb`, "smallfry_ana_lopez_q1_report_final"},
		{"bob", "notebooks/Überblick.ipynb", "smallfry_bob_berblick"},
		{"", "x.ipynb", "smallfry__x"},
	}
	for _, tt := range tests {
		got := DagID(tt.owner, tt.nb)
		if got != tt.want {
			t.Errorf("DagID(%q, %q) = %q, want %q", tt.owner, tt.nb, got, tt.want)
		}
		if !dagIDRule.MatchString(got) {
			t.Errorf("%q breaks Airflow's rule", got)
		}
	}
	if long := DagID(strings.Repeat("a", 300), "n.ipynb"); len(long) > 200 {
		t.Errorf("an id of %d characters", len(long))
	}
}

func TestSpecCheck(t *testing.T) {
	cron := "0 3 * * *"
	bad := "0 3 * *"
	good := func() Spec {
		return Spec{DagID: "smallfry_a_sales", Schedule: &cron, Timezone: "UTC", TimeoutSeconds: 3600, Outputs: "/srv/runs",
			Parameters: map[string]string{"year": "1998"}}
	}
	if err := func() *Spec { s := good(); return &s }().Check(); err != nil {
		t.Fatalf("a good spec: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"dag id", func(s *Spec) { s.DagID = "a b" }, "DAG id"},
		{"cron", func(s *Spec) { s.Schedule = &bad }, "not a valid cron"},
		{"zone", func(s *Spec) { s.Timezone = "Nowhere/Land" }, "time zone"},
		{"zone without cron", func(s *Spec) { s.Schedule = nil; s.Timezone = "Nowhere/Land" }, "time zone"},
		{"retries", func(s *Spec) { s.Retries = 11 }, "retries"},
		{"timeout", func(s *Spec) { s.TimeoutSeconds = 0 }, "timeout"},
		{"outputs", func(s *Spec) { s.Outputs = " " }, "outputs"},
		{"parameter", func(s *Spec) { s.Parameters = map[string]string{"1x": "2"} }, "parameter name"},
		{"email", func(s *Spec) { s.Notify.Email = []string{"ana at example"} }, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.edit(&s)
			if err := s.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestSpecRoundTrip(t *testing.T) {
	cron := "0 3 * * *"
	s := Spec{Version: 1, DagID: "smallfry_a", Schedule: &cron, Parameters: map[string]string{"q": `it's "x"`}}
	got, err := ParseSpec(s.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if got.DagID != s.DagID || *got.Schedule != cron || got.Parameters["q"] != s.Parameters["q"] {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"", "{", `{"version": 2}`, `[]`} {
		if _, err := ParseSpec([]byte(bad)); err == nil {
			t.Errorf("ParseSpec(%q) took it", bad)
		}
	}
}

func TestRunFolder(t *testing.T) {
	tests := map[string]string{
		"manual__2026-12-02T06:30:00.123456+00:00": "manual__2026-12-02T06~3A30~3A00.123456~2B00~3A00",
		"scheduled__2026-12-02T03:00:00+00:00":     "scheduled__2026-12-02T03~3A00~3A00~2B00~3A00",
		"../../etc":                                "~2E.~2F..~2Fetc", // one segment: no way up
		"a/b":                                      "a~2Fb",
	}
	for in, want := range tests {
		if got := RunFolder(in); got != want {
			t.Errorf("RunFolder(%q) = %q, want %q", in, got, want)
		}
	}
}
