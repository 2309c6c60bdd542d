package store

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	wcrypto "github.com/opsward/ward/crypto"
)

// Kind says what sort of credential a secret is.
type Kind string

// The kinds ward knows. Unknown kinds read from a newer store are kept as
// they are.
const (
	KindGeneric     Kind = "generic"
	KindPassword    Kind = "password"
	KindAPIKey      Kind = "api-key"
	KindToken       Kind = "token"
	KindSSHKey      Kind = "ssh-key"
	KindTLSCert     Kind = "tls-cert"
	KindOAuthClient Kind = "oauth-client"
	KindSigningKey  Kind = "signing-key"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindGeneric, KindPassword, KindAPIKey, KindToken, KindSSHKey, KindTLSCert, KindOAuthClient, KindSigningKey}

// Status is where a secret is in its life.
type Status string

// The statuses.
const (
	StatusActive      Status = "active"
	StatusPending     Status = "pending"
	StatusCompromised Status = "compromised"
	StatusRetired     Status = "retired"
)

// Statuses lists every status.
var Statuses = []Status{StatusActive, StatusPending, StatusCompromised, StatusRetired}

// Meta is what ward knows about a secret besides its values.
type Meta struct {
	Kind        Kind     `json:"kind,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Description string   `json:"description,omitempty"`
	// Usage lists where the secret is consumed: "ci:github/acme/api",
	// "k8s:prod/payments", "host:bastion-1".
	Usage []string `json:"usage,omitempty"`
	// RotateEvery is the rotation interval; zero means no policy.
	RotateEvery Duration          `json:"rotate_every,omitempty"`
	Rotator     string            `json:"rotator,omitempty"`
	RotatorArgs map[string]string `json:"rotator_args,omitempty"`
	// Expires is when the credential stops working (a certificate's
	// NotAfter, a token's expiry); zero means unknown or never.
	Expires time.Time `json:"expires,omitzero"`
	Status  Status    `json:"status,omitempty"`
}

// VersionInfo describes one version without its values.
type VersionInfo struct {
	N       int       `json:"n"`
	Created time.Time `json:"created"`
	Author  string    `json:"author,omitempty"` // user@host
	Action  string    `json:"action,omitempty"` // set, gen, rollback, rotate, import, sync...
	Fields  []string  `json:"fields"`
	// Purged is set when the version's values were dropped by the
	// retention limit; its description stays for the history.
	Purged bool `json:"purged,omitempty"`
}

// Secret is a secret's metadata and version list. Its values live in
// versions and are read with Store.Get.
type Secret struct {
	Path     string        `json:"path"`
	Meta     Meta          `json:"meta"`
	Current  int           `json:"current"`
	Versions []VersionInfo `json:"versions"`
	Created  time.Time     `json:"created"`
	Updated  time.Time     `json:"updated"`
	// Rotated is when the values last changed (a new version with other
	// values than the one before; not a rollback), or MarkRotated was
	// called; zero: never since creation.
	Rotated time.Time `json:"rotated,omitzero"`
}

// IsTerminalControl reports what a terminal acts on rather than shows:
// control characters (ESC starts the sequences that retitle a window or
// write the clipboard) and the invisible bidi characters that reorder the
// text around them (U+202E RIGHT-TO-LEFT OVERRIDE makes "evil" show as
// "live"). Text from elsewhere is shown with these escaped.
func IsTerminalControl(r rune) bool {
	return unicode.IsControl(r) || isBidiControl(r)
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// checkText refuses metadata that a terminal showing it would act on:
// text that is not UTF-8, or holds a control character (ESC starts the
// sequences that retitle a window, move the cursor or, with OSC 52, write
// the clipboard). Metadata is shown by ls, show and the TUI, and a sync
// can bring it from a server others write to. Values are exempt: they are
// bytes, printed as they are by get and escaped by the TUI.
func (m *Meta) checkText(path string) error {
	check := func(what, s string) error {
		if !utf8.ValidString(s) {
			return fmt.Errorf("secret %s: its %s is not UTF-8 text: %w", path, what, ErrBadText)
		}
		for _, r := range s {
			if IsTerminalControl(r) {
				return fmt.Errorf("secret %s: its %s holds a control character (U+%04X): %w", path, what, r, ErrBadText)
			}
		}
		return nil
	}
	for _, f := range []struct{ what, s string }{
		{"kind", string(m.Kind)}, {"owner", m.Owner}, {"description", m.Description},
		{"rotator", m.Rotator}, {"status", string(m.Status)},
	} {
		if err := check(f.what, f.s); err != nil {
			return err
		}
	}
	for _, t := range m.Tags {
		if err := check("tag", t); err != nil {
			return err
		}
	}
	for _, u := range m.Usage {
		if err := check("usage", u); err != nil {
			return err
		}
	}
	for k, v := range m.RotatorArgs {
		if err := check("rotator argument", k+v); err != nil {
			return err
		}
	}
	return nil
}

// Version returns the description of version n, or false.
func (s *Secret) Version(n int) (VersionInfo, bool) {
	for _, v := range s.Versions {
		if v.N == n {
			return v, true
		}
	}
	return VersionInfo{}, false
}

// RotationDue returns when the secret is next due for rotation, or the zero
// time if it has no rotation interval.
func (s *Secret) RotationDue() time.Time {
	if s.Meta.RotateEvery <= 0 {
		return time.Time{}
	}
	last := s.Rotated
	if last.IsZero() {
		last = s.Created
	}
	return last.Add(time.Duration(s.Meta.RotateEvery))
}

// Head is the summary of a secret kept in the index: enough to list, filter
// and build the dashboard without opening every full record.
type Head struct {
	Path      string
	Kind      Kind
	Status    Status
	Owner     string
	Current   int
	Updated   time.Time
	Expires   time.Time
	RotateDue time.Time
}

// ExpiringWithin is how far ahead an expiry needs attention.
const ExpiringWithin = 30 * 24 * time.Hour

// Attention is one thing about a secret that needs the operator's
// attention by its dates: Kind is "expired", "expiring" or "overdue" (its
// rotation), Text says it in words ("expires in 3d").
type Attention struct {
	Kind string
	Text string
}

// Attention lists what needs attention about h at now by its expiry and
// rotation dates (its status, such as compromised, is the caller's to
// show). A retired secret needs none.
func (h Head) Attention(now time.Time) []Attention {
	if h.Status == StatusRetired {
		return nil
	}
	var out []Attention
	if !h.Expires.IsZero() {
		switch left := h.Expires.Sub(now); {
		case left <= 0:
			out = append(out, Attention{"expired", "expired"})
		case left <= ExpiringWithin:
			out = append(out, Attention{"expiring", "expires in " + days(left)})
		}
	}
	if !h.RotateDue.IsZero() && !h.RotateDue.After(now) {
		out = append(out, Attention{"overdue", "rotation overdue"})
	}
	return out
}

// days renders a positive duration in whole days, rounding up, so "expires
// in 1d" is never said of something that has three hours left and "0d" is
// never said at all.
func days(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	return fmt.Sprintf("%dd", n)
}

// HeadOf summarises s.
func HeadOf(s *Secret) Head {
	return Head{
		Path:      s.Path,
		Kind:      s.Meta.Kind,
		Status:    s.Meta.Status,
		Owner:     s.Meta.Owner,
		Current:   s.Current,
		Updated:   s.Updated,
		Expires:   s.Meta.Expires,
		RotateDue: s.RotationDue(),
	}
}

// Fields is one version's values, by field name.
type Fields map[string]wcrypto.Secret

// Equal reports whether f and o hold the same fields with the same values.
func (f Fields) Equal(o Fields) bool {
	if len(f) != len(o) {
		return false
	}
	for k, v := range f {
		w, ok := o[k]
		if !ok || !v.Equal(w) {
			return false
		}
	}
	return true
}

// NotTextError is Text's error: the value of Path#Field is bytes that are
// not UTF-8 text.
type NotTextError struct{ Path, Field string }

func (e *NotTextError) Error() string {
	return fmt.Sprintf("%s#%s holds bytes that are not UTF-8 text, which JSON cannot carry unchanged", e.Path, e.Field)
}

// Text returns the values as strings for a format that holds only UTF-8
// text (JSON: an export, --json, a Vault KV secret), or a NotTextError for
// the first field whose value is other bytes (a DER key, say), which such a
// format would silently change. path only names the secret in the error.
func (f Fields) Text(path string) (map[string]string, error) {
	m := make(map[string]string, len(f))
	for _, k := range f.Names() {
		v := f[k].Reveal()
		if !utf8.ValidString(v) {
			return nil, &NotTextError{Path: path, Field: k}
		}
		m[k] = v
	}
	return m, nil
}

// Names returns the field names in sorted order.
func (f Fields) Names() []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sortStrings(names)
	return names
}
