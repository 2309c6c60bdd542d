package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestSyncCanary walks through the sync and conflict screens against a
// server whose values, like the store's, all start with canary, checking
// every frame: no value may be on screen except the three of the conflict
// row the operator revealed, while they are revealed.
func TestSyncCanary(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 100, 30)
	var allowed []string
	frames := 0
	d.afterEach = func(v string) {
		frames++
		for i := 0; ; {
			j := strings.Index(v[i:], canary)
			if j < 0 {
				return
			}
			rest := v[i+j:]
			ok := false
			for _, a := range allowed {
				ok = ok || strings.HasPrefix(rest, a)
			}
			if !ok {
				t.Fatalf("frame %d shows a value that was not revealed:\n%s", frames, v)
			}
			i += j + len(canary)
		}
	}
	openSync(t, d)
	d.keys("down", "down", "down", "down", "down", "down", "down", "up", "?", "?", "home")
	for range 8 {
		d.keys("up")
	}
	// The conflict: move, reveal the password row (allowed while shown),
	// move away (masked), reveal and leave (masked), come back.
	d.keys("enter")
	cs := d.root.top().(*conflictScreen)
	for i, r := range cs.rows {
		if r.name() == "password" {
			cs.sel = i
		}
	}
	d.keys("left", "right", "?", "?")
	allowed = []string{canary + "db-password-local", canary + "db-password-remote", canary + "db-password-2"}
	d.keys("r")
	d.must(allowed[0], allowed[1], allowed[2])
	d.keys("r")
	d.mustNot(canary)
	d.keys("r")
	allowed = nil
	d.keys("down")
	d.mustNot(canary)
	allowed = []string{canary + "user"}
	d.keys("r")
	// Its timer masks it; the older reveals' timers, fired after, change
	// nothing.
	n := len(d.timers)
	d.send(d.timers[n-1])
	allowed = nil
	d.mustNot(canary)
	for _, m := range d.timers[:n-1] {
		d.send(m)
	}
	d.timers = nil
	d.keys("esc")
	d.mustNot(canary)
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	// Merge through the confirm dialog, then apply and plan again.
	d.keys("enter")
	for i, r := range d.root.top().(*conflictScreen).rows {
		d.root.top().(*conflictScreen).sel = i
		if r.differs() {
			d.keys("left")
		}
	}
	d.keys("enter", "n", "enter", "y")
	d.keys("a", "y", "p", "a", "n", "esc")
	// Failure paths: an apply the server stops answering, a plan that
	// cannot connect.
	openSync(t, d)
	fx.srv.Stop()
	d.keys("a", "y", "p")
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	d.keys("esc")
	if frames < 40 {
		t.Errorf("only %d frames checked", frames)
	}
	// The plan and summary messages, printed, hold no value either.
	sc := newSyncScreen(fx.c)
	for _, m := range []any{sc, planDoneMsg{plan: goldenPlan()}, applyDoneMsg{sum: goldenSummary()}} {
		if s := fmt.Sprintf("%+v", m); strings.Contains(s, canary) {
			t.Errorf("printing %T shows a value", m)
		}
	}
}
