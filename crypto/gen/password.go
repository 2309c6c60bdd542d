package gen

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Character classes used by Password.
const (
	// LowerChars is the lowercase class.
	LowerChars = "abcdefghijklmnopqrstuvwxyz"
	// UpperChars is the uppercase class.
	UpperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// DigitChars is the digit class.
	DigitChars = "0123456789"
	// DefaultSymbols is the symbol class used when
	// PasswordOptions.SymbolSet is empty. It leaves out space, both
	// quotes, backquote and backslash, which are awkward to paste into
	// shells, YAML and connection strings.
	DefaultSymbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
	// AmbiguousChars are removed from every class when
	// PasswordOptions.ExcludeAmbiguous is set: characters that are easily
	// confused with one another when read aloud or in common fonts.
	AmbiguousChars = "0Oo1lI|`'\""
)

// Password limits.
const (
	// DefaultPasswordLength is used when PasswordOptions.Length is 0.
	DefaultPasswordLength = 24
	// MaxPasswordLength is the longest password Password generates.
	MaxPasswordLength = 4096
)

// PasswordOptions configures Password. The zero value asks for the
// defaults: 24 characters drawn from all four classes.
type PasswordOptions struct {
	// Length is the number of characters. 0 means DefaultPasswordLength.
	// It must be at least the number of enabled classes and at most
	// MaxPasswordLength.
	Length int

	// Lower, Upper, Digits and Symbols enable character classes. If all
	// four are false, all four are enabled.
	Lower, Upper, Digits, Symbols bool

	// ExcludeAmbiguous removes AmbiguousChars from every class.
	ExcludeAmbiguous bool

	// SymbolSet, if not empty, replaces DefaultSymbols as the symbol class
	// (only used when Symbols is enabled). It must consist of printable
	// ASCII punctuation (no letters, digits, space or control
	// characters); repeated characters count once.
	SymbolSet string
}

// normalized returns o with the defaults filled in.
func (o PasswordOptions) normalized() PasswordOptions {
	if o.Length == 0 {
		o.Length = DefaultPasswordLength
	}
	if !o.Lower && !o.Upper && !o.Digits && !o.Symbols {
		o.Lower, o.Upper, o.Digits, o.Symbols = true, true, true, true
	}
	return o
}

// classes validates o (already normalized) and returns its character
// classes, each a non-empty set of distinct bytes, with no byte in two
// classes.
func (o PasswordOptions) classes() ([]string, error) {
	if o.Length < 0 {
		return nil, errors.New("gen: password length must not be negative")
	}
	if o.Length > MaxPasswordLength {
		return nil, fmt.Errorf("gen: password length must be at most %d", MaxPasswordLength)
	}
	if err := checkSymbolSet(o.SymbolSet); err != nil {
		return nil, err
	}
	var cls []string
	add := func(name, set string) error {
		if o.ExcludeAmbiguous {
			set = removeChars(set, AmbiguousChars)
		}
		set = dedupe(set)
		if set == "" {
			return fmt.Errorf("gen: %s class is empty after removing ambiguous characters", name)
		}
		cls = append(cls, set)
		return nil
	}
	if o.Lower {
		if err := add("lowercase", LowerChars); err != nil {
			return nil, err
		}
	}
	if o.Upper {
		if err := add("uppercase", UpperChars); err != nil {
			return nil, err
		}
	}
	if o.Digits {
		if err := add("digit", DigitChars); err != nil {
			return nil, err
		}
	}
	if o.Symbols {
		set := DefaultSymbols
		if o.SymbolSet != "" {
			set = o.SymbolSet
		}
		if err := add("symbol", set); err != nil {
			return nil, err
		}
	}
	if o.Length < len(cls) {
		return nil, fmt.Errorf("gen: password length %d is less than the %d enabled character classes", o.Length, len(cls))
	}
	return cls, nil
}

// checkSymbolSet reports whether set is acceptable as a symbol class.
// It never echoes the set itself.
func checkSymbolSet(set string) error {
	for i := 0; i < len(set); i++ {
		c := set[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			return fmt.Errorf("gen: symbol set byte %d is not printable ASCII", i+1)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			return fmt.Errorf("gen: symbol set byte %d is a letter or digit, not a symbol", i+1)
		}
	}
	return nil
}

func removeChars(set, drop string) string {
	var b strings.Builder
	for i := 0; i < len(set); i++ {
		if strings.IndexByte(drop, set[i]) < 0 {
			b.WriteByte(set[i])
		}
	}
	return b.String()
}

func dedupe(set string) string {
	var seen [256]bool
	var b strings.Builder
	for i := 0; i < len(set); i++ {
		if !seen[set[i]] {
			seen[set[i]] = true
			b.WriteByte(set[i])
		}
	}
	return b.String()
}

// Validate reports whether Password would accept o.
func (o PasswordOptions) Validate() error {
	_, err := o.normalized().classes()
	return err
}

// maxPasswordAttempts bounds the redraws in Password. The least likely
// valid request (4 classes, one of them a single symbol, length 4) is
// satisfied with probability above 1%, so reaching this bound means the
// random source is broken, not bad luck (probability < 2^-140).
const maxPasswordAttempts = 10000

// Password returns a random password described by o.
//
// Every character is drawn independently and uniformly from the union
// of the enabled classes using rejection sampling over crypto/rand
// bytes. A draw that lacks some enabled class is discarded as a whole
// and drawn again, so the result is uniformly distributed over all
// passwords of the requested length that contain at least one character
// of every enabled class; see PasswordOptions.Bits for its entropy.
func Password(o PasswordOptions) (string, error) {
	o = o.normalized()
	cls, err := o.classes()
	if err != nil {
		return "", err
	}
	alphabet := strings.Join(cls, "")
	var classOf [256]uint8
	for i, c := range cls {
		for j := 0; j < len(c); j++ {
			classOf[c[j]] = uint8(i)
		}
	}
	var s sampler
	defer s.wipe()
	out := make([]byte, o.Length)
	for attempt := 0; attempt < maxPasswordAttempts; attempt++ {
		var seen uint8
		for i := range out {
			k, err := s.intn(len(alphabet))
			if err != nil {
				clear(out)
				return "", err
			}
			out[i] = alphabet[k]
			seen |= 1 << classOf[out[i]]
		}
		if seen == 1<<len(cls)-1 {
			pw := string(out)
			clear(out)
			return pw, nil
		}
	}
	clear(out)
	return "", errors.New("gen: random source failed to satisfy the character class requirement")
}

// Bits returns the entropy in bits of a password generated with o, or 0
// if o is invalid.
//
// Password is uniform over the valid passwords, so this is exactly
// log2 of their number, counted by inclusion-exclusion over the classes
// that might be missing. It is slightly below Length × log2(alphabet
// size), the figure for unconstrained passwords.
func (o PasswordOptions) Bits() float64 {
	o = o.normalized()
	cls, err := o.classes()
	if err != nil {
		return 0
	}
	total := 0
	for _, c := range cls {
		total += len(c)
	}
	// count = sum over subsets S of classes of (-1)^|S| (total - |∪S|)^Length.
	count := new(big.Int)
	term := new(big.Int)
	for mask := 0; mask < 1<<len(cls); mask++ {
		missing, bits := 0, 0
		for i, c := range cls {
			if mask&(1<<i) != 0 {
				missing += len(c)
				bits++
			}
		}
		term.Exp(big.NewInt(int64(total-missing)), big.NewInt(int64(o.Length)), nil)
		if bits%2 == 1 {
			count.Sub(count, term)
		} else {
			count.Add(count, term)
		}
	}
	return log2Big(count)
}

// log2Big returns log2(x) for x > 0, and 0 otherwise.
func log2Big(x *big.Int) float64 {
	if x.Sign() <= 0 {
		return 0
	}
	n := x.BitLen()
	if n <= 64 {
		return math.Log2(float64(x.Uint64()))
	}
	top := new(big.Int).Rsh(x, uint(n-64))
	return math.Log2(float64(top.Uint64())) + float64(n-64)
}
