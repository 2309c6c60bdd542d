package cli

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

type fixedPassphrase string

func (p fixedPassphrase) Passphrase(string, bool) (string, error) { return string(p), nil }

// Shell completion of a PATH lists the store's secrets when the session
// cache unlocks it, and nothing (not even file names) when it would have to
// ask: it never prompts.
func TestCompletePaths(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the session cache is the Linux kernel keyring")
	}
	ctx := context.Background()
	t.Setenv("WARD_HOME", t.TempDir())
	t.Setenv("WARD_CACHE_IDLE", "")
	t.Setenv("WARD_AGENT_SOCK", t.TempDir()+"/no-agent")
	file, err := store.FileFor(store.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Init(ctx, file, store.InitOptions{NoKeyring: true, Prompter: fixedPassphrase("fake-pass")})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Store
	t.Cleanup(func() { wcrypto.CacheDrop(s.ID()) })
	for _, p := range []string{"prod/db", "prod/api", "prod/old", "dev/x"} {
		if _, err := s.Set(ctx, p, store.Fields{"value": wcrypto.NewSecret("fake")}, store.SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Retire(ctx, "prod/old"); err != nil {
		t.Fatal(err)
	}
	complete := func(args ...string) string {
		var out, errOut bytes.Buffer
		f := newFactory()
		f.In, f.Out, f.ErrOut = strings.NewReader(""), &out, &errOut
		f.IsStdinTTY = func() bool { return true } // it must not ask even so
		f.newPrompter = func() *ttyPrompter { t.Fatal("completion asked for a passphrase"); return nil }
		if code := run(ctx, f, append([]string{"__complete"}, args...)); code != ExitOK {
			t.Fatalf("__complete %v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}

	wcrypto.CacheDrop(s.ID())
	if got := complete("get", "prod/"); strings.Contains(got, "prod/") || !strings.HasSuffix(strings.TrimSpace(got), ":4") {
		t.Errorf("cache cold: want nothing and no file names (:4), got %q", got)
	}
	// A command that unlocked with the passphrase leaves the key in the
	// session cache.
	s2, err := store.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.UnlockWith(ctx, store.Credentials{Prompter: fixedPassphrase("fake-pass")}); err != nil {
		t.Fatal(err)
	}
	got := complete("get", "prod/")
	if got != "prod/api\nprod/db\n:4\n" {
		t.Errorf("cache warm: got %q, want prod/api, prod/db (not the retired prod/old, not dev/x)", got)
	}
	if got := complete("mv", "prod/db", "de"); got != "dev/x\n:4\n" {
		t.Errorf("mv's second PATH: got %q", got)
	}
	if got := complete("get", "prod/db", ""); got != ":4\n" {
		t.Errorf("get takes one PATH: got %q", got)
	}
}
