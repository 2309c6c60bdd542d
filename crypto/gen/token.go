package gen

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// Token encodings.
const (
	// EncodingHex is lowercase hexadecimal, 2 characters per byte.
	EncodingHex = "hex"
	// EncodingBase64URL is the URL-safe base64 alphabet of RFC 4648
	// without padding, 4 characters per 3 bytes.
	EncodingBase64URL = "base64url"
)

// Token limits.
const (
	// DefaultTokenBytes is used when TokenOptions.Bytes is 0.
	DefaultTokenBytes = 32
	// MaxTokenBytes is the largest number of random bytes in a token.
	MaxTokenBytes = 4096
	// MaxPrefixLength is the longest TokenOptions.Prefix.
	MaxPrefixLength = 32
)

// TokenOptions configures Token. The zero value asks for 32 random bytes
// in hex and no prefix.
type TokenOptions struct {
	// Bytes is the number of random bytes. 0 means DefaultTokenBytes; at
	// most MaxTokenBytes.
	Bytes int

	// Encoding is EncodingHex or EncodingBase64URL. "" means EncodingHex.
	Encoding string

	// Prefix is prepended verbatim, e.g. "wrd_", so that tokens can be
	// recognised by secret scanners. It adds no entropy. At most
	// MaxPrefixLength characters from A-Z a-z 0-9 _ . -
	Prefix string
}

func (o TokenOptions) normalized() TokenOptions {
	if o.Bytes == 0 {
		o.Bytes = DefaultTokenBytes
	}
	if o.Encoding == "" {
		o.Encoding = EncodingHex
	}
	return o
}

func (o TokenOptions) check() error {
	if o.Bytes < 1 || o.Bytes > MaxTokenBytes {
		return fmt.Errorf("gen: token bytes must be between 1 and %d", MaxTokenBytes)
	}
	if o.Encoding != EncodingHex && o.Encoding != EncodingBase64URL {
		return fmt.Errorf("gen: token encoding must be %q or %q", EncodingHex, EncodingBase64URL)
	}
	if err := checkName("token prefix", o.Prefix, MaxPrefixLength); err != nil {
		return err
	}
	return nil
}

// checkName accepts s if it has at most max bytes, all from
// A-Z a-z 0-9 _ . - and reports problems by position only.
func checkName(what, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("gen: %s is longer than %d characters", what, max)
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return fmt.Errorf("gen: %s character %d is not one of A-Z a-z 0-9 _ . -", what, i+1)
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '-'
}

// Validate reports whether Token would accept o.
func (o TokenOptions) Validate() error {
	return o.normalized().check()
}

// Token returns o.Prefix followed by o.Bytes bytes from crypto/rand in
// the chosen encoding. Its entropy is 8 bits per random byte (see
// TokenOptions.Bits); the encoding neither adds nor removes any.
func Token(o TokenOptions) (string, error) {
	o = o.normalized()
	if err := o.check(); err != nil {
		return "", err
	}
	raw := make([]byte, o.Bytes)
	defer clear(raw)
	if _, err := io.ReadFull(random, raw); err != nil {
		return "", fmt.Errorf("gen: reading random bytes: %w", err)
	}
	var enc []byte
	switch o.Encoding {
	case EncodingHex:
		enc = make([]byte, len(o.Prefix)+hex.EncodedLen(len(raw)))
		copy(enc, o.Prefix)
		hex.Encode(enc[len(o.Prefix):], raw)
	default:
		e := base64.RawURLEncoding
		enc = make([]byte, len(o.Prefix)+e.EncodedLen(len(raw)))
		copy(enc, o.Prefix)
		e.Encode(enc[len(o.Prefix):], raw)
	}
	defer clear(enc)
	return string(enc), nil
}

// Bits returns the entropy in bits of a token generated with o (8 per
// random byte), or 0 if o is invalid.
func (o TokenOptions) Bits() float64 {
	o = o.normalized()
	if o.check() != nil {
		return 0
	}
	return 8 * float64(o.Bytes)
}
