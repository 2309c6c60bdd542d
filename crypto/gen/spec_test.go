package gen

import (
	"math"
	"strings"
	"testing"
)

var (
	allClasses = PasswordOptions{Length: 24, Lower: true, Upper: true, Digits: true, Symbols: true}
	tokenDef   = TokenOptions{Bytes: 32, Encoding: EncodingHex}
	phraseDef  = PassphraseOptions{Words: 6, Separator: "-"}
)

func withLength(n int) PasswordOptions {
	o := allClasses
	o.Length = n
	return o
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in        string
		want      Spec
		canonical string
	}{
		{"password", Spec{Kind: KindPassword, Field: FieldValue, Password: allClasses}, "password:24"},
		{"password:32", Spec{Kind: KindPassword, Field: FieldValue, Password: withLength(32)}, "password:32"},
		{"password:032", Spec{Kind: KindPassword, Field: FieldValue, Password: withLength(32)}, "password:32"},
		{"password:20:noambiguous:nosymbols", Spec{Kind: KindPassword, Field: FieldValue,
			Password: PasswordOptions{Length: 20, Lower: true, Upper: true, Digits: true, ExcludeAmbiguous: true}},
			"password:20:nosymbols:noambiguous"},
		{"password:nosymbols:noambiguous:20", Spec{Kind: KindPassword, Field: FieldValue,
			Password: PasswordOptions{Length: 20, Lower: true, Upper: true, Digits: true, ExcludeAmbiguous: true}},
			"password:20:nosymbols:noambiguous"},
		{"password:8:nolower:noupper:nosymbols", Spec{Kind: KindPassword, Field: FieldValue,
			Password: PasswordOptions{Length: 8, Digits: true}}, "password:8:nolower:noupper:nosymbols"},
		{"password:16:symbols=!@#%25%3A", Spec{Kind: KindPassword, Field: FieldValue,
			Password: PasswordOptions{Length: 16, Lower: true, Upper: true, Digits: true, Symbols: true, SymbolSet: "!@#%:"}},
			"password:16:symbols=!@#%25%3A"},
		{"password:field=db_password", Spec{Kind: KindPassword, Field: "db_password", Password: allClasses},
			"password:24:field=db_password"},
		{"password:field=value", Spec{Kind: KindPassword, Field: FieldValue, Password: allClasses}, "password:24"},
		{"token", Spec{Kind: KindToken, Field: FieldValue, Token: tokenDef}, "token:hex:32"},
		{"token:hex:32", Spec{Kind: KindToken, Field: FieldValue, Token: tokenDef}, "token:hex:32"},
		{"token:32:hex", Spec{Kind: KindToken, Field: FieldValue, Token: tokenDef}, "token:hex:32"},
		{"token:base64url:32:prefix=wrd_", Spec{Kind: KindToken, Field: FieldValue,
			Token: TokenOptions{Bytes: 32, Encoding: EncodingBase64URL, Prefix: "wrd_"}},
			"token:base64url:32:prefix=wrd_"},
		{"token:16:field=api_key", Spec{Kind: KindToken, Field: "api_key",
			Token: TokenOptions{Bytes: 16, Encoding: EncodingHex}}, "token:hex:16:field=api_key"},
		{"passphrase:6", Spec{Kind: KindPassphrase, Field: FieldValue, Passphrase: phraseDef}, "passphrase:6"},
		{"passphrase", Spec{Kind: KindPassphrase, Field: FieldValue, Passphrase: phraseDef}, "passphrase:6"},
		{"passphrase:digit:5:sep=%20:capitalize", Spec{Kind: KindPassphrase, Field: FieldValue,
			Passphrase: PassphraseOptions{Words: 5, Separator: " ", Capitalize: true, Digit: true}},
			"passphrase:5:sep=%20:capitalize:digit"},
		{"passphrase:sep=.", Spec{Kind: KindPassphrase, Field: FieldValue,
			Passphrase: PassphraseOptions{Words: 6, Separator: "."}}, "passphrase:6:sep=."},
		{"passphrase:sep=-", Spec{Kind: KindPassphrase, Field: FieldValue, Passphrase: phraseDef}, "passphrase:6"},
		{"ssh-ed25519", Spec{Kind: KindSSHEd25519}, "ssh-ed25519"},
		{"ssh-ed25519:comment=deploy@web1", Spec{Kind: KindSSHEd25519, SSHComment: "deploy@web1"},
			"ssh-ed25519:comment=deploy@web1"},
		{"ssh-ed25519:comment=ops%20key%3A%20prod", Spec{Kind: KindSSHEd25519, SSHComment: "ops key: prod"},
			"ssh-ed25519:comment=ops%20key%3A%20prod"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSpec(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("ParseSpec = %+v\nwant          %+v", got, tt.want)
			}
			if s := got.String(); s != tt.canonical {
				t.Fatalf("String = %q, want %q", s, tt.canonical)
			}
			again, err := ParseSpec(got.String())
			if err != nil || again != got {
				t.Fatalf("re-parse of %q = %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "spec is empty"},
		{strings.Repeat("a", MaxSpecLength+1), "longer than 1024"},
		{"pasword:32", "part 1: unknown kind"},
		{"Password:32", "part 1: unknown kind"},
		{":32", "part 1: is empty"},
		{"password:", "part 2: is empty"},
		{"password::32", "part 2: is empty"},
		{"password:0", "part 2: password length must be between 1 and 4096"},
		{"password:4097", "part 2: password length must be between"},
		{"password:99999999999999999999999", "part 2: password length must be between"},
		{"password:20:nosymbolz", "part 3: unknown password option"},
		{"password:20:-5", "part 3: unknown password option"},
		{"password:#", "part 2: is not a known option"},
		{"password:20:30", "part 3: repeats part 2"},
		{"password:noambiguous:noambiguous", "part 3: repeats part 2"},
		{"password:nosymbols=1", "part 2: option takes no value"},
		{"password:symbols", "part 2: option needs a value"},
		{"password:symbols=", "part 2: symbol set is empty"},
		{"password:symbols=!a", "part 2: symbol set byte 2 is a letter"},
		{"password:symbols=%2", "part 2: %-escape at value byte 1 is incomplete"},
		{"password:symbols=%zz", "part 2: %-escape at value byte 1 is not two hex"},
		{"password:nosymbols:symbols=!", "part 3: symbols= conflicts with nosymbols (part 2)"},
		{"password:nolower:noupper:nodigits:nosymbols", "every character class is disabled"},
		{"password:3", "less than the 4 enabled"},
		{"password:noambiguous:symbols=|", "symbol class is empty"},
		{"password:field=", "part 2: field name is empty"},
		{"password:field=a:b", "part 3: unknown password option"},
		{"password:field=a%20b", "part 2: field name character 2"},
		{"token:base32", "part 2: unknown token option"},
		{"token:hex:base64url", "part 3: repeats the encoding given in part 2"},
		{"token:0", "part 2: token bytes must be between 1 and 4096"},
		{"token:prefix=wrd/", "part 2: token prefix character 4"},
		{"token:hex:32:prefix=wrd_:prefix=x", "part 5: repeats part 4"},
		{"passphrase:200", "part 2: passphrase words must be between 1 and 128"},
		{"passphrase:sep=x", "part 2: passphrase separator character 1 is a letter"},
		{"passphrase:sep=", "part 2: separator is empty"},
		{"passphrase:capitalize=yes", "part 2: option takes no value"},
		{"ssh-ed25519:4096", "part 2: unknown ssh-ed25519 option"},
		{"ssh-ed25519:field=k", "part 2: unknown ssh-ed25519 option"},
		{"ssh-ed25519:comment=a%0Ab", "part 2: ssh key comment byte 2 is not a printable"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseSpec(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "gen: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestParseSpecDoesNotEcho makes sure that a secret pasted into a spec by
// mistake does not end up in an error message or log.
func TestParseSpecDoesNotEcho(t *testing.T) {
	const secret = "hunter2Sup3rS3cretValue"
	for _, in := range []string{
		secret,
		"password:" + secret,
		"password:32:" + secret,
		"password:symbols=" + secret,
		"token:prefix=" + secret + "!",
		"token:" + secret + "=" + secret,
		"passphrase:sep=" + secret,
		"ssh-ed25519:comment=" + secret + "%0A",
		"password:field=" + secret + "$",
		"password:symbols=%" + secret,
	} {
		_, err := ParseSpec(in)
		if err == nil {
			t.Fatalf("ParseSpec accepted %q", in)
		}
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(err.Error(), secret[i:i+6]) {
				t.Fatalf("error %q echoes part of the input", err)
			}
		}
	}
}

func TestSpecGenerate(t *testing.T) {
	tests := []struct {
		spec   string
		fields []string
		check  func(t *testing.T, m map[string]string)
	}{
		{"password:32", []string{"value"}, func(t *testing.T, m map[string]string) {
			if len(m["value"]) != 32 {
				t.Errorf("password length %d", len(m["value"]))
			}
		}},
		{"password:20:noambiguous:nosymbols:field=pw", []string{"pw"}, func(t *testing.T, m map[string]string) {
			v := m["pw"]
			if len(v) != 20 || strings.ContainsAny(v, DefaultSymbols+AmbiguousChars) {
				t.Errorf("bad password shape (len %d)", len(v))
			}
		}},
		{"token:hex:16", []string{"value"}, func(t *testing.T, m map[string]string) {
			if len(m["value"]) != 32 {
				t.Errorf("token length %d", len(m["value"]))
			}
		}},
		{"token:base64url:32:prefix=wrd_", []string{"value"}, func(t *testing.T, m map[string]string) {
			if v := m["value"]; len(v) != 47 || !strings.HasPrefix(v, "wrd_") {
				t.Errorf("token shape (len %d)", len(v))
			}
		}},
		{"passphrase:6", []string{"value"}, func(t *testing.T, m map[string]string) {
			if n := len(strings.Split(m["value"], "-")); n != 6 {
				t.Errorf("%d words", n)
			}
		}},
		{"ssh-ed25519:comment=ci", []string{"private_key", "public_key"}, func(t *testing.T, m map[string]string) {
			if !strings.HasPrefix(m["private_key"], "-----BEGIN OPENSSH PRIVATE KEY-----") ||
				!strings.HasPrefix(m["public_key"], "ssh-ed25519 ") || !strings.HasSuffix(m["public_key"], " ci") {
				t.Error("bad ssh key shape")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := ParseSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Fields(); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("Fields = %v, want %v", got, tt.fields)
			}
			m, err := s.Generate()
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != len(tt.fields) {
				t.Fatalf("Generate returned %d fields, want %d", len(m), len(tt.fields))
			}
			tt.check(t, m)
		})
	}
}

func TestSpecBits(t *testing.T) {
	for in, want := range map[string]float64{
		"token:hex:32":                          256,
		"token:base64url:16":                    128,
		"passphrase:6":                          72,
		"passphrase:4:digit":                    48 + math.Log2(40),
		"ssh-ed25519":                           256,
		"password:10:nolower:noupper:nosymbols": 10 * math.Log2(10),
	} {
		s, err := ParseSpec(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Bits(); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: Bits = %v, want %v", in, got, want)
		}
	}
	if b := (Spec{Kind: "nope"}).Bits(); b != 0 {
		t.Errorf("unknown kind Bits = %v", b)
	}
}

// TestSpecHandBuilt covers specs built as struct literals rather than
// parsed: zero options mean defaults, and String still round-trips.
func TestSpecHandBuilt(t *testing.T) {
	for _, s := range []Spec{
		{Kind: KindPassword},
		{Kind: KindPassword, Password: PasswordOptions{Length: 12, Digits: true, SymbolSet: "!"}},
		{Kind: KindToken, Field: "t"},
		{Kind: KindPassphrase, Passphrase: PassphraseOptions{Separator: " "}},
		{Kind: KindSSHEd25519, Field: "ignored"},
	} {
		if err := s.Validate(); err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		p, err := ParseSpec(s.String())
		if err != nil {
			t.Fatalf("%q: %v", s.String(), err)
		}
		if p != s.normalized() {
			t.Fatalf("%q parsed to %+v, want %+v", s.String(), p, s.normalized())
		}
		if _, err := s.Generate(); err != nil {
			t.Fatal(err)
		}
	}
	bad := []Spec{
		{},
		{Kind: "rsa"},
		{Kind: KindToken, Field: "a b"},
		{Kind: KindPassword, Password: PasswordOptions{Length: 2}},
	}
	for _, s := range bad {
		if s.Validate() == nil {
			t.Errorf("Validate accepted %+v", s)
		}
		if _, err := s.Generate(); err == nil {
			t.Errorf("Generate accepted %+v", s)
		}
	}
	if (Spec{Kind: "rsa"}).String() != "" || (Spec{Kind: "rsa"}).Fields() != nil {
		t.Error("unknown kind should give empty String and no Fields")
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, v := range []string{"", "abc", ":%: ", "é\x00\xff", "%25"} {
		got, err := unescape(escape(v))
		if err != nil || got != v {
			t.Errorf("unescape(escape(%q)) = %q, %v", v, got, err)
		}
		if strings.ContainsAny(escape(v), ": ") {
			t.Errorf("escape(%q) = %q contains a separator", v, escape(v))
		}
	}
}
