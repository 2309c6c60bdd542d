package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"
)

// Inside their seals, secrets, version values and audit entries are kept in
// a small binary form, as index heads are (head.go), not in JSON:
//
//   - A value is bytes. JSON strings hold only UTF-8, and encoding/json
//     quietly turned anything else (a DER key, a binary token) into U+FFFD;
//     this form keeps every byte.
//   - A one-secret command (`ward get`) decodes one secret and one version
//     and writes one audit entry. The first use of encoding/json in a
//     process builds its reflection caches: a tenth of a millisecond, a
//     tenth of what the command's own work costs.
//
// The first byte names the form. Records written before it are JSON
// objects, whose first byte is '{', and are still read; they are written
// again in this form when next changed.
//
// The parts, in the order each form lists them:
//
//	string   uvarint length, bytes
//	strings  uvarint count, each a string
//	pairs    uvarint count, each a string key and a string value, keys sorted
//	time     u8 0 (no time) or 1, varint Unix seconds, uvarint nanoseconds
const (
	secretFormat = 2 // path, meta, current, versions, created, updated, rotated
	valuesFormat = 3 // pairs (field name, value)
	entryFormat  = 4 // seq, time, actor, action, path, field, version, outcome, detail
	markFormat   = 5 // the audit tail mark: string base, uvarint folded, string next
)

var errMalformed = errors.New("malformed")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendPairs(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendString(appendString(b, k), m[k])
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// reader takes the parts above off the front of b; after the first
// malformed part, err is set and every later read returns a zero value.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() { r.err, r.b = errMalformed, nil }

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads a uvarint that must fit a non-negative int32.
func (r *reader) int() int {
	v := r.uvarint()
	if v > 1<<31-1 {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bool() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail()
	return false
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a element count; every element takes at least one byte, so a
// count beyond the bytes left is damage, not a reason to allocate.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader) strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

// pairs reads what appendPairs wrote; keys must be strictly increasing, so
// each form has one encoding and no key is given twice.
func (r *reader) pairs() map[string]string {
	n := r.count()
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k, v := r.string(), r.string()
		if r.err != nil {
			return nil
		}
		if i > 0 && k <= prev {
			r.fail()
			return nil
		}
		m[k], prev = v, k
	}
	return m
}

func (r *reader) time() time.Time {
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
	default:
		r.fail()
		return time.Time{}
	}
	sec, ns := r.varint(), r.uvarint()
	// Within years 1 to 9999, as encoding/json could write them.
	if ns >= 1e9 || sec < -62135596800 || sec > 253402300799 {
		r.fail()
		return time.Time{}
	}
	t := time.Unix(sec, int64(ns)).UTC()
	if t.IsZero() {
		// The zero time has its own encoding.
		r.fail()
	}
	return t
}

// done reports whether everything was read, and nothing more is left.
func (r *reader) done() bool { return r.err == nil && len(r.b) == 0 }

func isJSON(b []byte) bool { return len(b) > 0 && b[0] == '{' }

func encodeSecretRecord(sc *Secret) []byte {
	b := make([]byte, 0, 128+len(sc.Path)+len(sc.Meta.Description)+64*len(sc.Versions))
	b = append(b, secretFormat)
	b = appendString(b, sc.Path)
	m := &sc.Meta
	b = appendString(b, string(m.Kind))
	b = appendString(b, m.Owner)
	b = appendStrings(b, m.Tags)
	b = appendString(b, m.Description)
	b = appendStrings(b, m.Usage)
	b = binary.AppendVarint(b, int64(m.RotateEvery))
	b = appendString(b, m.Rotator)
	b = appendPairs(b, m.RotatorArgs)
	b = appendTime(b, m.Expires)
	b = appendString(b, string(m.Status))
	b = binary.AppendUvarint(b, uint64(sc.Current))
	b = binary.AppendUvarint(b, uint64(len(sc.Versions)))
	for _, v := range sc.Versions {
		b = binary.AppendUvarint(b, uint64(v.N))
		b = appendTime(b, v.Created)
		b = appendString(b, v.Author)
		b = appendString(b, v.Action)
		b = appendStrings(b, v.Fields)
		b = appendBool(b, v.Purged)
	}
	b = appendTime(b, sc.Created)
	b = appendTime(b, sc.Updated)
	return appendTime(b, sc.Rotated)
}

func decodeSecretRecord(b []byte) (*Secret, error) {
	var sc Secret
	if isJSON(b) {
		if err := json.Unmarshal(b, &sc); err != nil {
			return nil, errMalformed
		}
		return &sc, nil
	}
	if len(b) == 0 || b[0] != secretFormat {
		return nil, errMalformed
	}
	r := reader{b: b[1:]}
	sc.Path = r.string()
	m := &sc.Meta
	m.Kind = Kind(r.string())
	m.Owner = r.string()
	m.Tags = r.strings()
	m.Description = r.string()
	m.Usage = r.strings()
	m.RotateEvery = Duration(r.varint())
	m.Rotator = r.string()
	m.RotatorArgs = r.pairs()
	m.Expires = r.time()
	m.Status = Status(r.string())
	sc.Current = r.int()
	if n := r.count(); n > 0 {
		sc.Versions = make([]VersionInfo, n)
		for i := range sc.Versions {
			v := &sc.Versions[i]
			v.N = r.int()
			v.Created = r.time()
			v.Author = r.string()
			v.Action = r.string()
			v.Fields = r.strings()
			v.Purged = r.bool()
		}
	}
	sc.Created = r.time()
	sc.Updated = r.time()
	sc.Rotated = r.time()
	if !r.done() {
		return nil, errMalformed
	}
	return &sc, nil
}

// encodeValues writes a version's values: field name to value.
func encodeValues(f map[string]string) []byte {
	n := 8
	for k, v := range f {
		n += 4 + len(k) + len(v)
	}
	return appendPairs(append(make([]byte, 0, n), valuesFormat), f)
}

func decodeValues(b []byte) (map[string]string, error) {
	if isJSON(b) {
		var rec struct {
			Fields map[string]string `json:"fields"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, errMalformed
		}
		return rec.Fields, nil
	}
	if len(b) == 0 || b[0] != valuesFormat {
		return nil, errMalformed
	}
	r := reader{b: b[1:]}
	f := r.pairs()
	if !r.done() {
		return nil, errMalformed
	}
	return f, nil
}

func encodeEntry(e Entry) []byte {
	b := make([]byte, 0, 48+len(e.Actor)+len(e.Action)+len(e.Path)+len(e.Field)+len(e.Outcome)+len(e.Detail))
	b = append(b, entryFormat)
	b = binary.AppendUvarint(b, e.Seq)
	b = appendTime(b, e.Time)
	b = appendString(b, e.Actor)
	b = appendString(b, e.Action)
	b = appendString(b, e.Path)
	b = appendString(b, e.Field)
	b = binary.AppendVarint(b, int64(e.Version))
	b = appendString(b, e.Outcome)
	return appendString(b, e.Detail)
}

func decodeEntry(b []byte) (Entry, error) {
	var e Entry
	if isJSON(b) {
		if err := json.Unmarshal(b, &e); err != nil {
			return Entry{}, errMalformed
		}
		return e, nil
	}
	if len(b) == 0 || b[0] != entryFormat {
		return Entry{}, errMalformed
	}
	r := reader{b: b[1:]}
	e.Seq = r.uvarint()
	e.Time = r.time()
	e.Actor = r.string()
	e.Action = r.string()
	e.Path = r.string()
	e.Field = r.string()
	v := r.varint()
	e.Outcome = r.string()
	e.Detail = r.string()
	if !r.done() || v < -1<<31 || v > 1<<31-1 {
		return Entry{}, errMalformed
	}
	e.Version = int(v)
	return e, nil
}

func encodeMark(m tailMark) []byte {
	b := append(make([]byte, 0, 80), markFormat)
	b = appendString(b, string(m.Base))
	b = binary.AppendUvarint(b, m.Folded)
	return appendString(b, string(m.Next))
}

func decodeMark(b []byte) (tailMark, error) {
	var m tailMark
	if isJSON(b) {
		if err := json.Unmarshal(b, &m); err != nil {
			return tailMark{}, errMalformed
		}
		return m, nil
	}
	if len(b) == 0 || b[0] != markFormat {
		return tailMark{}, errMalformed
	}
	r := reader{b: b[1:]}
	base, folded, next := r.string(), r.uvarint(), r.string()
	if !r.done() {
		return tailMark{}, errMalformed
	}
	if base != "" {
		m.Base = []byte(base)
	}
	if next != "" {
		m.Next = []byte(next)
	}
	m.Folded = folded
	return m, nil
}
