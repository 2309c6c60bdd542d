package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLoneSurrogate(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want int
	}{
		{`{"a":"fake"}`, -1},
		{`{"a":"\ud83d\udd11"}`, -1}, // a pair: 🔑
		{`{"a":"x\ud800"}`, 7},
		{`{"a":"\udc00"}`, 6},
		{`{"a":"\ud800\u0041"}`, 6},
		{`{"a":"\\ud800"}`, -1}, // an escaped backslash, then text
		{`{"a":"\"\ud800"}`, 8},
		{`{"\ud800":"k"}`, 2}, // keys are strings too
		{`"\ud800`, 1},
		{`\ud800`, -1}, // not in a string
	} {
		if got := LoneSurrogate([]byte(c.doc)); got != c.want {
			t.Errorf("%s: %d, want %d", c.doc, got, c.want)
		}
	}
}

// Whenever encoding/json decodes a valid UTF-8 document's strings to
// something other than what they spell, LoneSurrogate has said so.
func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{`{"a":"\ud800"}`, `["\ud83d\udd11","\\u"]`, `"\u00e9\uDBFF\uDFFF"`, `{"k":"v"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		at := LoneSurrogate(doc)
		if at < -1 || at >= len(doc) {
			t.Fatalf("offset %d of %d", at, len(doc))
		}
		if !utf8.Valid(doc) || at >= 0 {
			return
		}
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		// No lone surrogate and valid UTF-8: no U+FFFD may appear that
		// the document did not spell.
		b, _ := json.Marshal(v)
		if strings.Count(string(b), "\uFFFD")+strings.Count(string(b), `\ufffd`) >
			strings.Count(string(doc), "\uFFFD")+strings.Count(strings.ToLower(string(doc)), `\ufffd`) {
			t.Fatalf("decoding %q made a U+FFFD the scan did not see", doc)
		}
	})
}
