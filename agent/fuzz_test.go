package agent

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeRequest feeds decodeRequest arbitrary bytes. It must never
// panic; what it accepts must be valid, survive an encode/decode round trip
// unchanged, and fit in a frame; what it refuses must not be quoted in the
// error.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"op":"status"}`,
		`{"v":1,"op":"lock"}`,
		`{"v":1,"op":"stop"}`,
		`{"v":1,"op":"get","store_id":"0123456789abcdef0123456789abcdef"}`,
		`{"v":1,"op":"put","store_id":"a","identity":"QUdFLVNFQ1JFVC1LRVktMQ=="}`,
		`{"v":1,"op":"put","store_id":"a","data_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`,
		`{"v":2,"op":"status"}`,
		`{"v":1,"op":"get","store_id":"a","identity":null}`,
		`{"V":1,"OP":"status"}`,
		`{"v":1.0,"op":"status"}`,
		`{"v":1,"op":"status"} `,
		`{}`,
		``,
		`[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRequest(b)
		if err != nil {
			if len(b) >= 8 && strings.Contains(err.Error(), string(b)) {
				t.Fatalf("error quotes the input: %v", err)
			}
			return
		}
		if err := r.validate(); err != nil {
			t.Fatalf("accepted an invalid request: %v", err)
		}
		f := r.frame()
		if int(binary.BigEndian.Uint32(f)) != len(f)-4 {
			t.Fatalf("frame length %d for a %d-byte body", binary.BigEndian.Uint32(f), len(f)-4)
		}
		enc := f[4:]
		if len(enc) > maxFrame && len(b) <= maxFrame {
			t.Fatalf("re-encoding of a %d-byte request is %d bytes", len(b), len(enc))
		}
		r2, err := decodeRequest(enc)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !reflect.DeepEqual(r, r2) || !bytes.Equal(f, r2.frame()) {
			t.Fatalf("round trip changed the request: %+v != %+v", r, r2)
		}
	})
}

// FuzzReadFrame checks the framing layer on arbitrary streams.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x02{}"))
	f.Add([]byte("\xff\xff\xff\xff"))
	f.Add([]byte("\x00\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := readFrame(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(body) == 0 || len(body) > maxFrame || !bytes.Equal(body, b[4:4+len(body)]) {
			t.Fatalf("readFrame returned %d bytes not matching its input", len(body))
		}
	})
}

// FuzzResponseFrame checks the hand-written response encoder against
// encoding/json, which the client decodes with.
func FuzzResponseFrame(f *testing.F) {
	f.Add(true, "", "", []byte("AGE-SECRET-KEY-1X"), []byte{1, 2, 3}, 3, int64(1700000000), "15m0s", 42)
	f.Add(false, codeBadRequest, "store_id has a character outside [A-Za-z0-9._:-] at byte 3", []byte(nil), []byte(nil), 0, int64(0), "", 0)
	f.Add(false, "\x00\"<>&\u2028", "\xff\xfe", []byte{}, []byte{0}, -1, int64(-1), "\t", -7)
	f.Fuzz(func(t *testing.T, ok bool, code, msg string, id, key []byte, stores int, unix int64, idle string, pid int) {
		r := response{V: protoVersion, OK: ok, Error: code, Message: msg, Identity: id, DataKey: key, Stores: stores, IdleTimeout: idle, PID: pid}
		if unix != 0 {
			d := time.Unix(unix%(1<<40), unix%1e9).UTC()
			r.IdleDeadline = &d
		}
		f := r.frame()
		if int(binary.BigEndian.Uint32(f)) != len(f)-4 {
			t.Fatalf("frame length %d for a %d-byte body", binary.BigEndian.Uint32(f), len(f)-4)
		}
		var got response
		if err := json.Unmarshal(f[4:], &got); err != nil {
			t.Fatalf("frame does not decode: %v: %q", err, f[4:])
		}
		// json.Marshal replaces invalid UTF-8, so compare against what
		// encoding/json itself would give back.
		want := r
		for _, s := range []*string{&want.Error, &want.Message, &want.IdleTimeout} {
			b, _ := json.Marshal(*s)
			json.Unmarshal(b, s)
		}
		if len(want.Identity) == 0 && want.Identity != nil {
			want.Identity = nil
			got.Identity = nil
		}
		if len(want.DataKey) == 0 && want.DataKey != nil {
			want.DataKey = nil
			got.DataKey = nil
		}
		if (want.IdleDeadline == nil) != (got.IdleDeadline == nil) ||
			(want.IdleDeadline != nil && !want.IdleDeadline.Equal(*got.IdleDeadline)) {
			t.Fatalf("idle deadline %v != %v", want.IdleDeadline, got.IdleDeadline)
		}
		want.IdleDeadline, got.IdleDeadline = nil, nil
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("round trip: %+v != %+v", got, want)
		}
	})
}
