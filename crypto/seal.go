package crypto

import (
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrOpen is returned by Open when a ciphertext does not authenticate: it was
// damaged, moved to another place, or sealed under another key.
var ErrOpen = errors.New("record does not authenticate")

// KeySize is the size of every symmetric key ward uses.
const KeySize = chacha20poly1305.KeySize

// Key is a 256-bit symmetric key.
type Key [KeySize]byte

// Seal encrypts plaintext under key, binding it to ad. The result is
// nonce || ciphertext || tag.
func Seal(key *Key, plaintext, ad []byte) []byte {
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		panic("crypto: bad key size") // unreachable: Key has the right size
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic("crypto: no randomness: " + err.Error()) // crypto/rand never fails on supported OSes
	}
	return aead.Seal(out, out, plaintext, ad)
}

// Open decrypts a Seal result. It returns an error wrapping ErrOpen if the
// ciphertext is short, damaged, bound to other associated data, or sealed
// under another key.
func Open(key *Key, sealed, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		panic("crypto: bad key size")
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, ct := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// SealOverhead is how many bytes Seal adds to a plaintext.
const SealOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
