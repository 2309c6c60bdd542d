package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// A long error is shown whole on lines of its own above the status bar,
// not cut at the terminal's width, and the screen keeps its height; a
// short one stays on the bar.
func TestStatusBarLongError(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	long := "copy prod/payments/db#password: no clipboard available: install xclip or xsel, or wl-clipboard under Wayland, then try again"
	d.root.status.set("", errors.New(long))
	v := d.view()
	if h := lipgloss.Height(v); h != 24 {
		t.Errorf("the screen is %d lines high, want 24", h)
	}
	flat := strings.Join(strings.Fields(ansi.Strip(v)), " ")
	if !strings.Contains(flat, "error: "+long) {
		t.Errorf("the error is not shown whole:\n%s", v)
	}
	d.root.status.set("", errors.New("short one"))
	v = d.view()
	last := ansi.Strip(v[strings.LastIndexByte(v, '\n')+1:])
	if !strings.Contains(last, "error: short one") {
		t.Errorf("a short error left the status bar: %q", last)
	}
}

// A note goes from the bar after a while; an older note's timer does not
// clear a newer note; an error stays to be read.
func TestStatusNotesExpire(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 30)
	d.send(statusMsg{text: "first note"})
	d.send(statusMsg{text: "second note"})
	if len(d.notes) != 2 {
		t.Fatalf("%d note timers, want 2", len(d.notes))
	}
	d.send(d.notes[0])
	d.must("second note")
	d.send(d.notes[1])
	d.mustNot("second note")
	d.send(statusMsg{err: errors.New("an error to read")})
	if len(d.notes) != 2 {
		t.Fatalf("an error armed a clearing timer")
	}
	d.must("an error to read")
}
