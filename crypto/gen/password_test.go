package gen

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func classCount(s, set string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			n++
		}
	}
	return n
}

func TestPasswordOptions(t *testing.T) {
	tests := []struct {
		name    string
		o       PasswordOptions
		length  int
		allowed string   // every character must be in here
		need    []string // at least one character from each
	}{
		{"defaults", PasswordOptions{}, 24, LowerChars + UpperChars + DigitChars + DefaultSymbols,
			[]string{LowerChars, UpperChars, DigitChars, DefaultSymbols}},
		{"length only", PasswordOptions{Length: 40}, 40, LowerChars + UpperChars + DigitChars + DefaultSymbols,
			[]string{LowerChars, UpperChars, DigitChars, DefaultSymbols}},
		{"lower only", PasswordOptions{Length: 12, Lower: true}, 12, LowerChars, []string{LowerChars}},
		{"digits only", PasswordOptions{Length: 6, Digits: true}, 6, DigitChars, []string{DigitChars}},
		{"minimum length", PasswordOptions{Length: 4, Lower: true, Upper: true, Digits: true, Symbols: true}, 4,
			LowerChars + UpperChars + DigitChars + DefaultSymbols,
			[]string{LowerChars, UpperChars, DigitChars, DefaultSymbols}},
		{"no symbols", PasswordOptions{Length: 20, Lower: true, Upper: true, Digits: true}, 20,
			LowerChars + UpperChars + DigitChars, []string{LowerChars, UpperChars, DigitChars}},
		{"custom symbols", PasswordOptions{Length: 16, Lower: true, Symbols: true, SymbolSet: "@@#"}, 16,
			LowerChars + "@#", []string{LowerChars, "@#"}},
		{"single symbol", PasswordOptions{Length: 2, Digits: true, Symbols: true, SymbolSet: "!"}, 2,
			DigitChars + "!", []string{DigitChars, "!"}},
		{"no ambiguous", PasswordOptions{Length: 64, ExcludeAmbiguous: true}, 64,
			removeChars(LowerChars+UpperChars+DigitChars+DefaultSymbols, AmbiguousChars),
			[]string{LowerChars, UpperChars, DigitChars, DefaultSymbols}},
		{"max length", PasswordOptions{Length: MaxPasswordLength}, MaxPasswordLength,
			LowerChars + UpperChars + DigitChars + DefaultSymbols,
			[]string{LowerChars, UpperChars, DigitChars, DefaultSymbols}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for range 50 {
				pw, err := Password(tt.o)
				if err != nil {
					t.Fatal(err)
				}
				if len(pw) != tt.length {
					t.Fatalf("len = %d, want %d", len(pw), tt.length)
				}
				if n := classCount(pw, tt.allowed); n != len(pw) {
					t.Fatalf("%d characters outside the allowed set", len(pw)-n)
				}
				for _, set := range tt.need {
					if classCount(pw, set) == 0 {
						t.Fatalf("no character from class %q", set)
					}
				}
			}
		})
	}
}

func TestPasswordErrors(t *testing.T) {
	tests := []struct {
		name string
		o    PasswordOptions
		want string
	}{
		{"negative", PasswordOptions{Length: -1}, "negative"},
		{"too long", PasswordOptions{Length: MaxPasswordLength + 1}, "at most 4096"},
		{"shorter than classes", PasswordOptions{Length: 3}, "less than the 4"},
		{"shorter than two classes", PasswordOptions{Length: 1, Lower: true, Digits: true}, "less than the 2"},
		{"letter in symbol set", PasswordOptions{Symbols: true, SymbolSet: "!a"}, "byte 2 is a letter"},
		{"space in symbol set", PasswordOptions{Symbols: true, SymbolSet: " "}, "byte 1 is not printable"},
		{"non-ascii symbol set", PasswordOptions{Symbols: true, SymbolSet: "é"}, "not printable ASCII"},
		{"ambiguous-only symbols", PasswordOptions{Symbols: true, SymbolSet: "|'", ExcludeAmbiguous: true}, "symbol class is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := Password(tt.o)
			if err == nil {
				t.Fatalf("no error, got %d-char password", len(pw))
			}
			if !strings.HasPrefix(err.Error(), "gen: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.o.Validate() == nil {
				t.Fatal("Validate accepted options Password rejects")
			}
			if b := tt.o.Bits(); b != 0 {
				t.Fatalf("Bits = %v for invalid options, want 0", b)
			}
		})
	}
}

func TestPasswordAmbiguousExcluded(t *testing.T) {
	o := PasswordOptions{Length: 4096, ExcludeAmbiguous: true, Symbols: true, Lower: true, Upper: true, Digits: true,
		SymbolSet: "!|`'\"#"}
	pw, err := Password(o)
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.IndexAny(pw, AmbiguousChars); i >= 0 {
		t.Fatalf("ambiguous character %q in password", pw[i])
	}
}

// chiSquare returns the chi-square statistic of counts against a uniform
// distribution over len(counts) outcomes.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	exp := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		x += d * d / exp
	}
	return x
}

// TestPasswordDistribution checks that 100k characters from the default
// 90-character alphabet are close to uniform. With 89 degrees of freedom
// the statistic has mean 89 and standard deviation about 13; the bound of
// 220 is ten deviations out (false alarm odds below 1e-13), while a
// byte%90 implementation scores about 1600 and a version that skipped a
// single character about 1200.
func TestPasswordDistribution(t *testing.T) {
	alphabet := LowerChars + UpperChars + DigitChars + DefaultSymbols
	counts := make([]int, len(alphabet))
	var index [256]int
	for i := range index {
		index[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		index[alphabet[i]] = i
	}
	const length, n = 200, 500 // 100,000 characters
	for range n {
		pw, err := Password(PasswordOptions{Length: length})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(pw); i++ {
			k := index[pw[i]]
			if k < 0 {
				t.Fatalf("unexpected character %q", pw[i])
			}
			counts[k]++
		}
	}
	for i, c := range counts {
		if c == 0 {
			t.Errorf("character %q never appeared", alphabet[i])
		}
	}
	if x := chiSquare(counts); x > 220 {
		t.Errorf("chi-square = %.1f over %d characters, want <= 220 (distribution looks biased)", x, len(alphabet))
	}
}

// TestPasswordConstraintUniform checks the redraw method at its most
// constrained: length 2 from {digit, symbol "!"} must be one digit and
// one "!", so the 20 valid passwords should be equally likely.
func TestPasswordConstraintUniform(t *testing.T) {
	o := PasswordOptions{Length: 2, Digits: true, Symbols: true, SymbolSet: "!"}
	counts := map[string]int{}
	const n = 20000
	for range n {
		pw, err := Password(o)
		if err != nil {
			t.Fatal(err)
		}
		counts[pw]++
	}
	if len(counts) != 20 {
		t.Fatalf("saw %d distinct passwords, want 20", len(counts))
	}
	c := make([]int, 0, len(counts))
	for _, v := range counts {
		c = append(c, v)
	}
	// 19 degrees of freedom: mean 19, sd about 6.
	if x := chiSquare(c); x > 90 {
		t.Errorf("chi-square = %.1f, want <= 90", x)
	}
}

func TestPasswordBits(t *testing.T) {
	// Unconstrained upper bound and exact value for the default.
	d := PasswordOptions{}.Bits()
	if max := 24 * math.Log2(90); d >= max || d < max-0.5 {
		t.Errorf("default Bits = %.3f, want just under %.3f", d, max)
	}
	if b := (PasswordOptions{Length: 10, Lower: true}).Bits(); math.Abs(b-10*math.Log2(26)) > 1e-9 {
		t.Errorf("single class Bits = %v, want %v", b, 10*math.Log2(26))
	}
	// Exact count by enumeration: length 3 over digits + "!@" with at
	// least one of each.
	o := PasswordOptions{Length: 3, Digits: true, Symbols: true, SymbolSet: "!@"}
	alphabet := DigitChars + "!@"
	valid := 0
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range alphabet {
				s := string([]rune{a, b, c})
				if classCount(s, DigitChars) > 0 && classCount(s, "!@") > 0 {
					valid++
				}
			}
		}
	}
	if b, want := o.Bits(), math.Log2(float64(valid)); math.Abs(b-want) > 1e-9 {
		t.Errorf("Bits = %v, want log2(%d) = %v", b, valid, want)
	}
	// Noambiguous alphabet size, as stated in the package doc.
	na := PasswordOptions{Length: 1000, ExcludeAmbiguous: true}
	if b := na.Bits() / 1000; math.Abs(b-math.Log2(83)) > 0.001 {
		t.Errorf("noambiguous bits/char = %.4f, want log2(83)", b)
	}
	// Large lengths stay finite and monotone.
	if a, b := (PasswordOptions{Length: 4095}).Bits(), (PasswordOptions{Length: 4096}).Bits(); !(b > a) || math.IsInf(b, 0) {
		t.Errorf("Bits(4095) = %v, Bits(4096) = %v", a, b)
	}
}

func BenchmarkPassword(b *testing.B) {
	for _, n := range []int{16, 24, 64} {
		b.Run(fmt.Sprintf("len%d", n), func(b *testing.B) {
			o := PasswordOptions{Length: n}
			for b.Loop() {
				if _, err := Password(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
