package cli

import (
	"strings"
	"testing"

	"github.com/opsward/ward/store"
)

// The parsers of what `ward set` and `ward import` read. Whatever the
// input: no panic; fields only under valid names; an error never quotes
// a value (the canary is only ever a value here).

const fuzzCanary = "CANARY not a real secret (fuzz)" // not a valid field name: errors may quote names

func checkFields(t *testing.T, m map[string]string, err error) {
	t.Helper()
	if err != nil {
		if strings.Contains(err.Error(), fuzzCanary) {
			t.Fatalf("error quotes a value: %v", err)
		}
		return
	}
	for k := range m {
		if _, cerr := store.CleanField(k); cerr != nil {
			t.Fatalf("field %q accepted: %v", k, cerr)
		}
	}
}

func FuzzParseFields(f *testing.F) {
	for _, seed := range []string{
		`{"user":"app","password":"` + fuzzCanary + `"}`,
		`{"user":"u","port":5432,"on":true}`,
		`{"nested":{"a":"` + fuzzCanary + `"}}`,
		"USER=app\nPASSWORD=" + fuzzCanary + "\n# comment\nexport TOKEN='x'\n",
		"\ufeffA = \"multi\nline\\n\" # c\nB=x # c\r\nC='" + fuzzCanary + "'\n",
		"a=b",
		fuzzCanary,
		`{"a":"b"} {"c":"d"}`,
		"",
	} {
		for _, format := range []string{formatAuto, formatRaw, formatEnv, formatJSON} {
			f.Add([]byte(seed), format)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, format string) {
		m, multi, err := parseFields(b, format)
		checkFields(t, m, err)
		if err == nil && multi && len(m) == 0 {
			t.Fatal("several fields promised, none given")
		}
	})
}

func FuzzImportText(f *testing.F) {
	f.Add([]byte(`{"prod/db":{"password":"`+fuzzCanary+`"},"dev/api":{"token":"x"}}`), false)
	f.Add([]byte(`{"prod/db":{}}`), false)
	f.Add([]byte("DB_PASSWORD="+fuzzCanary+"\nAPI_TOKEN=x\n"), true)
	f.Add([]byte("=\n"), true)
	f.Fuzz(func(t *testing.T, b []byte, env bool) {
		var items []store.Item
		var err error
		if env {
			items, err = importEnv(b, "")
		} else {
			items, err = importJSON(b)
		}
		if err != nil {
			if strings.Contains(err.Error(), fuzzCanary) {
				t.Fatalf("error quotes a value: %v", err)
			}
			return
		}
		for _, it := range items {
			if len(it.Fields) == 0 {
				t.Fatalf("%q imported with no fields", it.Path)
			}
		}
	})
}

// FuzzExportDoc: the JSON inside a ward export (the age layer is age's).
func FuzzExportDoc(f *testing.F) {
	f.Add([]byte(`{"format":"ward-export","version":1,"store":"default","exported":"2026-11-25T00:00:00Z","secrets":[{"path":"prod/db","version":2,"fields":{"password":"` + fuzzCanary + `"},"meta":{"kind":"password"},"updated":"2026-11-25T00:00:00Z"}]}`))
	f.Add([]byte(`{"format":"ward-export","version":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var doc exportDoc
		if err := decodeJSON(b, &doc); err != nil && strings.Contains(err.Error(), fuzzCanary) {
			t.Fatalf("error quotes a value: %v", err)
		}
	})
}

func TestNoRepeatedKeys(t *testing.T) {
	for _, c := range []struct {
		in  string
		bad bool
	}{
		{`{"a":"1","b":"2"}`, false},
		{`{"a":"1","a":"2"}`, true},
		{`{"p/x":{"a":"1"},"p/y":{"a":"2"}}`, false},
		{`{"p/x":{"a":"1","a":"2"}}`, true},
		{`{"p/x":{"a":"1"},"p/x":{"b":"2"}}`, true},
		{`{"a":["a","a"],"b":{"a":"x"}}`, false},
		{`{"a":"b","b":"a"}`, false},
		{`not json`, false}, // the decoder reports syntax
	} {
		if err := noRepeatedKeys([]byte(c.in)); (err != nil) != c.bad {
			t.Errorf("%s: %v, want error %v", c.in, err, c.bad)
		}
	}
}
