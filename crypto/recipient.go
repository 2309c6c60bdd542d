package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// ParseRecipient parses an age1… X25519 recipient or an ssh-ed25519 public
// key (authorized_keys format, comment allowed). Other SSH key types are
// refused: ward wants every recipient to be an X25519-strength key.
func ParseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("parse recipient: %v", err)
		}
		return r, nil
	case strings.HasPrefix(s, "ssh-ed25519 "):
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("parse recipient: %v", err)
		}
		return r, nil
	case strings.HasPrefix(s, "ssh-"):
		return nil, fmt.Errorf("parse recipient: only ssh-ed25519 keys are accepted")
	default:
		return nil, fmt.Errorf("parse recipient: want age1… or ssh-ed25519 …")
	}
}

// CanonicalRecipient returns the canonical text of a recipient string: the
// age1… form, or the ssh key without its comment. Two strings naming the same
// key have the same canonical form.
func CanonicalRecipient(s string) (string, error) {
	if _, err := ParseRecipient(s); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "ssh-") {
		f := strings.Fields(s)
		return f[0] + " " + f[1], nil
	}
	return s, nil
}

// Fingerprint returns a short, stable, non-secret name for a recipient:
// the first 12 hex digits of SHA-256 of its canonical form. Recipients are
// public keys, but audit entries and errors name them by fingerprint.
func Fingerprint(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return "rcpt:" + hex.EncodeToString(sum[:6])
}
