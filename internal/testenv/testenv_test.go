package testenv_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/atotto/clipboard"
	"github.com/zalando/go-keyring"

	"github.com/opsward/ward/internal/testenv"
)

// canary is an obviously fake value: if it ever shows up somewhere it
// shouldn't, it is clearly from this test.
const canary = "CANARY-not-a-real-secret-probe"

func randomName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "probe-" + hex.EncodeToString(b)
}

func TestKeyringRoundTrip(t *testing.T) {
	testenv.RequireKeyring(t)

	const service = "ward-test"
	user := randomName(t)
	if err := keyring.Set(service, user, canary); err != nil {
		t.Fatalf("keyring.Set: %v", err)
	}
	t.Cleanup(func() { _ = keyring.Delete(service, user) }) // in case we fail midway

	got, err := keyring.Get(service, user)
	if err != nil {
		t.Fatalf("keyring.Get: %v", err)
	}
	if got != canary {
		t.Fatalf("keyring.Get = %q, want %q", got, canary)
	}
	if err := keyring.Delete(service, user); err != nil {
		t.Fatalf("keyring.Delete: %v", err)
	}
	if _, err := keyring.Get(service, user); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keyring.Get after Delete: err = %v, want ErrNotFound", err)
	}
}

func TestClipboardRoundTrip(t *testing.T) {
	testenv.RequireClipboard(t)

	if clipboard.Unsupported {
		t.Fatal("atotto/clipboard found no clipboard tool (xclip/xsel) on PATH")
	}
	want := canary + "-" + randomName(t)
	if err := clipboard.WriteAll(want); err != nil {
		t.Fatalf("clipboard.WriteAll: %v", err)
	}
	t.Cleanup(func() { _ = clipboard.WriteAll("") })

	// xclip hands the selection to a forked child; give it a moment to own it.
	var got string
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = clipboard.ReadAll(); err == nil && got == want {
			return
		}
	}
	t.Fatalf("clipboard.ReadAll = %q, %v; want %q", got, err, want)
}
