package ui

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
)

// TestCanary walks through every screen and action, and failure paths,
// checking every frame: no fixture value (all start with canary) may be on
// screen except the one the operator revealed, while it is revealed.
func TestCanary(t *testing.T) {
	s := newTestStore(t)
	c, rec := newTestCommon(t, s)
	d := newDriver(t, c, 100, 30)
	allowed := ""
	frames := 0
	d.afterEach = func(v string) {
		frames++
		for i := 0; ; {
			j := strings.Index(v[i:], canary)
			if j < 0 {
				return
			}
			rest := v[i+j:]
			if allowed == "" || !strings.HasPrefix(rest, allowed) {
				t.Fatalf("frame %d shows a value that was not revealed:\n%s", frames, v)
			}
			i += j + len(canary)
		}
	}
	// Browse and filter, every secret opened.
	d.keys("down", "down", "pgdown", "end", "home")
	for _, q := range []string{"ppdb", "stripe", "edgetls", "auth", "search", "toplevel"} {
		openDetail(t, d, q)
		d.keys("down", "up", "?", "?")
		d.keys("h", "down", "esc", "esc", "esc")
	}
	// Reveal: allowed while shown.
	openDetail(t, d, "ppdb")
	allowed = canary + "db-password-2"
	d.keys("r")
	d.must(allowed)
	d.keys("r") // hide
	d.mustNot(canary)
	d.keys("r")
	d.must(allowed)
	d.keys("esc") // masked again when left
	allowed = ""
	d.keys("enter")
	// Copy: the status bar names the field, never the value.
	d.keys("c")
	if len(rec.copied) != 1 {
		t.Fatal("copy did not copy")
	}
	for _, m := range d.timers {
		d.send(m)
	}
	// Edit with a typed value, generate, roll back, retire.
	d.keys("e")
	d.tabTo("  value")
	d.typeText(canary + "typed-in-edit")
	d.keys("ctrl+s")
	d.keys("g", "enter")
	d.keys("h", "down", "down", "R", "y", "esc")
	d.keys("d", "y")
	d.keys("esc")
	// Add with values, including a failing save.
	d.keys("a")
	d.typeText("x/y")
	d.tabTo("  value")
	d.typeText(canary + "typed-in-add")
	d.keys("ctrl+n")
	d.typeText("second")
	d.keys("tab")
	d.typeText(canary + "second")
	d.keys("ctrl+s")
	// Failure paths: copy and reveal against a store that is gone.
	openDetail(t, d, "stripe")
	c.Copy = func(wcrypto.Secret, time.Duration) error { return errors.New("clipboard tool failed") }
	d.keys("c")
	if err := d.root.status.err; err == nil || err.Error() != "copy prod/payments/stripe#value: clipboard tool failed" {
		t.Errorf("status error %v", err)
	}
	if err := os.Rename(s.File, s.File+".moved"); err != nil {
		t.Fatal(err)
	}
	d.keys("r", "c", "g", "enter")
	// The generate dialog shows its own failure (once, not on the bar).
	if d.root.status.err == nil && !strings.Contains(d.view(), "save generated value for prod/payments/stripe") {
		t.Errorf("no error shown with the store gone:\n%s", d.view())
	}
	// A revealed-value message that arrives for a secret no longer shown.
	d.keys("esc")
	top := d.root.top().(*detail)
	d.send(revealedMsg{to: top, gen: top.shownSeq - 1, path: "prod/payments/stripe", field: "value", value: wcrypto.NewSecret(canary + "late")})
	d.send(revealedMsg{to: newDetail(c, "prod/payments/stripe"), path: "prod/payments/stripe", field: "value", value: wcrypto.NewSecret(canary + "late")})
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	if frames < 50 {
		t.Errorf("only %d frames checked", frames)
	}
}
