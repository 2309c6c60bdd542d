package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes human units, including
// days and weeks ("90d", "2w", "12h"), as rotation intervals are spoken of.
type Duration time.Duration

// maxDuration bounds intervals: nothing ward schedules is a century away.
const maxDuration = 100 * 366 * 24 * time.Hour

// ParseDuration parses "90d", "2w", "36h", "1h30m", or "0" (also "0d") for
// none.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var unit time.Duration
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		unit = 7 * 24 * time.Hour
	case strings.HasSuffix(s, "y"):
		unit = 365 * 24 * time.Hour
	}
	tooLong := fmt.Errorf("bad duration %q: longer than 100 years", s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("bad duration %q: an interval cannot be negative", s)
	}
	if unit != 0 {
		digits := s[:len(s)-1]
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return 0, fmt.Errorf("bad duration %q: want a whole number of days, weeks or years (or hours: 36h)", s)
		}
		n, err := strconv.ParseUint(digits, 10, 32)
		if err != nil || n > uint64(maxDuration/unit) { // compared before multiplying: no overflow
			return 0, tooLong
		}
		return Duration(time.Duration(n) * unit), nil // 0d: none, as 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		// time's own units: a number too large for it fails as garbage
		// does, so tell them apart by what was typed.
		if strings.Count(s, ".") <= 1 && strings.Trim(s, "0123456789.hmsuµn") == "" && len(s) > 15 {
			return 0, tooLong
		}
		return 0, fmt.Errorf("bad duration %q: want e.g. 90d, 2w, 36h", s)
	}
	if d > maxDuration {
		return 0, tooLong
	}
	return Duration(d), nil
}

// String prints the largest whole unit that fits.
func (d Duration) String() string {
	t := time.Duration(d)
	switch {
	case t == 0:
		return "0"
	case t%(7*24*time.Hour) == 0:
		return strconv.FormatInt(int64(t/(7*24*time.Hour)), 10) + "w"
	case t%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(t/(24*time.Hour)), 10) + "d"
	case t%time.Hour == 0:
		return strconv.FormatInt(int64(t/time.Hour), 10) + "h"
	default:
		return t.String()
	}
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a string written by MarshalJSON.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseExpiry reads an expiry as ward meta --expires and the TUI form take
// it: a date (2027-01-31, midnight UTC), an RFC 3339 time, or "never", ""
// or "0" for none (the zero time).
func ParseExpiry(s string) (time.Time, error) {
	switch strings.TrimSpace(s) {
	case "never", "", "0":
		return time.Time{}, nil
	}
	s = strings.TrimSpace(s)
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("expiry %q: want a date such as 2027-01-31, an RFC 3339 time, or never", s)
	}
	// 0001-01-01 is how "none" is kept: taken as a date, it cleared the
	// expiry unsaid.
	if t.Year() < 1970 {
		return time.Time{}, fmt.Errorf("expiry %q: before 1970, which no credential has (never clears an expiry)", s)
	}
	return t.UTC(), nil
}

// FormatExpiry writes an expiry so that ParseExpiry reads it back: a date
// when it is midnight UTC, else RFC 3339; "" for none.
func FormatExpiry(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}
