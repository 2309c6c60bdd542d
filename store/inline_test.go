package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// inlineFree reports the top-level buckets of file without a noInline
// sub-bucket.
func inlineFree(t *testing.T, file string) []string {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var missing []string
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if b.Bucket(noInline) == nil {
				missing = append(missing, string(name))
			}
			return nil
		})
	})
	return missing
}

// A store of format 1, made before noInline, gets it and format 2 with its
// next write, and reads the same before and after.
func TestOldStoresLoseInlineBuckets(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-password"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := inlineFree(t, s.File); len(m) != 0 {
		t.Fatalf("a new store has buckets without noInline: %q", m)
	}
	mutate(t, s.File, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bktHeader).Put(keyFormat, []byte("1")); err != nil {
			return err
		}
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return b.DeleteBucket(noInline) })
	})
	if len(inlineFree(t, s.File)) == 0 {
		t.Fatal("the old layout was not made")
	}
	if _, f, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil || f["password"].Reveal() != "fake-password" {
		t.Fatalf("read of the old layout: %v", err)
	}
	if _, err := s.Set(ctx, "prod/api", fields("token", "fake-token"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := inlineFree(t, s.File); len(m) != 0 {
		t.Fatalf("after a write, buckets without noInline: %q", m)
	}
	if f := formatOf(t, s.File); f != "2" {
		t.Fatalf("after a write, format %q, want 2", f)
	}
	rep, err := s.Doctor(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %+v", err, rep)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n == 0 {
		t.Fatalf("audit: %d, %v", n, err)
	}
}

func formatOf(t *testing.T, file string) string {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var f string
	db.View(func(tx *bolt.Tx) error { f = string(tx.Bucket(bktHeader).Get(keyFormat)); return nil })
	return f
}

// A retrieval from a store still in format 1 appends its tail entry in
// format 1's JSON form: it does not upgrade the store, so an older ward
// must still read the tail. The first write upgrades both.
func TestFormat1TailEntriesStayJSON(t *testing.T) {
	ctx := context.Background()
	s, id := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-password"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	mutate(t, s.File, func(tx *bolt.Tx) error { return tx.Bucket(bktHeader).Put(keyFormat, []byte("1")) })
	lastPlain := func(o *Store) []byte {
		t.Helper()
		raw, err := o.readTailFile()
		if err != nil {
			t.Fatal(err)
		}
		frames, _ := parseTail(raw)
		f := frames[len(frames)-1]
		pt, err := wcrypto.Open(o.keys.Audit, f.sealed, o.ad("audit-tail", string(seqKey(f.seq))))
		if err != nil {
			t.Fatal(err)
		}
		return pt
	}
	old, err := reopen(t, s, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := old.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if pt := lastPlain(old); !isJSON(pt) {
		t.Fatalf("format 1 store: tail entry in form %d, want JSON", pt[0])
	}
	if formatOf(t, s.File) != "1" {
		t.Fatal("a get upgraded the store")
	}
	if _, err := old.Set(ctx, "prod/api", fields("token", "fake-token"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := old.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if pt := lastPlain(old); pt[0] != entryFormat {
		t.Fatalf("after the upgrading write: tail entry in form %q", pt[0])
	}
}

// Removing the store's own identity (keyring or passphrase file) leaves
// a store opened with a remaining recipient's identity: its mode says so,
// rather than sending the next command to a keyring or passphrase that
// can no longer open it.
func TestRemovingOwnRecipientMakesTheStoreExternal(t *testing.T) {
	ctx := context.Background()
	own, other := wcrypto.NewIdentity(), wcrypto.NewIdentity()
	file := filepath.Join(t.TempDir(), "s.ward")
	s, err := Create(ctx, file, CreateOptions{Mode: IdentityKeyring, Recipients: []string{own.Recipient().String()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddRecipient(ctx, other.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRecipient(ctx, own.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Mode() != IdentityExternal {
		t.Fatalf("mode %q after the own identity went, want %q", s2.Mode(), IdentityExternal)
	}
	if err := s2.Unlock(other); err != nil {
		t.Fatal(err)
	}
	if err := s2.Unlock(own); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("the removed identity: %v", err)
	}
}
