package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

const canary = "CANARY-not-a-real-secret-7f3a"

// damagedStore returns a store with a few secrets, its identity, and the
// file's bytes as a pristine copy.
func damagedStore(t *testing.T) (*Store, string) {
	t.Helper()
	s, id := newTestStore(t)
	ctx := context.Background()
	for _, p := range []string{"prod/db", "prod/api", "dev/db"} {
		if _, err := s.Set(ctx, p, fields("value", canary, "user", "app"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s, id
}

func fileSum(t *testing.T, file string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// mutate changes the bbolt file at the logical level, as an attacker with
// write access to the file could.
func mutate(t *testing.T, file string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(file, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func checkClean(t *testing.T, err error, file string) {
	t.Helper()
	if err == nil {
		t.Fatal("damage went unnoticed")
	}
	msg := err.Error()
	if strings.Contains(msg, canary) {
		t.Fatalf("error leaks a value: %s", msg)
	}
	if !strings.Contains(msg, file) {
		t.Fatalf("error does not name the file: %s", msg)
	}
}

func reopen(t *testing.T, s *Store, idText string) (*Store, error) {
	t.Helper()
	s2, err := Open(context.Background(), s.File)
	if err != nil {
		return nil, err
	}
	id, _ := wcrypto.ParseIdentity(idText)
	return s2, s2.Unlock(id)
}

func TestDamagedFile(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		damage func(t *testing.T, file string)
	}{
		{"truncated to zero", func(t *testing.T, f string) { os.Truncate(f, 0) }},
		{"truncated to half", func(t *testing.T, f string) {
			st, _ := os.Stat(f)
			os.Truncate(f, st.Size()/2)
		}},
		{"truncated to one page", func(t *testing.T, f string) { os.Truncate(f, 4096) }},
		{"foreign text file", func(t *testing.T, f string) { os.WriteFile(f, []byte("just some notes\n"), 0o600) }},
		{"foreign random bytes", func(t *testing.T, f string) {
			b := make([]byte, 64<<10)
			for i := range b {
				b[i] = byte(rand.IntN(256))
			}
			os.WriteFile(f, b, 0o600)
		}},
		{"bbolt database of another program", func(t *testing.T, f string) {
			os.Remove(f)
			db, err := bolt.Open(f, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
			db.Close()
		}},
		{"record moved to another path", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error {
				b := tx.Bucket(bktSecrets)
				var keys [][]byte
				var vals [][]byte
				records(b, func(k, v []byte) error {
					keys = append(keys, append([]byte(nil), k...))
					vals = append(vals, append([]byte(nil), v...))
					return nil
				})
				return b.Put(keys[0], vals[1])
			})
		}},
		{"flipped byte in a record", func(t *testing.T, f string) { flipIn(t, f, bktSecrets) }},
		{"flipped byte in the values", func(t *testing.T, f string) { flipIn(t, f, bktVersions) }},
		{"flipped byte in the index", func(t *testing.T, f string) { flipIn(t, f, bktIndex) }},
		{"audit entry removed", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error { return tx.Bucket(bktAudit).Delete(seqKey(2)) })
		}},
		{"newest audit entry removed", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error { return tx.Bucket(bktAudit).Delete(seqKey(4)) })
		}},
		{"audit entries swapped", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error {
				b := tx.Bucket(bktAudit)
				a, c := append([]byte(nil), b.Get(seqKey(2))...), append([]byte(nil), b.Get(seqKey(3))...)
				b.Put(seqKey(2), c)
				return b.Put(seqKey(3), a)
			})
		}},
		{"newer format", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error { return tx.Bucket(bktHeader).Put(keyFormat, []byte("9")) })
		}},
		{"envelope damaged", func(t *testing.T, f string) {
			mutate(t, f, func(tx *bolt.Tx) error {
				env := append([]byte(nil), tx.Bucket(bktHeader).Get(keyEnvelope)...)
				env[len(env)-5] ^= 1
				return tx.Bucket(bktHeader).Put(keyEnvelope, env)
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, id := damagedStore(t)
			c.damage(t, s.File)
			before := fileSum(t, s.File)
			err := exercise(ctx, t, s, id)
			checkClean(t, err, s.File)
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("want ErrCorrupt or ErrUnsupported, got %v", err)
			}
			if fileSum(t, s.File) != before {
				t.Fatal("a damaged store was written to")
			}
		})
	}
}

// exercise does what a user would: open, unlock, list, doctor, get each
// secret. Doctor comes before the gets: a get of a sound record in a
// partly damaged store is allowed to append its audit entry. It returns the first error, or the first doctor problem.
func exercise(ctx context.Context, t *testing.T, s *Store, id string) error {
	s2, err := reopen(t, s, id)
	if err != nil {
		return err
	}
	if _, err := s2.List(ctx, ""); err != nil {
		return err
	}
	rep, err := s2.Doctor(ctx)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return &CorruptError{File: s.File, Where: rep.Problems[0].Where, Reason: rep.Problems[0].What}
	}
	for _, p := range []string{"prod/db", "prod/api", "dev/db"} {
		if _, _, err := s2.Get(ctx, p, GetOptions{}); err != nil {
			return err
		}
	}
	_, err = s2.VerifyAudit(ctx)
	return err
}

func flipIn(t *testing.T, file string, bucket []byte) {
	mutate(t, file, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		c := b.Cursor()
		k, v := c.First()
		if isNoInline(k, v) {
			k, v = c.Next()
		}
		v = append([]byte(nil), v...)
		v[rand.IntN(len(v))] ^= 1 << rand.IntN(8)
		return b.Put(append([]byte(nil), k...), v)
	})
}

// TestRandomByteFlips flips raw bytes anywhere in the file: whatever
// breaks, it must be a clean error (or nothing, when the byte was unused
// space), never a panic or a crash.
func TestRandomByteFlips(t *testing.T) {
	ctx := context.Background()
	s, id := damagedStore(t)
	pristine, err := os.ReadFile(s.File)
	if err != nil {
		t.Fatal(err)
	}
	// The tail goes with each copy: without it every read stops at "the
	// audit tail is missing" before reaching the damage.
	tail, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		b := bytes.Clone(pristine)
		for range 1 + rand.IntN(3) {
			b[rand.IntN(len(b))] ^= byte(1 + rand.IntN(255))
		}
		f := filepath.Join(t.TempDir(), "flip.ward")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(TailFile(f), tail, 0o600); err != nil {
			t.Fatal(err)
		}
		s2 := *s
		s2.File = f
		if err := exercise(ctx, t, &s2, id); err != nil {
			if strings.Contains(err.Error(), canary) {
				t.Fatalf("flip %d: error leaks a value", i)
			}
		}
	}
}

func TestWrongIdentityNamesFile(t *testing.T) {
	s, _ := damagedStore(t)
	s2, err := Open(context.Background(), s.File)
	if err != nil {
		t.Fatal(err)
	}
	err = s2.Unlock(wcrypto.NewIdentity())
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), s.File) {
		t.Fatalf("got %v", err)
	}
}

// TestOlderRecordPutBack: a record's older ciphertext, copied back into its
// own place from a backup, opens (its place is the same) but no longer
// matches the store's commitment, and doctor says so.
func TestOlderRecordPutBack(t *testing.T) {
	ctx := context.Background()
	s, id := damagedStore(t)
	var oldSecret, oldIndex []byte
	lk := s.lookupKey("prod/db")
	mutateRead := func() {
		db, err := bolt.Open(s.File, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *bolt.Tx) error {
			oldSecret = append([]byte(nil), tx.Bucket(bktSecrets).Get(lk)...)
			oldIndex = append([]byte(nil), tx.Bucket(bktIndex).Get(lk)...)
			return nil
		})
		db.Close()
	}
	mutateRead()
	if _, err := s.SetMeta(ctx, "prod/db", func(m *Meta) error { m.Status = StatusCompromised; return nil }); err != nil {
		t.Fatal(err)
	}
	mutate(t, s.File, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bktSecrets).Put(lk, oldSecret); err != nil {
			return err
		}
		return tx.Bucket(bktIndex).Put(lk, oldIndex)
	})
	s2, err := reopen(t, s, id)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s2.Show(ctx, "prod/db")
	if err != nil || sc.Meta.Status != StatusActive {
		t.Fatalf("the old record should open as it was: %v %v", err, sc)
	}
	rep, err := s2.Doctor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.Problems[0].What, "commitment") {
		t.Fatalf("doctor missed the rollback: %+v", rep.Problems)
	}
}

// A panic in ward's own code inside a transaction is a bug, not damage: it
// goes on up (cli turns it into "internal error at …", without its value)
// instead of becoming a CorruptError whose text would carry the panic
// value; and a read-write transaction that panicked leaves the audit
// tail's pending entries where they were.
func TestBugPanicIsNotDamage(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "app/a", fields("value", "fake-a"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "app/a", GetOptions{}); err != nil { // one entry waits in the tail
		t.Fatal(err)
	}
	catch := func(f func() error) (r any, err error) {
		defer func() { r = recover() }()
		return nil, f()
	}
	for name, txn := range map[string]func(fn func(*bolt.Tx) error) error{
		"view":   func(fn func(*bolt.Tx) error) error { return s.view(ctx, fn) },
		"update": func(fn func(*bolt.Tx) error) error { return s.update(ctx, fn) },
	} {
		r, err := catch(func() error {
			return txn(func(*bolt.Tx) error {
				var m map[string]int
				m["fake-secret-in-a-bug"]++ // a nil map: a bug
				return nil
			})
		})
		if r == nil {
			t.Errorf("%s: the bug's panic was swallowed (err %v)", name, err)
		}
		var ce *CorruptError
		if errors.As(err, &ce) {
			t.Errorf("%s: a bug reported as damage: %v", name, err)
		}
	}
	if gets := countAudit(t, s, "get"); gets != 1 {
		t.Errorf("%d get entries after the panicking update, want 1 (the tail must keep it)", gets)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("audit verify after the panics: %v", err)
	}
}
