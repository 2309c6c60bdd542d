// Package testenv tells tests whether the real OS keyring and clipboard are
// available. scripts/test sets them up (gnome-keyring in a private D-Bus
// session, xclip on Xvfb) and exports WARD_TEST_KEYRING=1 and
// WARD_TEST_CLIPBOARD=1. A plain `go test` without those variables skips the
// tests that need them, except under CI=true, where a missing variable is a
// broken CI setup and fails the test instead of silently skipping it.
package testenv

import (
	"os"
	"strconv"
	"testing"
)

const (
	// KeyringEnv is set to "1" when a real, unlocked Secret Service is reachable.
	KeyringEnv = "WARD_TEST_KEYRING"
	// ClipboardEnv is set to "1" when a real X clipboard (xclip + X server) is usable.
	ClipboardEnv = "WARD_TEST_CLIPBOARD"
)

// RequireKeyring skips t unless the real keyring is available (see KeyringEnv).
// Under CI=true it fails t instead of skipping.
func RequireKeyring(t testing.TB) {
	t.Helper()
	require(t, KeyringEnv, "the OS keyring (gnome-keyring Secret Service)")
}

// RequireClipboard skips t unless the real clipboard is available (see
// ClipboardEnv). Under CI=true it fails t instead of skipping.
func RequireClipboard(t testing.TB) {
	t.Helper()
	require(t, ClipboardEnv, "the system clipboard (xclip on an X display)")
}

func require(t testing.TB, env, what string) {
	t.Helper()
	if os.Getenv(env) != "" {
		return
	}
	msg := "test needs " + what + " and " + env + " is unset; run it via scripts/test, which sets that up"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: refusing to skip)")
	}
	t.Skip(msg)
}

// IsolateCache gives this test binary, and the processes it starts, a
// session-cache namespace of its own (WARD_TEST_CACHE_NS), so that a test
// of `ward lock` in one package cannot drop the cached keys another
// package's tests rely on while `go test ./...` runs them side by side.
// Call it from TestMain.
func IsolateCache() {
	if os.Getenv("WARD_TEST_CACHE_NS") == "" {
		os.Setenv("WARD_TEST_CACHE_NS", "t"+strconv.Itoa(os.Getpid()))
	}
}
