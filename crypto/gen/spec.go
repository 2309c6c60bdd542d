package gen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind names a kind of generated secret; it is the first part of a spec.
type Kind string

// The kinds of secret a Spec can describe.
const (
	KindPassword   Kind = "password"
	KindToken      Kind = "token"
	KindPassphrase Kind = "passphrase"
	KindSSHEd25519 Kind = "ssh-ed25519"
)

// Field names used in the map Spec.Generate returns.
const (
	// FieldValue is the default field of password, token and passphrase
	// specs.
	FieldValue = "value"
	// FieldPrivateKey and FieldPublicKey are the fields of an ssh-ed25519
	// spec: the OpenSSH private key and the authorized_keys line.
	FieldPrivateKey = "private_key"
	FieldPublicKey  = "public_key"
)

// Spec limits.
const (
	// MaxSpecLength is the longest spec string ParseSpec accepts.
	MaxSpecLength = 1024
	// MaxFieldLength is the longest field name.
	MaxFieldLength = 64
)

// Spec describes how to generate one secret. ParseSpec makes one from a
// string; String turns it back into the canonical string. Only the
// options belonging to Kind are used.
type Spec struct {
	Kind Kind

	// Field is the name under which Generate returns a password, token or
	// passphrase; "" means FieldValue. It is not used for ssh-ed25519.
	Field string

	Password   PasswordOptions   // for KindPassword
	Token      TokenOptions      // for KindToken
	Passphrase PassphraseOptions // for KindPassphrase
	SSHComment string            // for KindSSHEd25519
}

// specError reports a problem with part pos (1-based) of a spec. It
// never includes the text of the part, which might be a pasted secret.
func specError(pos int, format string, args ...any) error {
	return fmt.Errorf("gen: spec part %d: %s", pos, fmt.Sprintf(format, args...))
}

// optionError turns an error from an option check into a spec error.
func optionError(pos int, err error) error {
	msg := strings.TrimPrefix(err.Error(), "gen: ")
	if pos == 0 {
		return errors.New("gen: spec: " + msg)
	}
	return specError(pos, "%s", msg)
}

// ParseSpec parses a spec string; the package documentation gives the
// grammar. The result is normalized: defaults are filled in, Field is
// set, and the options are known to be valid, so Generate succeeds
// unless the random source fails. Errors name the offending part by its
// 1-based position and never repeat the spec's text.
func ParseSpec(s string) (Spec, error) {
	if s == "" {
		return Spec{}, errors.New("gen: spec is empty")
	}
	if len(s) > MaxSpecLength {
		return Spec{}, fmt.Errorf("gen: spec is longer than %d bytes", MaxSpecLength)
	}
	parts := strings.Split(s, ":")
	p := &specParser{parts: parts, seen: map[string]int{}}
	for i, part := range parts {
		if part == "" {
			return Spec{}, specError(i+1, "is empty")
		}
	}
	var (
		spec Spec
		err  error
	)
	switch Kind(parts[0]) {
	case KindPassword:
		spec, err = p.password()
	case KindToken:
		spec, err = p.token()
	case KindPassphrase:
		spec, err = p.passphrase()
	case KindSSHEd25519:
		spec, err = p.sshKey()
	default:
		return Spec{}, specError(1, "unknown kind (want password, token, passphrase or ssh-ed25519)")
	}
	if err != nil {
		return Spec{}, err
	}
	if err := spec.Validate(); err != nil {
		return Spec{}, err
	}
	return spec.normalized(), nil
}

type specParser struct {
	parts []string
	seen  map[string]int // option name -> position it was given at
}

// each calls f for every part after the kind with its 1-based position,
// the option name (the part itself, the text before "=", or "#" for a
// number) and the decoded value (after "=", or the number). It rejects
// repeated options.
func (p *specParser) each(f func(pos int, name, value string, hasValue bool) error) error {
	for i, part := range p.parts[1:] {
		pos := i + 2
		name, value, hasValue := strings.Cut(part, "=")
		if isDigits(part) {
			name, value, hasValue = "#", part, true
		} else if name == "#" {
			return specError(pos, "is not a known option")
		}
		if prev, dup := p.seen[name]; dup {
			return specError(pos, "repeats part %d", prev)
		}
		p.seen[name] = pos
		if hasValue && name != "#" {
			v, err := unescape(value)
			if err != nil {
				return specError(pos, "%v", err)
			}
			value = v
		}
		if err := f(pos, name, value, hasValue); err != nil {
			return err
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// number parses a run of digits as a count between lo and hi.
func number(pos int, what, digits string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(digits)
	if err != nil || n < lo || n > hi {
		return 0, specError(pos, "%s must be between %d and %d", what, lo, hi)
	}
	return n, nil
}

func flag(pos int, hasValue bool) error {
	if hasValue {
		return specError(pos, "option takes no value")
	}
	return nil
}

func needValue(pos int, hasValue bool) error {
	if !hasValue {
		return specError(pos, "option needs a value (name=value)")
	}
	return nil
}

func (p *specParser) field(pos int, value string, hasValue bool, spec *Spec) error {
	if err := needValue(pos, hasValue); err != nil {
		return err
	}
	if value == "" {
		return specError(pos, "field name is empty")
	}
	if err := checkName("field name", value, MaxFieldLength); err != nil {
		return optionError(pos, err)
	}
	spec.Field = value
	return nil
}

func (p *specParser) password() (Spec, error) {
	spec := Spec{Kind: KindPassword}
	o := PasswordOptions{Length: DefaultPasswordLength, Lower: true, Upper: true, Digits: true, Symbols: true}
	err := p.each(func(pos int, name, value string, hasValue bool) error {
		switch name {
		case "#":
			n, err := number(pos, "password length", value, 1, MaxPasswordLength)
			o.Length = n
			return err
		case "nolower":
			o.Lower = false
			return flag(pos, hasValue)
		case "noupper":
			o.Upper = false
			return flag(pos, hasValue)
		case "nodigits":
			o.Digits = false
			return flag(pos, hasValue)
		case "nosymbols":
			o.Symbols = false
			return flag(pos, hasValue)
		case "noambiguous":
			o.ExcludeAmbiguous = true
			return flag(pos, hasValue)
		case "symbols":
			if err := needValue(pos, hasValue); err != nil {
				return err
			}
			if value == "" {
				return specError(pos, "symbol set is empty")
			}
			if err := checkSymbolSet(value); err != nil {
				return optionError(pos, err)
			}
			o.SymbolSet = value
			return nil
		case "field":
			return p.field(pos, value, hasValue, &spec)
		}
		return specError(pos, "unknown password option (want a length, nolower, noupper, nodigits, nosymbols, noambiguous, symbols= or field=)")
	})
	if err != nil {
		return Spec{}, err
	}
	if !o.Lower && !o.Upper && !o.Digits && !o.Symbols {
		return Spec{}, errors.New("gen: spec: every character class is disabled")
	}
	if !o.Symbols && o.SymbolSet != "" {
		return Spec{}, specError(p.seen["symbols"], "symbols= conflicts with nosymbols (part %d)", p.seen["nosymbols"])
	}
	spec.Password = o
	return spec, nil
}

func (p *specParser) token() (Spec, error) {
	spec := Spec{Kind: KindToken}
	o := TokenOptions{Bytes: DefaultTokenBytes, Encoding: EncodingHex}
	encPos := 0
	err := p.each(func(pos int, name, value string, hasValue bool) error {
		switch name {
		case "#":
			n, err := number(pos, "token bytes", value, 1, MaxTokenBytes)
			o.Bytes = n
			return err
		case EncodingHex, EncodingBase64URL:
			if encPos != 0 {
				return specError(pos, "repeats the encoding given in part %d", encPos)
			}
			encPos = pos
			o.Encoding = name
			return flag(pos, hasValue)
		case "prefix":
			if err := needValue(pos, hasValue); err != nil {
				return err
			}
			if err := checkName("token prefix", value, MaxPrefixLength); err != nil {
				return optionError(pos, err)
			}
			o.Prefix = value
			return nil
		case "field":
			return p.field(pos, value, hasValue, &spec)
		}
		return specError(pos, "unknown token option (want a byte count, hex, base64url, prefix= or field=)")
	})
	if err != nil {
		return Spec{}, err
	}
	spec.Token = o
	return spec, nil
}

func (p *specParser) passphrase() (Spec, error) {
	spec := Spec{Kind: KindPassphrase}
	o := PassphraseOptions{Words: DefaultPassphraseWords, Separator: DefaultSeparator}
	err := p.each(func(pos int, name, value string, hasValue bool) error {
		switch name {
		case "#":
			n, err := number(pos, "passphrase words", value, 1, MaxPassphraseWords)
			o.Words = n
			return err
		case "capitalize":
			o.Capitalize = true
			return flag(pos, hasValue)
		case "digit":
			o.Digit = true
			return flag(pos, hasValue)
		case "sep":
			if err := needValue(pos, hasValue); err != nil {
				return err
			}
			if value == "" {
				return specError(pos, "separator is empty")
			}
			if err := checkSeparator(value); err != nil {
				return optionError(pos, err)
			}
			o.Separator = value
			return nil
		case "field":
			return p.field(pos, value, hasValue, &spec)
		}
		return specError(pos, "unknown passphrase option (want a word count, capitalize, digit, sep= or field=)")
	})
	if err != nil {
		return Spec{}, err
	}
	spec.Passphrase = o
	return spec, nil
}

func (p *specParser) sshKey() (Spec, error) {
	spec := Spec{Kind: KindSSHEd25519}
	err := p.each(func(pos int, name, value string, hasValue bool) error {
		if name == "comment" {
			if err := needValue(pos, hasValue); err != nil {
				return err
			}
			if err := checkSSHComment(value); err != nil {
				return optionError(pos, err)
			}
			spec.SSHComment = value
			return nil
		}
		return specError(pos, "unknown ssh-ed25519 option (want comment=)")
	})
	if err != nil {
		return Spec{}, err
	}
	return spec, nil
}

// unescape decodes %XX escapes (two hex digits) in an option value.
func unescape(v string) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b.WriteByte(v[i])
			continue
		}
		if i+2 >= len(v) {
			return "", fmt.Errorf("%%-escape at value byte %d is incomplete", i+1)
		}
		hi, ok1 := unhex(v[i+1])
		lo, ok2 := unhex(v[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("%%-escape at value byte %d is not two hex digits", i+1)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// escape percent-encodes the bytes of an option value that cannot appear
// literally in a spec: ':', '%', space, and anything outside printable
// ASCII.
func escape(v string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normalized fills in defaults so that equal specs compare equal.
func (s Spec) normalized() Spec {
	n := Spec{Kind: s.Kind}
	switch s.Kind {
	case KindPassword:
		n.Password = s.Password.normalized()
		if !n.Password.Symbols {
			n.Password.SymbolSet = ""
		}
	case KindToken:
		n.Token = s.Token.normalized()
	case KindPassphrase:
		n.Passphrase = s.Passphrase.normalized()
	case KindSSHEd25519:
		n.SSHComment = s.SSHComment
		return n
	default:
		return s
	}
	n.Field = s.Field
	if n.Field == "" {
		n.Field = FieldValue
	}
	return n
}

// Validate reports whether s describes a secret Generate can make.
func (s Spec) Validate() error {
	s = s.normalized()
	var err error
	switch s.Kind {
	case KindPassword:
		err = s.Password.Validate()
	case KindToken:
		err = s.Token.Validate()
	case KindPassphrase:
		err = s.Passphrase.Validate()
	case KindSSHEd25519:
		err = checkSSHComment(s.SSHComment)
	default:
		return errors.New("gen: spec has an unknown kind")
	}
	if err != nil {
		return optionError(0, err)
	}
	if s.Kind != KindSSHEd25519 {
		if err := checkName("field name", s.Field, MaxFieldLength); err != nil {
			return optionError(0, err)
		}
	}
	return nil
}

// String returns the canonical spec string for s: ParseSpec(s.String())
// yields s with defaults filled in. Defaults other than the length, byte
// count, encoding and word count are left out. It returns "" if s has an
// unknown kind.
func (s Spec) String() string {
	s = s.normalized()
	var parts []string
	switch s.Kind {
	case KindPassword:
		o := s.Password
		parts = append(parts, string(s.Kind), strconv.Itoa(o.Length))
		for _, f := range []struct {
			on   bool
			name string
		}{
			{!o.Lower, "nolower"}, {!o.Upper, "noupper"}, {!o.Digits, "nodigits"},
			{!o.Symbols, "nosymbols"}, {o.ExcludeAmbiguous, "noambiguous"},
		} {
			if f.on {
				parts = append(parts, f.name)
			}
		}
		if o.SymbolSet != "" {
			parts = append(parts, "symbols="+escape(o.SymbolSet))
		}
	case KindToken:
		o := s.Token
		parts = append(parts, string(s.Kind), o.Encoding, strconv.Itoa(o.Bytes))
		if o.Prefix != "" {
			parts = append(parts, "prefix="+escape(o.Prefix))
		}
	case KindPassphrase:
		o := s.Passphrase
		parts = append(parts, string(s.Kind), strconv.Itoa(o.Words))
		if o.Separator != DefaultSeparator {
			parts = append(parts, "sep="+escape(o.Separator))
		}
		if o.Capitalize {
			parts = append(parts, "capitalize")
		}
		if o.Digit {
			parts = append(parts, "digit")
		}
	case KindSSHEd25519:
		parts = append(parts, string(s.Kind))
		if s.SSHComment != "" {
			parts = append(parts, "comment="+escape(s.SSHComment))
		}
		return strings.Join(parts, ":")
	default:
		return ""
	}
	if s.Field != FieldValue {
		parts = append(parts, "field="+escape(s.Field))
	}
	return strings.Join(parts, ":")
}

// Fields returns the names of the fields Generate will return, in a
// stable order.
func (s Spec) Fields() []string {
	s = s.normalized()
	switch s.Kind {
	case KindSSHEd25519:
		return []string{FieldPrivateKey, FieldPublicKey}
	case KindPassword, KindToken, KindPassphrase:
		return []string{s.Field}
	}
	return nil
}

// Bits returns the entropy in bits of a secret generated from s, or 0 if
// s is invalid. For ssh-ed25519 it is the 256 bits of the key seed.
func (s Spec) Bits() float64 {
	if s.Validate() != nil {
		return 0
	}
	switch s.Kind {
	case KindPassword:
		return s.Password.Bits()
	case KindToken:
		return s.Token.Bits()
	case KindPassphrase:
		return s.Passphrase.Bits()
	case KindSSHEd25519:
		return 256
	}
	return 0
}

// Generate makes a new secret as s describes and returns it as field
// name → value: a single field (s.Field, by default FieldValue) for
// password, token and passphrase; FieldPrivateKey and FieldPublicKey for
// ssh-ed25519.
func (s Spec) Generate() (map[string]string, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.normalized()
	var (
		v   string
		err error
	)
	switch s.Kind {
	case KindPassword:
		v, err = Password(s.Password)
	case KindToken:
		v, err = Token(s.Token)
	case KindPassphrase:
		v, err = Passphrase(s.Passphrase)
	case KindSSHEd25519:
		priv, pub, err := SSHKey(s.SSHComment)
		if err != nil {
			return nil, err
		}
		return map[string]string{FieldPrivateKey: priv, FieldPublicKey: pub}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]string{s.Field: v}, nil
}
