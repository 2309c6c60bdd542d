package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2ETmux runs the real binary's `ward demo` in a detached tmux session
// at 100×30 and drives it with keys: the list appears, the filter finds a
// secret, enter opens it with its values masked, q quits. It waits on what
// the pane shows, polling with a deadline.
//
// It skips when tmux is missing (scripts/test installs it, and CI fails
// on a skip it does not list).
func TestE2ETmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	// WARD_E2E_BIN runs a binary built elsewhere (a release build in CI).
	bin := os.Getenv("WARD_E2E_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "ward")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("cannot build the ward binary: %v\n%s", err, out)
		}
	}
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"WARD_HOME="+filepath.Join(home, "ward"), "NO_COLOR=1", "TERM=xterm-256color")
	help := exec.Command(bin, "demo", "--help")
	help.Env = env
	if out, err := help.CombinedOutput(); err != nil {
		t.Fatalf("ward demo --help: %v\n%s", err, out)
	}

	socket := fmt.Sprintf("ward-e2e-%d", os.Getpid())
	tm := func(args ...string) (string, error) {
		cmd := exec.Command(tmux, append([]string{"-L", socket}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The test's own tmux server, on its own socket: stopping it stops
	// nothing else.
	t.Cleanup(func() { _, _ = tm("kill-server") })
	if out, err := tm("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", bin+" demo"); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	capture := func() string {
		out, _ := tm("capture-pane", "-p", "-t", "e2e")
		return out
	}
	waitFor := func(what string, ok func(pane string) bool) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			pane := capture()
			if ok(pane) {
				return pane
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the pane shows:\n%s", what, pane)
			}
			<-tick.C
		}
	}
	has := func(texts ...string) func(string) bool {
		return func(pane string) bool {
			for _, x := range texts {
				if !strings.Contains(pane, x) {
					return false
				}
			}
			return true
		}
	}
	send := func(keys ...string) {
		t.Helper()
		if out, err := tm(append([]string{"send-keys", "-t", "e2e"}, keys...)...); err != nil {
			t.Fatalf("send-keys: %v\n%s", err, out)
		}
	}

	waitFor("the list", has("secrets in", "folders"))
	send("/")
	send("-l", "paydb")
	waitFor("the filter", has(`filter "paydb"`, "prod/payments/db"))
	send("Enter")
	pane := waitFor("the detail", has("Fields (version", mask, "kind"))
	if strings.Contains(pane, "demo-") || strings.Contains(pane, "fake-") {
		t.Errorf("a value is on screen before any reveal:\n%s", pane)
	}
	send("q")
	waitFor("ward to quit", func(string) bool {
		_, err := tm("has-session", "-t", "e2e")
		return err != nil
	})
}
