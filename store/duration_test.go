package store

import (
	"strings"
	"testing"
	"time"
)

// Rotation intervals: human units, 0 (with or without one) for none, and
// each refusal says what is wrong with it.
func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"0", 0, ""},
		{"0d", 0, ""},
		{"90d", 90 * 24 * time.Hour, ""},
		{"2w", 14 * 24 * time.Hour, ""},
		{"1y", 365 * 24 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1.5d", 0, "whole number of days"},
		{"d", 0, "whole number of days"},
		{"-5d", 0, "cannot be negative"},
		{"-1h", 0, "cannot be negative"},
		{"99999999999d", 0, "longer than 100 years"},
		{"101y", 0, "longer than 100 years"},
		{"1000y", 0, "longer than 100 years"}, // overflowed int64, passing the bound
		{"9999999999999999999h", 0, "longer than 100 years"},
		{"abc", 0, "want e.g. 90d"},
	} {
		got, err := ParseDuration(c.in)
		switch {
		case c.err == "" && (err != nil || time.Duration(got) != c.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseDuration(%q) error %v; want one saying %q", c.in, err, c.err)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	for _, c := range []struct{ in, err string }{
		{"never", ""}, {"", ""}, {"0", ""}, {"2027-01-31", ""}, {"2027-01-31T10:00:00Z", ""},
		{"0001-01-01", "before 1970"}, {"1969-12-31T23:59:59Z", "before 1970"}, {"soon", "want a date"},
	} {
		_, err := ParseExpiry(c.in)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ParseExpiry(%q): %v, want %q", c.in, err, c.err)
		}
	}
}
