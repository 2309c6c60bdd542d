package gen

import (
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

// MaxSSHCommentLength is the longest comment SSHKey accepts, in bytes.
const MaxSSHCommentLength = 256

func checkSSHComment(c string) error {
	if len(c) > MaxSSHCommentLength {
		return fmt.Errorf("gen: ssh key comment is longer than %d bytes", MaxSSHCommentLength)
	}
	if !utf8.ValidString(c) {
		return fmt.Errorf("gen: ssh key comment is not valid UTF-8")
	}
	for i, r := range c {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("gen: ssh key comment byte %d is not a printable character", i+1)
		}
	}
	if strings.TrimSpace(c) != c {
		return fmt.Errorf("gen: ssh key comment has leading or trailing space")
	}
	return nil
}

// SSHKey generates an Ed25519 key pair from 32 bytes of crypto/rand
// (256 bits of seed; about 128 bits of security).
//
// private is the OpenSSH private key format ("-----BEGIN OPENSSH PRIVATE
// KEY-----", unencrypted, with comment), ending in a newline. public is
// one authorized_keys line, "ssh-ed25519 AAAA... comment", without a
// trailing newline; with an empty comment it is just "ssh-ed25519 AAAA...".
// The comment may not contain non-printable characters (such as newlines),
// leading or trailing space, or more than MaxSSHCommentLength bytes.
func SSHKey(comment string) (private, public string, err error) {
	if err := checkSSHComment(comment); err != nil {
		return "", "", err
	}
	seed := make([]byte, ed25519.SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(random, seed); err != nil {
		return "", "", fmt.Errorf("gen: reading random bytes: %w", err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	defer clear(key)

	block, err := ssh.MarshalPrivateKey(key, comment)
	if err != nil {
		return "", "", fmt.Errorf("gen: encoding ssh private key: %w", err)
	}
	pemBytes := pem.EncodeToMemory(block)
	clear(block.Bytes)
	private = string(pemBytes)
	clear(pemBytes)

	pub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		return "", "", fmt.Errorf("gen: encoding ssh public key: %w", err)
	}
	public = strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(pub)), "\n")
	if comment != "" {
		public += " " + comment
	}
	return private, public, nil
}
