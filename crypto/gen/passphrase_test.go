package gen

import (
	"math"
	"sort"
	"strings"
	"testing"
	"unicode"
)

func TestWordList(t *testing.T) {
	words, err := wordList()
	if err != nil {
		t.Fatal(err)
	}
	if len(words) != WordListSize || WordListSize != 1<<12 {
		t.Fatalf("%d words, want %d = 2^12", len(words), WordListSize)
	}
	seen := map[string]bool{}
	for i, w := range words {
		if !validWord(w) {
			t.Errorf("line %d %q: not 3-8 lowercase ASCII letters", i+1, w)
		}
		if seen[w] {
			t.Errorf("line %d %q: duplicate", i+1, w)
		}
		seen[w] = true
	}
	if !sort.StringsAreSorted(words) {
		t.Error("word list is not sorted")
	}
	// The raw file: LF line endings, final newline, no blank lines.
	if !strings.HasSuffix(wordListText, "\n") || strings.Contains(wordListText, "\r") ||
		strings.Contains(wordListText, "\n\n") {
		t.Error("wordlist.txt is not one word per LF-terminated line")
	}
}

func TestValidWord(t *testing.T) {
	for w, ok := range map[string]bool{
		"cat": true, "absolute": true, "ab": false, "absolutes": false,
		"Cat": false, "can't": false, "café": false, "x-ray": false, "": false,
	} {
		if validWord(w) != ok {
			t.Errorf("validWord(%q) = %v", w, !ok)
		}
	}
}

// splitWords returns the runs of letters and digits in s.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func TestPassphrase(t *testing.T) {
	list, _ := wordList()
	inList := map[string]bool{}
	for _, w := range list {
		inList[w] = true
	}
	tests := []struct {
		name string
		o    PassphraseOptions
		n    int
		sep  string
		bits float64
	}{
		{"defaults", PassphraseOptions{}, 6, "-", 72},
		{"one word", PassphraseOptions{Words: 1}, 1, "-", 12},
		{"space", PassphraseOptions{Words: 4, Separator: " "}, 4, " ", 48},
		{"long sep", PassphraseOptions{Words: 3, Separator: " :: "}, 3, " :: ", 36},
		{"capitalize", PassphraseOptions{Words: 5, Capitalize: true}, 5, "-", 60},
		{"digit", PassphraseOptions{Words: 6, Digit: true}, 6, "-", 72 + math.Log2(60)},
		{"all", PassphraseOptions{Words: 8, Separator: ".", Capitalize: true, Digit: true}, 8, ".", 96 + math.Log2(80)},
		{"max", PassphraseOptions{Words: MaxPassphraseWords}, MaxPassphraseWords, "-", 12 * MaxPassphraseWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b := tt.o.Bits(); math.Abs(b-tt.bits) > 1e-9 {
				t.Errorf("Bits = %v, want %v", b, tt.bits)
			}
			for range 50 {
				p, err := Passphrase(tt.o)
				if err != nil {
					t.Fatal(err)
				}
				parts := strings.Split(p, tt.sep)
				if len(parts) != tt.n {
					t.Fatalf("%d words, want %d", len(parts), tt.n)
				}
				digits := 0
				for _, w := range parts {
					if tt.o.Digit && len(w) > 0 && w[len(w)-1] >= '0' && w[len(w)-1] <= '9' {
						w = w[:len(w)-1]
						digits++
					}
					if tt.o.Capitalize {
						if w == "" || w[0] < 'A' || w[0] > 'Z' {
							t.Fatal("word not capitalized")
						}
						w = strings.ToLower(w[:1]) + w[1:]
					}
					if !inList[w] {
						t.Fatal("word not from the list")
					}
				}
				if want := map[bool]int{true: 1, false: 0}[tt.o.Digit]; digits != want {
					t.Fatalf("%d digits, want %d", digits, want)
				}
				if got := len(splitWords(p)); got != tt.n {
					t.Fatalf("words not separable: %d runs, want %d", got, tt.n)
				}
			}
		})
	}
}

func TestPassphraseErrors(t *testing.T) {
	tests := []struct {
		name string
		o    PassphraseOptions
		want string
	}{
		{"negative", PassphraseOptions{Words: -2}, "between 1 and 128"},
		{"too many", PassphraseOptions{Words: MaxPassphraseWords + 1}, "between 1 and 128"},
		{"letter sep", PassphraseOptions{Separator: "-x-"}, "character 2 is a letter"},
		{"digit sep", PassphraseOptions{Separator: "0"}, "letter or digit"},
		{"tab sep", PassphraseOptions{Separator: "\t"}, "not printable"},
		{"long sep", PassphraseOptions{Separator: "---------"}, "longer than 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Passphrase(tt.o)
			if err == nil || !strings.HasPrefix(err.Error(), "gen: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if tt.o.Bits() != 0 || tt.o.Validate() == nil {
				t.Fatal("Bits/Validate accept invalid options")
			}
		})
	}
}

// TestPassphraseDigitPosition checks that the digit lands on every word
// position and takes every value.
func TestPassphraseDigitPosition(t *testing.T) {
	pos := make([]int, 4)
	digits := make([]int, 10)
	for range 4000 {
		p, err := Passphrase(PassphraseOptions{Words: 4, Digit: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range strings.Split(p, "-") {
			if c := w[len(w)-1]; c >= '0' && c <= '9' {
				pos[i]++
				digits[c-'0']++
			}
		}
	}
	// 3 and 9 degrees of freedom; bounds far in the tails.
	if x := chiSquare(pos); x > 40 {
		t.Errorf("digit position chi-square = %.1f (%v)", x, pos)
	}
	if x := chiSquare(digits); x > 60 {
		t.Errorf("digit value chi-square = %.1f (%v)", x, digits)
	}
}

func BenchmarkPassphrase(b *testing.B) {
	for b.Loop() {
		if _, err := Passphrase(PassphraseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
