package gen

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	tests := []struct {
		name   string
		o      TokenOptions
		length int
		bits   float64
	}{
		{"defaults", TokenOptions{}, 64, 256},
		{"hex 16", TokenOptions{Bytes: 16, Encoding: EncodingHex}, 32, 128},
		{"base64url 32", TokenOptions{Bytes: 32, Encoding: EncodingBase64URL}, 43, 256},
		{"base64url 1", TokenOptions{Bytes: 1, Encoding: EncodingBase64URL}, 2, 8},
		{"prefix", TokenOptions{Prefix: "wrd_"}, 4 + 64, 256},
		{"prefix base64url", TokenOptions{Bytes: 24, Encoding: EncodingBase64URL, Prefix: "wrd_"}, 4 + 32, 192},
		{"max", TokenOptions{Bytes: MaxTokenBytes}, 2 * MaxTokenBytes, 8 * MaxTokenBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b := tt.o.Bits(); b != tt.bits {
				t.Errorf("Bits = %v, want %v", b, tt.bits)
			}
			seen := map[string]bool{}
			for range 20 {
				tok, err := Token(tt.o)
				if err != nil {
					t.Fatal(err)
				}
				if len(tok) != tt.length {
					t.Fatalf("len = %d, want %d", len(tok), tt.length)
				}
				if !strings.HasPrefix(tok, tt.o.Prefix) {
					t.Fatal("prefix missing")
				}
				body := strings.TrimPrefix(tok, tt.o.Prefix)
				var raw []byte
				if tt.o.Encoding == EncodingBase64URL {
					raw, err = base64.RawURLEncoding.DecodeString(body)
				} else {
					if strings.ToLower(body) != body {
						t.Fatal("hex is not lowercase")
					}
					raw, err = hex.DecodeString(body)
				}
				if err != nil {
					t.Fatalf("decoding: %v", err)
				}
				if want := tt.o.normalized().Bytes; len(raw) != want {
					t.Fatalf("decoded %d bytes, want %d", len(raw), want)
				}
				if tt.bits >= 64 && seen[tok] {
					t.Fatal("repeated token")
				}
				seen[tok] = true
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name string
		o    TokenOptions
		want string
	}{
		{"negative", TokenOptions{Bytes: -1}, "between 1 and"},
		{"too many", TokenOptions{Bytes: MaxTokenBytes + 1}, "between 1 and"},
		{"encoding", TokenOptions{Encoding: "base32"}, "encoding must be"},
		{"padded base64", TokenOptions{Encoding: "base64"}, "encoding must be"},
		{"prefix char", TokenOptions{Prefix: "wrd:"}, "character 4"},
		{"prefix long", TokenOptions{Prefix: strings.Repeat("a", MaxPrefixLength+1)}, "longer than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Token(tt.o)
			if err == nil || !strings.HasPrefix(err.Error(), "gen: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if tt.o.Bits() != 0 || tt.o.Validate() == nil {
				t.Fatal("Bits/Validate accept invalid options")
			}
		})
	}
}

// TestTokenByteDistribution checks 100k random bytes (hex decoded) for
// uniformity: 255 degrees of freedom, mean 255, sd about 23; the bound of
// 450 is over eight deviations out.
func TestTokenByteDistribution(t *testing.T) {
	counts := make([]int, 256)
	for range 100 {
		tok, err := Token(TokenOptions{Bytes: 1000})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := hex.DecodeString(tok)
		for _, b := range raw {
			counts[b]++
		}
	}
	if x := chiSquare(counts); x > 450 {
		t.Errorf("chi-square = %.1f, want <= 450", x)
	}
}

func BenchmarkToken(b *testing.B) {
	for _, enc := range []string{EncodingHex, EncodingBase64URL} {
		b.Run(enc, func(b *testing.B) {
			o := TokenOptions{Bytes: 32, Encoding: enc, Prefix: "wrd_"}
			for b.Loop() {
				if _, err := Token(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
