package agent

import (
	"fmt"
	"log/slog"

	wcrypto "github.com/opsward/ward/crypto"
)

// Entry is what the agent holds for one store: the store's age identity
// (the text of an AGE-SECRET-KEY-1… line), its unwrapped data key, or both.
// Either may be zero. Every way Go has of printing an Entry shows only
// redaction markers.
type Entry struct {
	Identity wcrypto.Secret
	DataKey  Key
}

// IsZero reports whether e holds nothing.
func (e Entry) IsZero() bool { return e.Identity.IsZero() && e.DataKey.IsZero() }

// Key holds an unwrapped data key. Like wcrypto.Secret it prints as
// wcrypto.Redacted in every format; Reveal is the only way to the key.
type Key struct{ k *wcrypto.Key }

// NewKey wraps a copy of k. A nil k gives the zero Key.
func NewKey(k *wcrypto.Key) Key {
	if k == nil {
		return Key{}
	}
	c := *k
	return Key{k: &c}
}

// Reveal returns the key, or nil for the zero Key. The caller may keep it
// (store.UnlockWithKey does).
func (k Key) Reveal() *wcrypto.Key { return k.k }

// IsZero reports whether k holds no key.
func (k Key) IsZero() bool { return k.k == nil }

func (Key) String() string               { return wcrypto.Redacted }
func (Key) GoString() string             { return wcrypto.Redacted }
func (Key) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(wcrypto.Redacted)) }
func (Key) MarshalJSON() ([]byte, error) { return []byte(`"` + wcrypto.Redacted + `"`), nil }
func (Key) MarshalText() ([]byte, error) { return []byte(wcrypto.Redacted), nil }
func (Key) LogValue() slog.Value         { return slog.StringValue(wcrypto.Redacted) }
