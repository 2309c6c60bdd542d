package kvtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Weak conversions of request fields, as the real server's framework does
// them (sdk/framework field_data.go: mapstructure.WeakDecode for TypeInt,
// TypeBool, TypeMap and strings, parseutil.ParseDurationSecond for
// durations, a comma-splitting decoder for TypeCommaIntSlice), with the
// same error texts. JSON numbers arrive as json.Number, whose kind is
// string: that is why "1.5" is not an int.

func kindOf(v any) string {
	switch v.(type) {
	case json.Number, string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "slice"
	case map[string]any:
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

func unconvertible(name, want string, v any) error {
	return fmt.Errorf("'%s' expected type '%s', got unconvertible type '%T', value: '%v'", name, want, v, v)
}

// weakInt is WeakDecode into an int.
func weakInt(name string, v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number, string:
		s := fmt.Sprint(x)
		if s == "" {
			s = "0"
		}
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("cannot parse '%s' as int: %w", name, err)
		}
		return int(i), nil
	case int:
		return x, nil
	case float64:
		return int(x), nil
	}
	return 0, unconvertible(name, "int", v)
}

// weakBool is WeakDecode into a bool.
func weakBool(name string, v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case json.Number, string:
		s := fmt.Sprint(x)
		b, err := strconv.ParseBool(s)
		if err != nil && s != "" {
			return false, fmt.Errorf("cannot parse '%s' as bool: %w", name, err)
		}
		return b, nil
	}
	return false, unconvertible(name, "bool", v)
}

// weakString is WeakDecode into a string.
func weakString(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	}
	return "", unconvertible(name, "string", v)
}

// weakMap is WeakDecode into a map[string]interface{}: a map, nil, or
// (weakly) a list of maps merged in order.
func weakMap(name string, v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	case []any:
		out := map[string]any{}
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("'%s[%d]' expected a map, got '%s'", name, i, kindOf(e))
			}
			for k, ev := range m {
				out[k] = ev
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("'%s' expected a map, got '%s'", name, kindOf(v))
}

// weakIntSlice is TypeCommaIntSlice: a list, or a comma-separated string,
// of ints; the element errors are collected as mapstructure.Error does.
func weakIntSlice(v any) ([]int, error) {
	var elems []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		elems = x
	case json.Number, string:
		s := fmt.Sprint(x)
		if s == "" {
			return []int{}, nil
		}
		for _, f := range strings.Split(s, ",") {
			elems = append(elems, f)
		}
	default:
		elems = []any{x}
	}
	out := make([]int, 0, len(elems))
	var errs []string
	for i, e := range elems {
		n, err := weakInt(fmt.Sprintf("[%d]", i), e)
		if err != nil {
			errs = append(errs, "* "+err.Error())
			continue
		}
		out = append(out, n)
	}
	if errs != nil {
		sort.Strings(errs)
		return nil, fmt.Errorf("%d error(s) decoding:\n\n%s", len(errs), strings.Join(errs, "\n"))
	}
	return out, nil
}

// durationSecond is TypeDurationSecond (signed: TypeSignedDurationSecond):
// seconds as a number or a string, a Go duration, or "<n>d"; whole
// seconds.
func durationSecond(v any, signed bool) (time.Duration, error) {
	var d time.Duration
	switch x := v.(type) {
	case nil:
		return 0, nil
	case json.Number, string:
		s := fmt.Sprint(x)
		if s == "" {
			return 0, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			d = time.Duration(n) * time.Second
		} else if num, ok := strings.CutSuffix(s, "d"); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return 0, err
			}
			d = time.Duration(n) * 24 * time.Hour
		} else if d, err = time.ParseDuration(s); err != nil {
			return 0, err
		}
	case int:
		d = time.Duration(x) * time.Second
	default:
		return 0, errors.New("could not parse duration from input")
	}
	secs := int(d.Seconds())
	if !signed && secs < 0 {
		return 0, fmt.Errorf("cannot provide negative value '%d'", secs)
	}
	return time.Duration(secs) * time.Second, nil
}

// fieldErr is the framework's message for a field that does not convert.
func fieldErr(name string, v any, err error) string {
	return fmt.Sprintf("error converting input %v for field %q: %v", v, name, err)
}

// fieldType is a framework field type.
type fieldType int

const (
	ftString fieldType = iota
	ftInt
	ftBool
	ftMap
	ftDuration       // TypeDurationSecond: no negative values
	ftSignedDuration // TypeSignedDurationSecond
	ftCommaInts      // TypeCommaIntSlice
)

// schema is a path's fields, as the framework checks them.
type schema map[string]fieldType

func (sc schema) convert(name string, v any) (any, error) {
	switch sc[name] {
	case ftInt:
		return weakInt("", v)
	case ftBool:
		return weakBool("", v)
	case ftMap:
		return weakMap("", v)
	case ftDuration:
		return durationSecond(v, false)
	case ftSignedDuration:
		return durationSecond(v, true)
	case ftCommaInts:
		return weakIntSlice(v)
	default:
		return weakString("", v)
	}
}

// validate is FieldData.Validate: the first field (in key order; the real
// server walks a map in random order) that does not convert, as a
// message, or "". The framework adds "Field validation failed: " when it
// validates before the handler; for writes to a path with an existence
// check (KV's data/ and metadata/) the check validates first, without it.
func (sc schema) validate(body map[string]any, prefixed bool) string {
	for _, k := range sortedKeys(body) {
		if _, ok := sc[k]; !ok {
			continue
		}
		if _, err := sc.convert(k, body[k]); err != nil {
			msg := fieldErr(k, body[k], err)
			if prefixed {
				msg = "Field validation failed: " + msg
			}
			return msg
		}
	}
	return ""
}

// ignored returns the warning for request fields the path does not know,
// which the framework adds to every response that has a body.
func (sc schema) ignored(body map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(body) {
		if _, ok := sc[k]; !ok {
			out = append(out, k)
		}
	}
	if out == nil {
		return nil
	}
	return []string{fmt.Sprintf("Endpoint ignored these unrecognized parameters: %v", out)}
}

// get converts a field known to be valid.
func (sc schema) get(body map[string]any, name string) (any, bool) {
	raw, ok := body[name]
	if !ok {
		return nil, false
	}
	v, _ := sc.convert(name, raw)
	return v, true
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// index keeps, for every folder ("" or "a/b/"), its children ("x", "y/")
// with the number of keys each one stands for, so a LIST costs the size of
// one folder rather than of the whole mount.
type index map[string]map[string]int

func (ix index) add(key string) { ix.walk(key, 1) }

func (ix index) remove(key string) { ix.walk(key, -1) }

func (ix index) walk(key string, delta int) {
	prefix := ""
	rest := key
	for {
		seg, after, folder := strings.Cut(rest, "/")
		child := seg
		if folder {
			child += "/"
		}
		kids := ix[prefix]
		if kids == nil {
			kids = map[string]int{}
			ix[prefix] = kids
		}
		kids[child] += delta
		if kids[child] <= 0 {
			delete(kids, child)
			if len(kids) == 0 {
				delete(ix, prefix)
			}
		}
		if !folder {
			return
		}
		prefix += child
		rest = after
	}
}

// list returns the sorted children of folder.
func (ix index) list(folder string) []string { return sortedKeys(ix[folder]) }
