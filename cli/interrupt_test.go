package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// Every one-shot command must exist: after a rename the new name would
// silently start catching signals again (and pay for it) without anyone
// noticing.
func TestOneShotCommandsExist(t *testing.T) {
	root := newRootCmd(newFactory())
	have := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		have[c.CommandPath()] = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for name := range oneShotCommands {
		if !have[name] {
			t.Errorf("oneShotCommands names %q, which is not a command", name)
		}
	}
}

// Long commands catch SIGINT and SIGTERM from the start (so they stop
// cleanly, exit 130); one-shot commands leave the default action.
func TestInterruptsCaughtByLongCommands(t *testing.T) {
	t.Setenv("WARD_HOME", t.TempDir())
	for _, c := range []struct {
		args  []string
		catch bool
	}{
		{[]string{"get", "app/db"}, false},
		{[]string{"set", "app/db"}, false},
		{[]string{"show", "app/db"}, false},
		{[]string{"rm", "app/db"}, false},
		{[]string{"ls"}, true},
		{[]string{"sync"}, true},
		{[]string{"doctor"}, true},
		{[]string{"import", "-"}, true},
		{[]string{"export"}, true},
		{[]string{"copy", "app/db"}, true},
		{[]string{"recipients", "rm", "age1x"}, true},
	} {
		var out, errOut bytes.Buffer
		f := newFactory()
		f.In, f.Out, f.ErrOut = strings.NewReader(""), &out, &errOut
		f.IsStdinTTY = func() bool { return false }
		f.IsStdoutTTY = func() bool { return false }
		caught := false
		f.catchInterrupts = func() { caught = true }
		// No store exists: each fails (exit 10), after deciding.
		if code := run(context.Background(), f, c.args); code == ExitOK {
			t.Errorf("ward %s: exit 0 without a store", strings.Join(c.args, " "))
		}
		if caught != c.catch {
			t.Errorf("ward %s: caught interrupts %v, want %v", strings.Join(c.args, " "), caught, c.catch)
		}
	}
}

// TestPromptInterruptTmux runs `ward init --no-keyring` on a real terminal
// (tmux), presses Ctrl-C at the no-echo passphrase prompt and checks that
// ward ends at once with exit status 130, the terminal echoes again, and
// no store or identity file was written.
func TestPromptInterruptTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	bin := filepath.Join(t.TempDir(), "ward")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cannot build the ward binary: %v\n%s", err, out)
	}
	home := t.TempDir()
	wardHome := filepath.Join(home, "ward")
	env := append(os.Environ(), "HOME="+home, "WARD_HOME="+wardHome, "NO_COLOR=1", "TERM=xterm-256color")
	socket := fmt.Sprintf("ward-prompt-%d", os.Getpid())
	tm := func(args ...string) (string, error) {
		cmd := exec.Command(tmux, append([]string{"-L", socket}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { _, _ = tm("kill-server") })
	// After ward: its status, then the terminal's echo flag as stty
	// prints it ("echo" or "-echo"), then wait to be looked at. Ctrl-C
	// signals the whole foreground group: the shell's trap keeps it alive
	// (and ward, as any child of a trap, starts with the default action).
	script := `trap "true" INT; ` + bin + ` init --no-keyring; echo "status=$?"; stty -a | tr ' ' '\n' | grep -x -e echo -e -echo | sed 's/^/flag=/'; sleep 600`
	if out, err := tm("new-session", "-d", "-s", "p", "-x", "100", "-y", "20", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	waitFor := func(what, text string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			pane, _ := tm("capture-pane", "-p", "-t", "p")
			if strings.Contains(pane, text) {
				return pane
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the pane shows:\n%s", what, pane)
			}
			<-tick.C
		}
	}
	waitFor("the passphrase prompt", "passphrase to protect the new store's identity:")
	if out, err := tm("send-keys", "-t", "p", "C-c"); err != nil {
		t.Fatalf("send-keys: %v\n%s", err, out)
	}
	pane := waitFor("the flag line", "flag=")
	if !strings.Contains(pane, "status=130") {
		t.Errorf("want exit status 130 after Ctrl-C at the prompt; the pane shows:\n%s", pane)
	}
	if !strings.Contains(pane, "flag=echo") {
		t.Errorf("the terminal does not echo after Ctrl-C at a no-echo prompt; the pane shows:\n%s", pane)
	}
	if ents, err := os.ReadDir(wardHome); err == nil && len(ents) > 0 {
		t.Errorf("an interrupted init left files in %s: %v", wardHome, ents)
	}
}
