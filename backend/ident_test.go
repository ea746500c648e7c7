package backend

import "testing"

func TestIsIdentifier(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"sales", true}, {"_x1", true}, {"Fact_Sales", true}, {"a", true},
		{"", false}, {"1st", false}, {"has space", false}, {"dash-ed", false},
		{"ünï", false}, {"semi;colon", false}, {"quote\"", false}, {"x\x00", false},
	} {
		if got := IsIdentifier(tc.name); got != tc.want {
			t.Errorf("IsIdentifier(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
