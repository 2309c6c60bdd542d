package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func fullSecret() *Secret {
	at := func(sec int64) time.Time { return time.Unix(sec, 123456789).UTC() }
	return &Secret{
		Path: "prod/payments/stripe",
		Meta: Meta{
			Kind: KindAPIKey, Owner: "team-payments", Tags: []string{"pci", "prod"},
			Description: "live key ✓", Usage: []string{"k8s:prod/payments", "ci:github/acme/api"},
			RotateEvery: Duration(90 * 24 * time.Hour), Rotator: "postgres",
			RotatorArgs: map[string]string{"role": "app", "dsn_ref": "prod/db#dsn"},
			Expires:     at(1900000000), Status: StatusCompromised,
		},
		Current: 3,
		Versions: []VersionInfo{
			{N: 1, Created: at(1700000000), Author: "ops@bastion", Action: "set", Fields: []string{"key"}, Purged: true},
			{N: 3, Created: at(1700000900), Action: "rollback to 1", Fields: []string{"key", "note"}},
		},
		Created: at(1700000000), Updated: at(1700000900), Rotated: at(1700000500),
	}
}

func TestSecretRecordRoundTrip(t *testing.T) {
	for _, sc := range []*Secret{fullSecret(), {Path: "a"}} {
		got, err := decodeSecretRecord(encodeSecretRecord(sc))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sc) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, sc)
		}
	}
}

// Records written before the binary form are JSON and must still read the
// same.
func TestJSONRecordsStillRead(t *testing.T) {
	sc := fullSecret()
	old, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSecretRecord(old)
	if err != nil || !reflect.DeepEqual(got, sc) {
		t.Fatalf("JSON secret: %v\n got %+v\nwant %+v", err, got, sc)
	}

	values := map[string]string{"user": "fake-user", "password": "fake-password"}
	old, _ = json.Marshal(struct {
		Fields map[string]string `json:"fields"`
	}{values})
	if got, err := decodeValues(old); err != nil || !reflect.DeepEqual(got, values) {
		t.Fatalf("JSON values: %v %v", err, got)
	}

	e := Entry{Seq: 7, Time: time.Unix(1700000000, 5).UTC(), Actor: "ops@bastion", Action: "get", Path: "prod/db",
		Field: "password", Version: 2, Outcome: "ok", Detail: "via agent"}
	old, _ = json.Marshal(e)
	if got, err := decodeEntry(old); err != nil || got != e {
		t.Fatalf("JSON entry: %v %+v", err, got)
	}
	if got, err := decodeEntry(encodeEntry(e)); err != nil || got != e {
		t.Fatalf("entry round trip: %v %+v", err, got)
	}
}

// A value is bytes: JSON strings could not hold these.
func TestValuesKeepEveryByte(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	raw := "ab\xff\xfe\x00cd\x80"
	if _, err := s.Set(ctx, "prod/der", fields("value", raw), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	_, f, err := s.Get(ctx, "prod/der", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f["value"].Reveal(); got != raw {
		t.Fatalf("value came back as %d other bytes, want the %d bytes set", len(got), len(raw))
	}
}

func TestDecodersRefuseDamage(t *testing.T) {
	good := encodeSecretRecord(fullSecret())
	for i := range good {
		if _, err := decodeSecretRecord(good[:i]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", i, len(good))
		}
	}
	if _, err := decodeSecretRecord(append(good[:len(good):len(good)], 0)); err == nil {
		t.Fatal("a record with a trailing byte decoded")
	}
	// Keys out of order or repeated: refused, so no field is given twice.
	dup := appendString(appendString(appendString(appendString([]byte{valuesFormat, 2}, "b"), "x"), "a"), "y")
	if _, err := decodeValues(dup); err == nil {
		t.Fatal("values with keys out of order decoded")
	}
	if _, err := decodeValues([]byte{valuesFormat, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Fatal("a count beyond the bytes left decoded")
	}
	if _, err := decodeEntry([]byte{secretFormat}); err == nil {
		t.Fatal("an entry with a secret's form byte decoded")
	}
}

func FuzzDecodeSecretRecord(f *testing.F) {
	f.Add(encodeSecretRecord(fullSecret()))
	f.Add(encodeSecretRecord(&Secret{Path: "a"}))
	old, _ := json.Marshal(fullSecret())
	f.Add(old)
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := decodeSecretRecord(b)
		if err != nil {
			return
		}
		if isJSON(b) {
			// Only ward wrote those, with values the binary form holds;
			// odd ones (a negative version) need only not crash it.
			encodeSecretRecord(sc)
			return
		}
		// Whatever decodes must survive a round trip unchanged.
		sc2, err := decodeSecretRecord(encodeSecretRecord(sc))
		if err != nil || !reflect.DeepEqual(sc2, sc) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, sc2, sc)
		}
	})
}

func FuzzDecodeValues(f *testing.F) {
	f.Add(encodeValues(map[string]string{"user": "fake-user", "password": "fake\xffpassword"}))
	f.Add(encodeValues(nil))
	f.Add([]byte(`{"fields":{"a":"b"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeValues(b)
		if err != nil {
			return
		}
		v2, err := decodeValues(encodeValues(v))
		if err != nil || len(v2) != len(v) {
			t.Fatalf("round trip: %v, %d fields, want %d", err, len(v2), len(v))
		}
		for k := range v {
			if v2[k] != v[k] {
				t.Fatalf("round trip changed field %q", k)
			}
		}
	})
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodeEntry(Entry{Seq: 3, Time: time.Unix(1700000000, 1).UTC(), Actor: "a@b", Action: "get", Path: "p/q",
		Field: "f", Version: 2, Outcome: "ok", Detail: "d"}))
	f.Add(encodeEntry(Entry{}))
	f.Add([]byte(`{"seq":1,"time":"2026-01-01T00:00:00Z","actor":"a","action":"set","outcome":"ok"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		if isJSON(b) {
			encodeEntry(e)
			return
		}
		e2, err := decodeEntry(encodeEntry(e))
		if err != nil || e2 != e {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, e2, e)
		}
	})
}

// Metadata a terminal would act on is refused, whichever way it comes in;
// a value may hold any byte.
func TestMetaControlCharactersRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/x", fields("value", "fake\x1b]52;c;Zm9v\a"), SetOptions{}); err != nil {
		t.Fatalf("a value with ESC: %v", err)
	}
	for _, edit := range []func(*Meta){
		func(m *Meta) { m.Description = "rotate \x1b]0;owned\a monthly" },
		func(m *Meta) { m.Owner = "team\u009b31m" },
		func(m *Meta) { m.Tags = []string{"ok", "bad\x00"} },
		func(m *Meta) { m.Usage = []string{"host:\xff"} },
		func(m *Meta) { m.RotatorArgs = map[string]string{"role": "a\nb"} },
		func(m *Meta) { m.Description = "d\u202eevil" },
	} {
		_, err := s.SetMeta(ctx, "prod/x", func(m *Meta) error { edit(m); return nil })
		if !errors.Is(err, ErrBadText) {
			t.Fatalf("want ErrBadText, got %v", err)
		}
	}
	_, err := s.Set(ctx, "prod/y", fields("value", "fake"), SetOptions{Meta: &Meta{Description: "\x1b[2J"}})
	if !errors.Is(err, ErrBadText) {
		t.Fatalf("Set with such metadata: %v", err)
	}
	if _, err := s.SetMeta(ctx, "prod/x", func(m *Meta) error { m.Description = "plain ✓ text"; return nil }); err != nil {
		t.Fatal(err)
	}
}
