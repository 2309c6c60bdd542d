package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/testenv"
)

// TestKeyringIdentity runs against the real OS keyring (gnome-keyring in
// scripts/test).
func TestKeyringIdentity(t *testing.T) {
	testenv.RequireKeyring(t)
	ctx := context.Background()
	t.Setenv("WARD_HOME", t.TempDir())
	t.Setenv("WARD_CACHE_IDLE", "0")
	t.Setenv("WARD_AGENT_SOCK", "/nonexistent/ward-test.sock")
	file, _ := FileFor("kr")
	res, err := Init(ctx, file, InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Store.Mode() != IdentityKeyring || res.Fallback != "" {
		t.Fatalf("mode %s, fallback %q", res.Store.Mode(), res.Fallback)
	}
	t.Cleanup(func() { wcrypto.KeyringDelete(res.Store.KeyringUser()) })
	if _, err := res.Store.Set(ctx, "a/b", Fields{"value": wcrypto.NewSecret("fake-1")}, SetOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(ctx, file)
	if err := s.UnlockWith(ctx, Credentials{}); err != nil {
		t.Fatalf("unlock from keyring: %v", err)
	}
	if _, f, err := s.Get(ctx, "a/b", GetOptions{}); err != nil || f["value"].Reveal() != "fake-1" {
		t.Fatalf("get: %v", err)
	}
	// The item gone from the keyring: a sentence saying where to look.
	if err := wcrypto.KeyringDelete(res.Store.KeyringUser()); err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(ctx, file)
	err = s2.UnlockWith(ctx, Credentials{})
	if err == nil || !strings.Contains(err.Error(), "not in the OS keyring") {
		t.Fatalf("got %v", err)
	}
}

// TestKeyringUnreachable: a keyring that cannot be reached gives one clear
// sentence and the passphrase fallback, never a raw D-Bus error.
// godbus keeps one session-bus connection per process, so the test runs
// in a child process whose bus address points nowhere.
func TestKeyringUnreachable(t *testing.T) {
	if os.Getenv("WARD_TEST_NOBUS") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringUnreachable$", "-test.v")
		cmd.Env = append(os.Environ(), "WARD_TEST_NOBUS=1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/ward-test-bus")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestKeyringUnreachable") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	ctx := context.Background()
	t.Setenv("WARD_HOME", t.TempDir())
	t.Setenv("WARD_CACHE_IDLE", "0")
	file, _ := FileFor("nokr")
	_, err := Init(ctx, file, InitOptions{})
	if !errors.Is(err, wcrypto.ErrKeyringUnavailable) || !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "org.freedesktop") || strings.Contains(err.Error(), "dbus:") {
		t.Fatalf("raw D-Bus error reaches the user: %v", err)
	}
	res, err := Init(ctx, file, InitOptions{Prompter: &fixedPrompter{pass: "fake passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fallback == "" || res.Store.Mode() != IdentityFile {
		t.Fatalf("no fallback: %+v", res)
	}
	t.Logf("fallback sentence: %s", res.Fallback)
}
