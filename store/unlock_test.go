package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
)

type fixedPrompter struct {
	pass  string
	asked int
}

func (p *fixedPrompter) Passphrase(string, bool) (string, error) {
	p.asked++
	return p.pass, nil
}

// TestPassphraseStoreAndAgent is the headless path: no keyring, a
// passphrase-protected identity file, `ward unlock` handing the identity to
// the agent, later calls unlocking without asking, `ward lock` forgetting.
func TestPassphraseStoreAndAgent(t *testing.T) {
	ctx := context.Background()
	sockDir, err := os.MkdirTemp("", "wa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	t.Setenv("WARD_AGENT_SOCK", filepath.Join(sockDir, "a.sock"))
	t.Setenv("WARD_CACHE_IDLE", "0") // only the agent may remember
	t.Setenv("WARD_HOME", t.TempDir())
	file, _ := FileFor("headless")

	p := &fixedPrompter{pass: "fake passphrase for tests"}
	res, err := Init(ctx, file, InitOptions{NoKeyring: true, Prompter: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Store.Mode() != IdentityFile || res.IdentityPath == "" {
		t.Fatalf("mode %s, identity file %q", res.Store.Mode(), res.IdentityPath)
	}
	st, err := os.Stat(res.IdentityPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v %v", err, st)
	}

	s, _ := Open(ctx, file)
	if err := s.UnlockWith(ctx, Credentials{}); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("no prompter, no agent: got %v", err)
	}
	if err := s.UnlockWith(ctx, Credentials{Prompter: &fixedPrompter{pass: "wrong"}}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong passphrase: got %v", err)
	}
	if err := s.UnlockWith(ctx, Credentials{Prompter: p}); err != nil {
		t.Fatal(err)
	}
	if err := s.HandToAgent(ctx, os.Args[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { LockSession(ctx) })

	s2, _ := Open(ctx, file)
	t.Setenv("WARD_CACHE_IDLE", "") // the session cache on, as by default
	if err := s2.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatalf("agent did not unlock: %v", err)
	}
	// A key from the agent is not copied into the session cache, which
	// would keep the store open after the agent's idle timeout locked it.
	if _, _, ok := wcrypto.CacheGet(s2.ID()); ok {
		wcrypto.CacheDrop(s2.ID())
		t.Fatal("the key from the agent went into the session cache")
	}
	t.Setenv("WARD_CACHE_IDLE", "0")
	// After a re-key the agent's data key is stale; its identity still
	// opens the store.
	if err := s2.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	s3, _ := Open(ctx, file)
	if err := s3.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatalf("agent did not unlock after re-key: %v", err)
	}

	held, _, err := LockSession(ctx)
	if err != nil || held != 1 {
		t.Fatalf("lock: held %d, %v", held, err)
	}
	s4, _ := Open(ctx, file)
	if err := s4.UnlockWith(ctx, Credentials{}); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("after lock: got %v", err)
	}
}

// An identity file left beside a moved-away store is never written over.
func TestInitKeepsStrayIdentityFile(t *testing.T) {
	ctx := context.Background()
	t.Setenv("WARD_HOME", t.TempDir())
	t.Setenv("WARD_CACHE_IDLE", "0")
	file, _ := FileFor("work")
	if err := os.WriteFile(IdentityFileFor(file), []byte("age-encryption.org/v1\nfake\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Init(ctx, file, InitOptions{NoKeyring: true, Prompter: &fixedPrompter{pass: "fake passphrase"}})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(IdentityFileFor(file)); string(b) != "age-encryption.org/v1\nfake\n" {
		t.Fatal("the stray identity file was changed")
	}
}

// TestSessionCacheTag: a cached key is used without reading the store only
// while the key envelope it came from is the store's; a re-key makes it
// stale, and a key that does not fit is found by the first transaction.
func TestSessionCacheTag(t *testing.T) {
	ctx := context.Background()
	t.Setenv("WARD_AGENT_SOCK", filepath.Join(t.TempDir(), "none.sock")) // no agent
	t.Setenv("WARD_CACHE_IDLE", "60")
	t.Setenv("WARD_HOME", t.TempDir())
	file, _ := FileFor("cached")
	p := &fixedPrompter{pass: "fake passphrase for tests"}
	res, err := Init(ctx, file, InitOptions{NoKeyring: true, Prompter: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wcrypto.CacheDrop(res.Store.ID()) })
	if _, err := res.Store.Set(ctx, "prod/db", fields("value", "fake-db"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(ctx, file)
	if err := s.UnlockWith(ctx, Credentials{Prompter: p}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := wcrypto.CacheGet(s.ID()); !ok {
		t.Skip("kernel keyring not usable here (keyctl blocked?)")
	}

	s2, _ := Open(ctx, file)
	if err := s2.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatalf("cached key not used: %v", err)
	}
	if _, _, err := s2.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}

	// A re-key, or a new recipient, by a process whose key was cached
	// leaves the new key cached: the session stays unlocked.
	if err := s.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRecipient(ctx, wcrypto.NewIdentity().Recipient().String()); err != nil {
		t.Fatal(err)
	}
	s5, _ := Open(ctx, file)
	if err := s5.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatalf("after a re-key and a new recipient, the cache: %v", err)
	}
	if _, _, err := s5.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}

	// A re-key elsewhere: the cached key's envelope is gone.
	wcrypto.CachePut(s.ID(), s2.envelopeTag(), s2.keys.Data) // as left by another process
	s3, _ := Open(ctx, file)
	if err := s3.UnlockWith(ctx, Credentials{}); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("stale cached key: got %v", err)
	}

	// A cache entry with the right tag and a wrong key (forged, or
	// damaged) is refused by the first transaction, and dropped.
	s4, _ := Open(ctx, file)
	wcrypto.CachePut(s4.ID(), s4.envelopeTag(), wcrypto.NewDataKey())
	if err := s4.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s4.Get(ctx, "prod/db", GetOptions{}); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "session cache") {
		t.Fatalf("wrong cached key: got %v", err)
	}
	if _, _, ok := wcrypto.CacheGet(s4.ID()); ok {
		t.Fatal("the wrong key is still cached")
	}
}
