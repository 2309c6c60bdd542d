package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// The index holds each secret's Head in a small binary form rather than
// JSON: listing and filtering a 100,000-secret store decodes every head, and
// this form decodes in a fraction of the time.
//
//	u8      format (1)
//	uvarint len(path), path
//	uvarint len(kind), kind
//	uvarint len(status), status
//	uvarint len(owner), owner
//	uvarint current version
//	varint  updated, expires, rotate-due (Unix seconds; 0 = none)
const headFormat = 1

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(u int64) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}

func encodeHead(h Head) []byte {
	b := make([]byte, 0, 32+len(h.Path)+len(h.Owner))
	b = append(b, headFormat)
	b = appendString(b, h.Path)
	b = appendString(b, string(h.Kind))
	b = appendString(b, string(h.Status))
	b = appendString(b, h.Owner)
	b = binary.AppendUvarint(b, uint64(h.Current))
	b = binary.AppendVarint(b, unixOrZero(h.Updated))
	b = binary.AppendVarint(b, unixOrZero(h.Expires))
	b = binary.AppendVarint(b, unixOrZero(h.RotateDue))
	return b
}

var errBadHead = errors.New("malformed index entry")

func decodeHead(b []byte) (Head, error) {
	if len(b) == 0 || b[0] != headFormat {
		return Head{}, errBadHead
	}
	r := reader{b: b[1:]}
	var h Head
	h.Path = r.string()
	h.Kind = Kind(r.string())
	h.Status = Status(r.string())
	h.Owner = r.string()
	cur := r.uvarint()
	h.Updated = timeOrZero(r.varint())
	h.Expires = timeOrZero(r.varint())
	h.RotateDue = timeOrZero(r.varint())
	if r.err != nil || len(r.b) != 0 || cur > 1<<31 {
		return Head{}, errBadHead
	}
	h.Current = int(cur)
	return h, nil
}
