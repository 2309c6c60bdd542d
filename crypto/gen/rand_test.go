package gen

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// setRandom replaces the package random source for one test.
func setRandom(t *testing.T, r io.Reader) {
	t.Helper()
	old := random
	random = r
	t.Cleanup(func() { random = old })
}

// everyByte yields each byte value 0..255 once per round, rounds times.
func everyByte(rounds int) io.Reader {
	b := make([]byte, 0, 256*rounds)
	for range rounds {
		for v := 0; v < 256; v++ {
			b = append(b, byte(v))
		}
	}
	return bytes.NewReader(b)
}

// TestIntnExact feeds the sampler every byte value exactly twice (the
// buffer size) and checks that the accepted draws cover [0, n) exactly
// evenly: the rejection step leaves no modulo bias.
func TestIntnExact(t *testing.T) {
	for _, n := range []int{2, 3, 10, 26, 62, 90, 94, 255, 256} {
		setRandom(t, everyByte(2))
		var s sampler
		counts := make([]int, n)
		accepted := 2 * (256 - 256%n)
		for range accepted {
			k, err := s.intn(n)
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			counts[k]++
		}
		for k, c := range counts {
			if c != accepted/n {
				t.Fatalf("n=%d: value %d drawn %d times, want %d", n, k, c, accepted/n)
			}
		}
	}
}

func TestIntnMultiByte(t *testing.T) {
	var s sampler
	seen := make([]bool, WordListSize)
	for range 200000 {
		k, err := s.intn(WordListSize)
		if err != nil {
			t.Fatal(err)
		}
		seen[k] = true
	}
	for k, ok := range seen {
		if !ok {
			t.Fatalf("index %d never drawn in 200000 draws", k)
		}
	}
	for _, n := range []int{0, -1, 1<<32 + 1} {
		if _, err := s.intn(n); err == nil {
			t.Errorf("intn(%d) did not fail", n)
		}
	}
	if k, err := s.intn(1 << 32); err != nil || k < 0 {
		t.Errorf("intn(1<<32) = %d, %v", k, err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestRandomFailure(t *testing.T) {
	setRandom(t, failingReader{})
	check := func(name string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "gen: reading random bytes") {
			t.Errorf("%s: error = %v, want a random source error", name, err)
		}
	}
	_, err := Password(PasswordOptions{})
	check("Password", err)
	_, err = Token(TokenOptions{})
	check("Token", err)
	_, err = Passphrase(PassphraseOptions{})
	check("Passphrase", err)
	_, _, err = SSHKey("x")
	check("SSHKey", err)
	spec, _ := ParseSpec("token")
	_, err = spec.Generate()
	check("Spec.Generate", err)
}
