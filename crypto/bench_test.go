package crypto

// Benchmarks of the cryptographic steps of one `ward get`, to say where its
// time goes (see bench/README.md):
//
//	go test -run '^$' -bench . -benchtime 2000x ./crypto/
//
// BenchmarkKeyringGet needs a real Secret Service (WARD_TEST_KEYRING=1, as
// scripts/test and bench/session set up); BenchmarkCacheGet needs a usable
// kernel keyring (keyctl). Both skip otherwise.

import (
	"os"
	"runtime"
	"testing"

	"filippo.io/age"
)

func mustRecipients(b *testing.B, ss ...string) []age.Recipient {
	b.Helper()
	var rs []age.Recipient
	for _, s := range ss {
		r, err := ParseRecipient(s)
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

func benchKB() []byte {
	b := make([]byte, 1024)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// BenchmarkSeal1KiB seals 1 KiB with XChaCha20-Poly1305.
func BenchmarkSeal1KiB(b *testing.B) {
	k := NewDataKey()
	pt, ad := benchKB(), []byte("ward1/bench/versions/key")
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		_ = Seal(k, pt, ad)
	}
}

// BenchmarkOpen1KiB opens a sealed 1 KiB.
func BenchmarkOpen1KiB(b *testing.B) {
	k := NewDataKey()
	pt, ad := benchKB(), []byte("ward1/bench/versions/key")
	sealed := Seal(k, pt, ad)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Open(k, sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSmall opens a sealed index entry sized value (~120 bytes):
// `ward ls` opens one per secret.
func BenchmarkOpenSmall(b *testing.B) {
	k := NewDataKey()
	pt, ad := benchKB()[:120], []byte("ward1/bench/index/key")
	sealed := Seal(k, pt, ad)
	for b.Loop() {
		if _, err := Open(k, sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMAC is the keyed hash of a path (the lookup key).
func BenchmarkMAC(b *testing.B) {
	k := NewDataKey()
	p := []byte("prod/payments/db")
	for b.Loop() {
		_ = MAC(k, p)
	}
}

// BenchmarkNewKeys derives the three purpose keys (HKDF-SHA-256), done
// once per unlock.
func BenchmarkNewKeys(b *testing.B) {
	k := NewDataKey()
	for b.Loop() {
		_ = NewKeys(k)
	}
}

// BenchmarkWrapDataKey wraps a data key to one X25519 recipient.
func BenchmarkWrapDataKey(b *testing.B) {
	rs := mustRecipients(b, NewIdentity().Recipient().String())
	dk := NewDataKey()
	for b.Loop() {
		if _, err := WrapDataKey(dk, rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrapDataKey is the age X25519 unwrap a first `ward get` does
// after reading the identity from the keyring.
func BenchmarkUnwrapDataKey(b *testing.B) {
	id := NewIdentity()
	env, err := WrapDataKey(NewDataKey(), mustRecipients(b, id.Recipient().String()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := UnwrapDataKey(env, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseIdentity parses the AGE-SECRET-KEY-1… line read from the
// keyring (bech32 decode and X25519 base point multiplication).
func BenchmarkParseIdentity(b *testing.B) {
	s := NewIdentity().String()
	for b.Loop() {
		if _, err := ParseIdentity(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheGet reads a data key from the kernel keyring session
// cache (keyctl search + read + set timeout: three syscalls), as every
// `ward get` after the first in a session does.
func BenchmarkCacheGet(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("the session cache is Linux's kernel keyring")
	}
	b.Setenv("WARD_CACHE_IDLE", "60")
	id := "bench-" + NewIdentity().Recipient().String()[5:20]
	CachePut(id, []byte("tag"), NewDataKey())
	defer CacheDrop(id)
	if _, _, ok := CacheGet(id); !ok {
		b.Skip("kernel keyring not usable here (keyctl blocked?)")
	}
	for b.Loop() {
		if _, _, ok := CacheGet(id); !ok {
			b.Fatal("cached key gone")
		}
	}
}

// BenchmarkKeyringGet reads one item from the OS keyring through
// zalando/go-keyring (on Linux: a new D-Bus connection, a Secret Service
// session, a search and a GetSecret per call). This is the floor of a
// first `ward get` in a session.
func BenchmarkKeyringGet(b *testing.B) {
	if os.Getenv("WARD_TEST_KEYRING") != "1" {
		b.Skip("needs a real OS keyring: run under scripts/test or bench/session (WARD_TEST_KEYRING=1)")
	}
	user := "bench:" + NewIdentity().Recipient().String()[5:20]
	if err := KeyringSet(user, NewIdentity().String()); err != nil {
		b.Fatal(err)
	}
	defer KeyringDelete(user)
	for b.Loop() {
		if _, err := KeyringGet(user); err != nil {
			b.Fatal(err)
		}
	}
}
