package crypto

import (
	"fmt"
	"log/slog"
)

// Redacted is what every printing of a Secret shows.
const Redacted = "[redacted]"

// Secret holds a secret value. Every way Go has of printing or encoding a
// value (fmt verbs, JSON, text, slog) shows Redacted; Reveal is the only way
// to the value.
//
// The value sits behind a pointer: when a Secret is an unexported field of
// some other struct, fmt cannot call its methods and prints the fields by
// reflection, and a pointer below the top level prints as an address, not
// as what it points to. So even %v of a struct that holds Secrets in
// unexported fields shows no value.
type Secret struct{ v *string }

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{v: &v} }

// Reveal returns the value. Every call site is a place a secret leaves
// ward's protection, so keep them few and obvious.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// Len returns the length of the value in bytes.
func (s Secret) Len() int { return len(s.Reveal()) }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

func (Secret) String() string               { return Redacted }
func (Secret) GoString() string             { return Redacted }
func (Secret) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(Redacted)) }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (Secret) LogValue() slog.Value         { return slog.StringValue(Redacted) }
