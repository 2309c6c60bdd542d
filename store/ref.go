package store

import (
	"fmt"
	"sort"
	"strings"
)

// MaxPathLen bounds a secret's path.
const MaxPathLen = 512

// CleanPath checks and normalises a secret path: segments of ASCII letters,
// digits and . _ - @ +, separated by single slashes, no leading or trailing
// slash, no "." or ".." segments. Paths map one to one to KV v2 paths.
func CleanPath(p string) (string, error) {
	p = strings.Trim(strings.TrimSpace(p), "/")
	if p == "" {
		return "", fmt.Errorf("empty secret path: %w", ErrBadPath)
	}
	if len(p) > MaxPathLen {
		return "", fmt.Errorf("secret path longer than %d bytes: %w", MaxPathLen, ErrBadPath)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			return "", fmt.Errorf("secret path %q has an empty segment: %w", p, ErrBadPath)
		}
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("secret path %q has a %q segment: %w", p, seg, ErrBadPath)
		}
		for _, r := range seg {
			if !pathRune(r) {
				return "", fmt.Errorf("secret path %q has a character %q not allowed in paths (ASCII letters, digits, . _ - @ + and /): %w", p, r, ErrBadPath)
			}
		}
	}
	return p, nil
}

func pathRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '.' || r == '_' || r == '-' || r == '@' || r == '+'
}

// MaxFieldNameLen bounds a field name.
const MaxFieldNameLen = 128

// CleanField checks a field name: ASCII letters, digits, _ - . only, at
// most MaxFieldNameLen bytes.
func CleanField(f string) (string, error) {
	if f == "" {
		return "", fmt.Errorf("empty field name: %w", ErrBadPath)
	}
	if len(f) > MaxFieldNameLen {
		return "", fmt.Errorf("field name longer than %d bytes: %w", MaxFieldNameLen, ErrBadPath)
	}
	for _, r := range f {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return "", fmt.Errorf("field name %q has a character %q not allowed (ASCII letters, digits, _ - .): %w", f, r, ErrBadPath)
		}
	}
	return f, nil
}

// Ref addresses a secret or one of its fields: "prod/db" or "prod/db#password".
type Ref struct {
	Path  string
	Field string // empty: the field named "value", or the only field
}

// ParseRef parses PATH[#FIELD].
func ParseRef(s string) (Ref, error) {
	path, field, hasField := strings.Cut(s, "#")
	p, err := CleanPath(path)
	if err != nil {
		return Ref{}, err
	}
	r := Ref{Path: p}
	if hasField {
		if r.Field, err = CleanField(field); err != nil {
			return Ref{}, err
		}
	}
	return r, nil
}

func (r Ref) String() string {
	if r.Field == "" {
		return r.Path
	}
	return r.Path + "#" + r.Field
}

// DefaultField is the field a path alone means when a secret has several.
const DefaultField = "value"

// PickField resolves which field a Ref means in fields: the named one; else
// "value"; else the only field. It returns an error wrapping ErrNotFound
// naming the fields there are.
func (r Ref) PickField(names []string) (string, error) {
	if r.Field != "" {
		for _, n := range names {
			if n == r.Field {
				return n, nil
			}
		}
		return "", fmt.Errorf("%s has no field %q (fields: %s): %w", r.Path, r.Field, strings.Join(names, ", "), ErrNotFound)
	}
	for _, n := range names {
		if n == DefaultField {
			return n, nil
		}
	}
	if len(names) == 1 {
		return names[0], nil
	}
	return "", fmt.Errorf("%s has %d fields (%s): name one with %s#FIELD: %w", r.Path, len(names), strings.Join(names, ", "), r.Path, ErrAmbiguousField)
}

func sortStrings(s []string) { sort.Strings(s) }
