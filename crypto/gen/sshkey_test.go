package gen

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestSSHKey(t *testing.T) {
	for _, comment := range []string{"", "deploy@web1", "ward key for ops", "clé été"} {
		t.Run(comment, func(t *testing.T) {
			priv, pub, err := SSHKey(comment)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n") ||
				!strings.HasSuffix(priv, "-----END OPENSSH PRIVATE KEY-----\n") {
				t.Fatal("private key is not an OpenSSH PEM block")
			}
			raw, err := ssh.ParseRawPrivateKey([]byte(priv))
			if err != nil {
				t.Fatalf("ParseRawPrivateKey: %v", err)
			}
			var key ed25519.PrivateKey
			switch k := raw.(type) {
			case ed25519.PrivateKey:
				key = k
			case *ed25519.PrivateKey:
				key = *k
			default:
				t.Fatalf("parsed key is %T, want ed25519", raw)
			}

			if strings.Contains(pub, "\n") {
				t.Fatal("public key has a newline")
			}
			parsed, gotComment, _, rest, err := ssh.ParseAuthorizedKey([]byte(pub))
			if err != nil {
				t.Fatalf("ParseAuthorizedKey: %v", err)
			}
			if len(rest) != 0 {
				t.Fatal("public key has trailing data")
			}
			if gotComment != comment {
				t.Fatalf("comment = %q, want %q", gotComment, comment)
			}
			if parsed.Type() != ssh.KeyAlgoED25519 {
				t.Fatalf("type %q", parsed.Type())
			}
			signer, err := ssh.NewSignerFromKey(key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(signer.PublicKey().Marshal(), parsed.Marshal()) {
				t.Fatal("public key does not match private key")
			}
			// And the pair works: a signature from the private key verifies
			// with the public one.
			sig, err := signer.Sign(nil, []byte("ward"))
			if err != nil {
				t.Fatal(err)
			}
			if err := parsed.Verify([]byte("ward"), sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

func TestSSHKeyDistinct(t *testing.T) {
	_, a, err := SSHKey("")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := SSHKey("")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two keys are equal")
	}
}

func TestSSHKeyCommentErrors(t *testing.T) {
	for _, tt := range []struct{ comment, want string }{
		{"a\nb", "byte 2 is not a printable"},
		{"a\rb", "not a printable"},
		{"tab\there", "not a printable"},
		{" lead", "leading or trailing space"},
		{"trail ", "leading or trailing space"},
		{"\xff", "not valid UTF-8"},
		{strings.Repeat("c", MaxSSHCommentLength+1), "longer than 256"},
	} {
		_, _, err := SSHKey(tt.comment)
		if err == nil || !strings.HasPrefix(err.Error(), "gen: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SSHKey(%q) error %v, want one containing %q", tt.comment, err, tt.want)
		}
	}
}
