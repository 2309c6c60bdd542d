package cli

// Rules this file enforces: a value read from input never appears in an
// error. A bad line is named by its number only (it might be a mistyped
// secret), a bad JSON document by its byte offset.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/jsontext"
	"github.com/opsward/ward/store"
)

// Input formats for set and import.
const (
	formatAuto = ""
	formatRaw  = "raw"
	formatEnv  = "env"
	formatJSON = "json"
	formatWard = "ward"
)

// maxInput bounds what ward reads from stdin or a file: a store value is at
// most store.MaxFieldSize, and an import of many secrets fits in 64 MiB.
const maxInput = 64 << 20

func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, usageErrorf("input is larger than %d bytes", limit)
	}
	return b, nil
}

// stripNewline removes exactly one trailing newline (\n, or \r\n from a
// Windows editor), which `echo` and most editors add and nobody means as
// part of a value.
func stripNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		if n > 1 && b[n-2] == '\r' {
			return b[:n-2]
		}
		return b[:n-1]
	}
	return b
}

// parseEnv reads KEY=VALUE lines as .env files are commonly written
// (docker compose, dotenv): a UTF-8 byte order mark, blank lines, # comment
// lines and an "export " prefix are skipped; spaces around the key and an
// unquoted value are trimmed, and in an unquoted value a # after a space
// starts a comment. A value in single quotes is taken as it is; one in
// double quotes may span lines and knows the escapes \n \r \t \" and
// \\. After a closing quote only a comment may follow. Keys must be valid
// field names.
func parseEnv(b []byte) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.TrimPrefix(string(b), "\ufeff"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1 // the line a key is on, for errors
		t := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(t, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			t = strings.TrimSpace(rest)
		}
		k, v, ok := strings.Cut(t, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("line %d is not KEY=VALUE", n)
		}
		if _, err := store.CleanField(k); err != nil {
			return nil, fmt.Errorf("line %d: the key is not a valid field name (ASCII letters, digits, _ - .)", n)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("line %d repeats a key given earlier", n)
		}
		v = strings.TrimLeft(v, " \t")
		switch {
		case strings.HasPrefix(v, "'"):
			end := strings.IndexByte(v[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("line %d: a single quote that is not closed", n)
			}
			if !commentOnly(v[end+2:]) {
				return nil, fmt.Errorf("line %d: text after the closing quote", n)
			}
			v = v[1 : end+1]
		case strings.HasPrefix(v, `"`):
			val, after, used, err := doubleQuoted(v[1:], lines[i+1:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			if !commentOnly(after) {
				return nil, fmt.Errorf("line %d: text after the closing quote", n)
			}
			i += used
			v = val
		default:
			if j := strings.Index(v, " #"); j >= 0 {
				v = v[:j]
			}
			if j := strings.Index(v, "\t#"); j >= 0 {
				v = v[:j]
			}
			v = strings.TrimRight(v, " \t")
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil, errors.New("no KEY=VALUE lines")
	}
	return out, nil
}

// commentOnly reports whether what follows a closing quote is nothing, or
// a comment.
func commentOnly(s string) bool {
	s = strings.TrimSpace(strings.TrimSuffix(s, "\r"))
	return s == "" || strings.HasPrefix(s, "#")
}

// doubleQuoted reads a double-quoted value that starts with first (the
// opening quote taken off) and may go on over the lines in more; it
// returns the value, what follows the closing quote, and how many of more
// it took.
func doubleQuoted(first string, more []string) (val, after string, used int, err error) {
	var b strings.Builder
	line := first
	for {
		for j := 0; j < len(line); j++ {
			switch c := line[j]; {
			case c == '"':
				return b.String(), line[j+1:], used, nil
			case c == '\\' && j+1 < len(line):
				j++
				switch line[j] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '"', '\\':
					b.WriteByte(line[j])
				default: // not an escape: kept as written
					b.WriteByte('\\')
					b.WriteByte(line[j])
				}
			default:
				b.WriteByte(c)
			}
		}
		if used == len(more) {
			return "", "", 0, errors.New("a double quote that is not closed")
		}
		line = strings.TrimSuffix(more[used], "\r")
		used++
		b.WriteByte('\n')
	}
}

// parseJSONFields reads a JSON object whose values are strings, numbers or
// booleans (a number or a boolean is kept as its JSON text, "5432" or
// "true", as a sync pull keeps one); a nested object, array or null is an
// error.
func parseJSONFields(b []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(b, &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, errors.New("the JSON object has no fields")
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		if _, err := store.CleanField(k); err != nil {
			return nil, errors.New("a key of the JSON object is not a valid field name (ASCII letters, digits, _ - .)")
		}
		var str string
		switch t := bytes.TrimSpace(v); {
		case len(t) > 0 && t[0] == '"':
			if err := json.Unmarshal(t, &str); err != nil {
				return nil, fmt.Errorf("field %q: not a valid JSON string", k)
			}
		case len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')), string(t) == "true", string(t) == "false":
			str = string(t)
		default:
			return nil, fmt.Errorf("field %q: a nested object, array or null (--format raw keeps the whole JSON as one value)", k)
		}
		m[k] = str
	}
	return m, nil
}

// decodeJSON decodes strictly and reports errors by offset, never quoting
// the input.
func decodeJSON(b []byte, v any) error {
	if !utf8.Valid(b) {
		// encoding/json would turn the other bytes into U+FFFD, unseen.
		return errors.New("JSON that is not UTF-8 text (a value of other bytes goes in alone: ward set --binary PATH#FIELD)")
	}
	if at := jsontext.LoneSurrogate(b); at >= 0 {
		// encoding/json would decode it as U+FFFD: a value changed on
		// its way in.
		return fmt.Errorf("JSON with an escaped surrogate that has no partner (at byte %d): it spells no text that can be kept exactly", at)
	}
	if err := noRepeatedKeys(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return fmt.Errorf("JSON of the wrong shape at byte %d: want %s", te.Offset, jsonShape(v))
		default:
			return fmt.Errorf("not valid JSON")
		}
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// noRepeatedKeys fails when an object in b names a key twice:
// encoding/json would keep the last silently, dropping a value (the .env
// reader refuses a repeated key too). Syntax errors are left to the
// decoder.
func noRepeatedKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []*level
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.key = true // the object or array was a value
				}
				stack = append(stack, &level{keys: map[string]bool{}, object: t == '{', key: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return fmt.Errorf("an object repeats a key (at byte %d): a value would be lost", off)
				}
				top.keys[t] = true
				top.key = false
				continue
			}
			if top != nil && top.object {
				top.key = true
			}
		default:
			if top != nil && top.object {
				top.key = true
			}
		}
	}
}

func jsonShape(v any) string {
	switch v.(type) {
	case *map[string]string, *map[string]json.RawMessage:
		return "an object of strings"
	case *map[string]map[string]string:
		return "an object of path -> object of strings"
	}
	return "another shape"
}

// parseFields turns input into fields by format; formatAuto tries a JSON
// object of strings, then KEY=VALUE lines, then takes the input as one raw
// value (returned with ok false).
func parseFields(b []byte, format string) (fields map[string]string, multi bool, err error) {
	switch format {
	case formatRaw:
		return nil, false, nil
	case formatEnv:
		m, err := parseEnv(b)
		return m, true, err
	case formatJSON:
		m, err := parseJSONFields(b)
		return m, true, err
	case formatAuto:
		t := bytes.TrimSpace(b)
		if len(t) > 0 && t[0] == '{' {
			if m, err := parseJSONFields(t); err == nil {
				return m, true, nil
			}
			if !utf8.Valid(t) && json.Valid(bytes.ToValidUTF8(t, []byte("?"))) {
				// A JSON object but for its bytes: stored as one raw
				// value, it would surprise; decoded, it would change.
				return nil, false, errors.New("JSON that is not UTF-8 text (a value of other bytes goes in alone: ward set --binary PATH#FIELD)")
			}
		}
		if looksLikeEnv(b) {
			if m, err := parseEnv(b); err == nil {
				return m, true, nil
			}
		}
		return nil, false, nil
	}
	return nil, false, usageErrorf("unknown --format %q (want raw, env or json)", format)
}

// looksLikeEnv: more than one line, each KEY=VALUE or a comment. One line
// "a=b" stays a raw value: too easily a password with an equals sign.
func looksLikeEnv(b []byte) bool {
	n := 0
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, _, ok := strings.Cut(strings.TrimPrefix(t, "export "), "=")
		if !ok {
			return false
		}
		if _, err := store.CleanField(strings.TrimSpace(k)); err != nil {
			return false
		}
		n++
	}
	return n >= 2
}

func toFields(m map[string]string) store.Fields {
	f := make(store.Fields, len(m))
	for k, v := range m {
		f[k] = wcrypto.NewSecret(v)
	}
	return f
}
