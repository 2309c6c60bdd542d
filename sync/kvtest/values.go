package kvtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Weak conversions of request fields, as the real server's framework does
// for TypeInt, TypeBool, TypeDurationSecond and TypeCommaIntSlice
// (mapstructure.WeakDecode and parseutil).

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i), nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, err
		}
		return int(f), nil
	case float64:
		return int(x), nil
	case int:
		return x, nil
	case string:
		if x == "" {
			return 0, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(x))
		return i, err
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("cannot convert %T to int", v)
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if x == "" {
			return false, nil
		}
		return strconv.ParseBool(x)
	case json.Number:
		f, err := x.Float64()
		return f != 0, err
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("cannot convert %T to bool", v)
}

// toDurationSecond parses an integer number of seconds or a duration string
// ("90s", "1h30m", "7d").
func toDurationSecond(v any) (time.Duration, error) {
	switch x := v.(type) {
	case json.Number, float64, int:
		n, err := toInt(x)
		return time.Duration(n) * time.Second, err
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return 0, nil
		}
		if n, err := strconv.Atoi(x); err == nil {
			return time.Duration(n) * time.Second, nil
		}
		if strings.HasSuffix(x, "d") {
			n, err := strconv.Atoi(strings.TrimSuffix(x, "d"))
			if err != nil {
				return 0, err
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
		d, err := time.ParseDuration(x)
		return d.Truncate(time.Second), err
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("cannot convert %T to a duration", v)
}

func toIntSlice(v any) ([]int, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]int, 0, len(x))
		for _, e := range x {
			n, err := toInt(e)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case string:
		var out []int
		for _, f := range strings.Split(x, ",") {
			if strings.TrimSpace(f) == "" {
				continue
			}
			n, err := toInt(f)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	default:
		n, err := toInt(x)
		return []int{n}, err
	}
}

// toMetaString converts one custom_metadata value as WeakDecode into a
// string does.
func toMetaString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("'' expected type 'string', got unconvertible type '%T'", v)
}

// fieldErr is the real framework's message for a field of the wrong type.
func fieldErr(name string, v any, err error) string {
	return fmt.Sprintf("error converting input %v for field %q: %v", v, name, err)
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

// list returns the sorted children of folder after `after`, at most limit
// of them when limit > 0 (OpenBao's paginated LIST).
func (ix index) list(folder, after string, limit int) []string {
	keys := sortedKeys(ix[folder])
	if after != "" {
		i := sort.SearchStrings(keys, after)
		if i < len(keys) && keys[i] == after {
			i++
		}
		keys = keys[i:]
	}
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys
}

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
