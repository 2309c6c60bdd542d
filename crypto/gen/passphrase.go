package gen

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
)

// wordListText is the word list Passphrase draws from; mkwordlist.sh
// made it. It must hold exactly WordListSize distinct lines of 3 to 8
// lowercase ASCII letters.
//
//go:embed wordlist.txt
var wordListText string

// Passphrase limits.
const (
	// WordListSize is the number of words in the embedded list (2^12), so
	// each word carries exactly 12 bits of entropy.
	WordListSize = 4096
	// DefaultPassphraseWords is used when PassphraseOptions.Words is 0.
	DefaultPassphraseWords = 6
	// MaxPassphraseWords is the most words Passphrase generates.
	MaxPassphraseWords = 128
	// DefaultSeparator is used when PassphraseOptions.Separator is "".
	DefaultSeparator = "-"
	// MaxSeparatorLength is the longest PassphraseOptions.Separator.
	MaxSeparatorLength = 8
)

var wordList = sync.OnceValues(func() ([]string, error) {
	words := strings.Split(strings.TrimSuffix(wordListText, "\n"), "\n")
	if len(words) != WordListSize {
		return nil, fmt.Errorf("gen: embedded word list has %d words, want %d", len(words), WordListSize)
	}
	seen := make(map[string]bool, len(words))
	for i, w := range words {
		if !validWord(w) {
			return nil, fmt.Errorf("gen: embedded word list line %d is not 3-8 lowercase letters", i+1)
		}
		if seen[w] {
			return nil, fmt.Errorf("gen: embedded word list line %d is a duplicate", i+1)
		}
		seen[w] = true
	}
	return words, nil
})

func validWord(w string) bool {
	if len(w) < 3 || len(w) > 8 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// PassphraseOptions configures Passphrase. The zero value asks for six
// lowercase words joined by "-".
type PassphraseOptions struct {
	// Words is the number of words. 0 means DefaultPassphraseWords; at
	// most MaxPassphraseWords.
	Words int

	// Separator goes between words. "" means DefaultSeparator. It may hold
	// up to MaxSeparatorLength printable ASCII characters, including
	// space, but no letters or digits, so that words stay recognisable and
	// the entropy estimate holds.
	Separator string

	// Capitalize upper-cases the first letter of every word. It adds no
	// entropy.
	Capitalize bool

	// Digit appends one random digit to one randomly chosen word, adding
	// log2(10 × Words) bits.
	Digit bool
}

func (o PassphraseOptions) normalized() PassphraseOptions {
	if o.Words == 0 {
		o.Words = DefaultPassphraseWords
	}
	if o.Separator == "" {
		o.Separator = DefaultSeparator
	}
	return o
}

func (o PassphraseOptions) check() error {
	if o.Words < 1 || o.Words > MaxPassphraseWords {
		return fmt.Errorf("gen: passphrase words must be between 1 and %d", MaxPassphraseWords)
	}
	return checkSeparator(o.Separator)
}

func checkSeparator(sep string) error {
	if len(sep) > MaxSeparatorLength {
		return fmt.Errorf("gen: passphrase separator is longer than %d characters", MaxSeparatorLength)
	}
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		switch {
		case c < ' ' || c >= 0x7f:
			return fmt.Errorf("gen: passphrase separator character %d is not printable ASCII", i+1)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			return fmt.Errorf("gen: passphrase separator character %d is a letter or digit", i+1)
		}
	}
	return nil
}

// Validate reports whether Passphrase would accept o.
func (o PassphraseOptions) Validate() error {
	return o.normalized().check()
}

// Passphrase returns o.Words words chosen independently and uniformly
// from the embedded 4096-word list (12 bits each), joined by
// o.Separator. Words may repeat; excluding repeats would lower entropy.
func Passphrase(o PassphraseOptions) (string, error) {
	o = o.normalized()
	if err := o.check(); err != nil {
		return "", err
	}
	list, err := wordList()
	if err != nil {
		return "", err
	}
	var s sampler
	defer s.wipe()
	words := make([]string, o.Words)
	for i := range words {
		k, err := s.intn(len(list))
		if err != nil {
			return "", err
		}
		words[i] = list[k]
		if o.Capitalize {
			words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
		}
	}
	if o.Digit {
		at, err := s.intn(len(words))
		if err != nil {
			return "", err
		}
		d, err := s.intn(10)
		if err != nil {
			return "", err
		}
		words[at] += string(rune('0' + d))
	}
	return strings.Join(words, o.Separator), nil
}

// Bits returns the entropy in bits of a passphrase generated with o, or
// 0 if o is invalid: 12 per word, plus log2(10 × Words) with Digit.
func (o PassphraseOptions) Bits() float64 {
	o = o.normalized()
	if o.check() != nil {
		return 0
	}
	bits := float64(o.Words) * math.Log2(WordListSize)
	if o.Digit {
		bits += math.Log2(10 * float64(o.Words))
	}
	return bits
}
