package store

import (
	"strings"
	"testing"
	"time"
)

func FuzzDecodeHead(f *testing.F) {
	f.Add(encodeHead(Head{Path: "prod/db", Kind: KindPassword, Status: StatusActive, Owner: "team-a", Current: 3,
		Updated: time.Unix(1700000000, 0), Expires: time.Unix(1800000000, 0)}))
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHead(b)
		if err != nil {
			return
		}
		// Whatever decodes must survive a round trip unchanged.
		h2, err := decodeHead(encodeHead(h))
		if err != nil || h2 != h {
			t.Fatalf("round trip: %v %+v != %+v", err, h2, h)
		}
	})
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"prod/db", "prod/db#password", "a/../b", "/x/", "x#", "#y", "a//b", "ü/b", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		if strings.Contains(r.Path, "//") || strings.HasPrefix(r.Path, "/") || strings.HasSuffix(r.Path, "/") {
			t.Fatalf("accepted unclean path %q", r.Path)
		}
		for _, seg := range strings.Split(r.Path, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("accepted dot segment in %q", r.Path)
			}
		}
		r2, err := ParseRef(r.String())
		if err != nil || r2 != r {
			t.Fatalf("re-parse of %q: %v %+v", r.String(), err, r2)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90d", "2w", "1y", "36h", "1h30m", "0", "", "-1d", "99999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("negative duration from %q", s)
		}
		d2, err := ParseDuration(d.String())
		if err != nil || d2 != d {
			t.Fatalf("round trip of %q: %v %v != %v", s, err, d2, d)
		}
	})
}

func TestDurationString(t *testing.T) {
	for in, want := range map[string]string{"90d": "90d", "2w": "2w", "36h": "36h", "48h": "2d", "1h30m": "1h30m0s", "0": "0"} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v %q, want %q", in, err, d.String(), want)
		}
	}
}
