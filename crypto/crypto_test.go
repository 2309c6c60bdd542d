package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

const canary = "CANARY-not-a-real-secret-c0ffee"

func TestSecretRedactsEverywhere(t *testing.T) {
	s := NewSecret(canary)
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		out = append(out, fmt.Sprintf(verb, s))
		out = append(out, fmt.Sprintf(verb, struct{ S Secret }{s}))
		out = append(out, fmt.Sprintf(verb, &s))
		// Unexported fields: fmt cannot call the methods there.
		out = append(out, fmt.Sprintf(verb, struct{ s Secret }{s}))
		out = append(out, fmt.Sprintf(verb, struct{ m map[string]Secret }{map[string]Secret{"k": s}}))
		out = append(out, fmt.Sprintf(verb, []struct{ s Secret }{{s}}))
	}
	j, _ := json.Marshal(map[string]any{"s": s, "p": &s})
	out = append(out, string(j))
	txt, _ := s.MarshalText()
	out = append(out, string(txt))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s)
	out = append(out, buf.String())
	for _, o := range out {
		if strings.Contains(o, canary) || strings.Contains(o, fmt.Sprintf("%x", canary)) {
			t.Fatalf("leaked: %s", o)
		}
	}
	if s.Reveal() != canary {
		t.Fatal("Reveal lost the value")
	}
}

func TestSealBindsAssociatedData(t *testing.T) {
	k := NewDataKey()
	ct := Seal(k, []byte("fake-plaintext"), []byte("place-a"))
	if pt, err := Open(k, ct, []byte("place-a")); err != nil || string(pt) != "fake-plaintext" {
		t.Fatalf("open: %v", err)
	}
	if _, err := Open(k, ct, []byte("place-b")); !errors.Is(err, ErrOpen) {
		t.Fatalf("moved ciphertext opened: %v", err)
	}
	if _, err := Open(NewDataKey(), ct, []byte("place-a")); !errors.Is(err, ErrOpen) {
		t.Fatalf("other key opened: %v", err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x40
		if _, err := Open(k, bad, []byte("place-a")); err == nil {
			t.Fatalf("flipped byte %d went unnoticed", i)
		}
	}
	if _, err := Open(k, ct[:10], nil); !errors.Is(err, ErrOpen) {
		t.Fatal("short ciphertext accepted")
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	k := NewDataKey()
	ks := NewKeys(k)
	if *ks.Record == *ks.Index || *ks.Index == *ks.Audit || *ks.Record == *k {
		t.Fatal("purpose keys collide")
	}
	// Known answer: the derivation is part of the store format and must
	// never change.
	var zero Key
	got := fmt.Sprintf("%x", Derive(&zero, PurposeRecord)[:8])
	if got != knownRecordKey {
		t.Fatalf("derivation changed: %s", got)
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	a, b := NewIdentity(), NewIdentity()
	dk := NewDataKey()
	env, err := WrapDataKey(dk, []age.Recipient{a.Recipient(), b.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []age.Identity{a, b} {
		got, err := UnwrapDataKey(env, id)
		if err != nil || *got != *dk {
			t.Fatalf("unwrap: %v", err)
		}
	}
	if _, err := UnwrapDataKey(env, NewIdentity()); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("stranger unwrapped: %v", err)
	}
	if _, err := UnwrapDataKey(env[:len(env)-3], a); err == nil || errors.Is(err, ErrWrongKey) {
		t.Fatalf("truncated envelope: %v", err)
	}
}

func TestIdentityFile(t *testing.T) {
	id := NewIdentity()
	enc, err := EncryptIdentity(id, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte(id.String())) {
		t.Fatal("identity in clear")
	}
	got, err := DecryptIdentity(enc, "correct horse")
	if err != nil || got.String() != id.String() {
		t.Fatalf("decrypt: %v", err)
	}
	if _, err := DecryptIdentity(enc, "wrong"); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "id.age")
	if err := WriteFileAtomic(f, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(f)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	ids, err := ReadIdentityFile(f, func() (string, error) { return "correct horse", nil })
	if err != nil || len(ids) != 1 {
		t.Fatalf("read: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp file left behind: %v", ents)
	}
}

// A damaged passphrase-protected identity file is said before the
// passphrase is asked, and the error quotes none of its bytes (age's own
// message quoted a header line, control bytes and all).
func TestDamagedIdentityFileHeader(t *testing.T) {
	enc, err := EncryptIdentity(NewIdentity(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(enc, []byte("-> scrypt "), []byte("-> scr\x1b[2Jypt "), 1)
	asked := false
	_, err = ParseIdentities("id.age", bad, func() (string, error) { asked = true; return "correct horse", nil })
	if err == nil || !strings.Contains(err.Error(), "id.age: damaged identity file: its age header does not parse") {
		t.Fatalf("got %v", err)
	}
	if asked {
		t.Error("the passphrase was asked for a file that cannot be opened")
	}
	if strings.ContainsRune(err.Error(), 0x1b) || strings.Contains(err.Error(), "scr") {
		t.Errorf("the error quotes the file: %q", err)
	}
}

func TestParseIdentitiesReportsLineNotContent(t *testing.T) {
	text := "# comment\n" + NewIdentity().String() + "\n" + canary + "\n"
	_, err := ParseIdentities("ids.txt", []byte(text), nil)
	if err == nil || !strings.Contains(err.Error(), "line 3") || strings.Contains(err.Error(), canary) {
		t.Fatalf("got %v", err)
	}
}

func TestParseRecipient(t *testing.T) {
	id := NewIdentity()
	for _, s := range []string{
		id.Recipient().String(),
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN user@host",
	} {
		if _, err := ParseRecipient(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "age1xyz", "ssh-rsa AAAAB3NzaC1yc2E", "hello"} {
		if _, err := ParseRecipient(s); err == nil {
			t.Fatalf("accepted %q", s)
		}
	}
	c1, _ := CanonicalRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN a")
	c2, _ := CanonicalRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN b")
	if c1 != c2 || Fingerprint(c1) != Fingerprint(c2) {
		t.Fatal("same key, different canonical forms")
	}
}

func FuzzParseIdentities(f *testing.F) {
	f.Add([]byte(NewIdentity().String() + "\n"))
	f.Add([]byte("# c\n\n"))
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ids, err := ParseIdentities("f", b, func() (string, error) { return "x", nil })
		if err == nil && len(ids) == 0 {
			t.Fatal("no error and no identities")
		}
		if err != nil && len(b) > 20 && strings.Contains(err.Error(), string(b)) {
			t.Fatal("error echoes the input")
		}
	})
}

func FuzzUnwrapDataKey(f *testing.F) {
	id := NewIdentity()
	env, _ := WrapDataKey(NewDataKey(), []age.Recipient{id.Recipient()})
	f.Add(env)
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := UnwrapDataKey(b, id)
		if err == nil && k == nil {
			t.Fatal("nil key without error")
		}
	})
}
