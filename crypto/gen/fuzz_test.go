package gen

import (
	"strings"
	"testing"
)

// FuzzParseSpec checks that ParseSpec never panics, that every spec it
// accepts has a canonical String that parses back to the same Spec (and
// is a fixed point), that the spec can actually be generated, and that
// errors carry the "gen: " prefix.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"password", "password:32", "password:20:noambiguous:nosymbols",
		"password:16:symbols=!@#%25", "token:hex:32", "token:base64url:32:prefix=wrd_",
		"passphrase:6", "passphrase:5:sep=%20:capitalize:digit", "ssh-ed25519",
		"ssh-ed25519:comment=deploy@web1", "token:32:field=api_key", "password:3", "",
		"password::", "token:hex:hex", "password:symbols=%", "passphrase:sep=%3A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		spec, err := ParseSpec(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "gen: ") {
				t.Fatalf("error without gen: prefix: %q", err)
			}
			return
		}
		if spec != spec.normalized() {
			t.Fatalf("ParseSpec result is not normalized: %+v", spec)
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("parsed spec does not validate: %v", err)
		}
		canon := spec.String()
		again, err := ParseSpec(canon)
		if err != nil {
			t.Fatalf("canonical %q does not parse: %v", canon, err)
		}
		if again != spec {
			t.Fatalf("round trip via %q: %+v != %+v", canon, again, spec)
		}
		if again.String() != canon {
			t.Fatalf("String not canonical: %q then %q", canon, again.String())
		}
		if spec.Bits() <= 0 {
			t.Fatalf("Bits = %v for valid spec", spec.Bits())
		}
		m, err := spec.Generate()
		if err != nil {
			t.Fatalf("Generate for valid spec %q: %v", canon, err)
		}
		for _, name := range spec.Fields() {
			if m[name] == "" {
				t.Fatalf("Generate left field %q empty", name)
			}
		}
	})
}
