package ui

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/testenv"
	"github.com/opsward/ward/store"
)

// noKeyring makes the real OS keyring unreachable for the calling test.
// go-keyring reaches the Secret Service over the D-Bus session bus, and
// godbus keeps that connection for the life of the process, so setting
// DBUS_SESSION_BUS_ADDRESS is not enough once another test used the
// keyring: the test runs again in a child process whose address leads
// nowhere. It returns true in that child; in the parent it checks the
// child passed and returns false, and the caller returns.
func noKeyring(t *testing.T) bool {
	t.Helper()
	if os.Getenv("WARD_TEST_NOBUS") == "1" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "WARD_TEST_NOBUS=1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/ward-test-bus")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a process without a keyring: %v\n%s", err, out)
	}
	return false
}

func newFirstRunCommon(t *testing.T) *Common {
	c, _ := newTestCommon(t, nil)
	c.StoreFile = filepath.Join(t.TempDir(), "stores", "default.ward")
	return c
}

func TestFirstRunWithoutKeyringUsesPassphrase(t *testing.T) {
	if !noKeyring(t) {
		return
	}
	c := newFirstRunCommon(t)
	d := newDriver(t, c, 80, 24)
	// Said on the first screen, before anyone presses enter: the probe
	// made when it opened found no keyring.
	d.must("Welcome to ward", "There is no store yet", "default.ward", "no OS keyring here: no D-Bus session bus", "under a passphrase", "Press enter")
	d.mustNot("kept in your OS keyring")
	d.keys("enter")
	d.must("no OS keyring here:", "passphrase", "again")
	if _, err := os.Stat(c.StoreFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a store file exists after the keyring failed: %v", err)
	}
	// q belongs to the passphrase input now.
	d.typeText("q-and-more")
	if d.quit {
		t.Fatal("q quit while typing a passphrase")
	}
	d.mustNot("q quit")
	d.keys("enter")
	d.typeText("different")
	d.keys("enter")
	d.must("the two passphrases differ")
	d.typeText("x") // typing again answers the complaint
	d.mustNot("the two passphrases differ")
	d.keys("esc")
	d.keys("enter", "enter", "enter") // both empty
	d.must("an empty passphrase protects nothing")
	d.typeText("short")
	d.keys("enter") // said after the first typing, not the second
	d.must("a passphrase of 5 characters is too short")
	d.typeText("correct horse")
	d.keys("enter")
	d.typeText("correct horse")
	d.mustNot("correct horse") // EchoNone
	d.must("(typed, not shown)")
	d.keys("enter")
	d.must("created store default", "0 secrets", "no secrets yet")
	if d.root.status.text != "created store default; its identity is in "+store.IdentityFileFor(c.StoreFile)+", protected by your passphrase" {
		t.Errorf("status %q", d.root.status.text)
	}
	if len(d.notes) != 0 { // it names the file to back up: it stays
		t.Errorf("the first run's note would go from the bar after a while")
	}
	// At 80 columns the note is on lines of its own, the path whole (it
	// was cut: the file to back up, unnamed). This temp path is longer
	// than a line, so it is whole once the line breaks are taken out.
	d.must("protected by your passphrase")
	if flat := strings.Join(strings.Fields(d.view()), ""); !strings.Contains(flat, store.IdentityFileFor(c.StoreFile)) {
		t.Errorf("the identity file's path is not all on the screen:\n%s", d.view())
	}
	if c.Store == nil || c.Store.Mode() != store.IdentityFile {
		t.Fatalf("store not made with an identity file")
	}
	// The passphrase opens it.
	s, err := store.Open(context.Background(), c.StoreFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UnlockWith(context.Background(), store.Credentials{Prompter: fixedPassphrase{wcrypto.NewSecret("correct horse")}}); err != nil {
		t.Fatalf("unlock with the passphrase: %v", err)
	}
}

func TestFirstRunBackFromPassphrase(t *testing.T) {
	if !noKeyring(t) {
		return
	}
	c := newFirstRunCommon(t)
	d := newDriver(t, c, 120, 40)
	d.keys("enter")
	d.must("passphrase")
	d.keys("esc")
	// Back on the first screen, which no longer promises the keyring,
	// and enter goes straight to the passphrase.
	d.must("Press enter to create the store.", "the identity goes in a file beside the store")
	d.mustNot("kept in your OS keyring")
	d.keys("enter")
	d.must("(empty)", "again")
}

func TestFirstRunOtherErrorsAreShown(t *testing.T) {
	c := newFirstRunCommon(t)
	d := newDriver(t, c, 120, 40)
	d.send(storeReadyMsg{err: errors.New("init store /x: already exists")})
	d.must("init store /x: already exists", "Press enter")
}

func TestFirstRunWithKeyring(t *testing.T) {
	testenv.RequireKeyring(t)
	c := newFirstRunCommon(t)
	d := newDriver(t, c, 80, 24)
	d.keys("enter")
	d.must("created store default; its identity is in the OS keyring", "0 secrets")
	t.Cleanup(func() { _ = wcrypto.KeyringDelete(c.Store.KeyringUser()) })
	if c.Store.Mode() != store.IdentityKeyring {
		t.Errorf("mode %s", c.Store.Mode())
	}
}

// ward --identity FILE on a machine with no store: the first run makes the
// store with that identity, as ward init --identity does, not with the
// keyring or a passphrase the same command then cannot open it with.
func TestFirstRunWithIdentityFile(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(t.TempDir(), "id.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newFirstRunCommon(t)
	c.IdentityFile = idFile
	d := newDriver(t, c, 100, 24)
	d.must("There is no store yet", "encrypted to", "your identity")
	d.mustNot("OS keyring")
	d.keys("enter")
	d.must("created store default", "0 secrets")
	if !strings.HasPrefix(d.root.status.text, "created store default with your identity") {
		t.Errorf("status %q", d.root.status.text)
	}
	s, err := store.Open(context.Background(), c.StoreFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UnlockWith(context.Background(), store.Credentials{IdentityFiles: []string{idFile}}); err != nil {
		t.Fatalf("unlock with the identity file: %v", err)
	}
}

func TestWrapPath(t *testing.T) {
	for _, c := range []struct {
		p    string
		w    int
		want []string
	}{
		{"/tmp/a/default.ward", 40, []string{"/tmp/a/default.ward"}},
		{"/tmp/trial-tui/home2/default.ward", 20, []string{"/tmp/trial-tui/", "home2/default.ward"}},
		{"/x/averyveryverylongname", 8, []string{"/x/", "averyver", "yverylon", "gname"}},
	} {
		if got := wrapPath(c.p, c.w); !slices.Equal(got, c.want) {
			t.Errorf("wrapPath(%q, %d) = %q, want %q", c.p, c.w, got, c.want)
		}
	}
}
