package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsward/ward/store"
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

// The versions' author column lines up even when an action is wider than
// the usual ones ("rollback to 1").
func TestVersionLinesAlign(t *testing.T) {
	sc := &store.Secret{Current: 3, Versions: []store.VersionInfo{
		{N: 1, Action: "set", Author: "a@h"},
		{N: 2, Action: "gen", Author: "a@h"},
		{N: 3, Action: "rollback to 1", Author: "a@h"},
	}}
	st := DefaultStyles()
	col := -1
	for _, v := range sc.Versions {
		l := ansi.Strip(versionLine(&st, sc, v))
		i := strings.Index(l, "a@h")
		if col >= 0 && i != col {
			t.Errorf("author at column %d, want %d: %q", i, col, l)
		}
		col = i
	}
}

// Clearing the filter keeps the secret it found selected.
func TestClearFilterKeepsSelection(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("/")
	d.typeText("stripe")
	d.keys("enter", "esc") // open, back to the list (filter still on)
	d.keys("esc")          // clear the filter
	if p := d.root.screens[0].(*browser).selectedPath(); p != "prod/payments/stripe" {
		t.Errorf("selected %q after clearing the filter, want prod/payments/stripe", p)
	}
}

// esc on a form with something typed asks before throwing it away; on an
// untouched form it just closes.
func TestFormEscAsksWhenTyped(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a", "esc")
	d.mustNot("Add a secret")
	d.keys("a")
	d.typeText("prod/half-typed")
	d.keys("esc")
	d.must("Discard this form?", "Add a secret")
	d.send(confirmArmMsg{d.root.topDialog().(*confirm)})
	d.keys("n")
	d.must("Add a secret", "prod/half-typed")
	d.keys("esc")
	d.send(confirmArmMsg{d.root.topDialog().(*confirm)})
	d.keys("y")
	d.mustNot("Add a secret", "Discard this form?")
}

// A generator spec that cannot be saved says why once.
func TestGenerateErrorOnce(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 30)
	openDetail(t, d, "ppdb")
	d.keys("g", "tab")
	for range 2 {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("0")
	d.keys("enter")
	if n := strings.Count(ansi.Strip(d.view()), "length must be a number above 0"); n != 1 {
		t.Errorf("the error is shown %d times, want once:\n%s", n, d.view())
	}
}

// A revealed value comes with a word on when it hides again.
func TestRevealSaysWhenItHides(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.mustNot("shown values hide")
	d.keys("r")
	d.must(canary, "shown values hide after 30s, on leaving, or with r")
	d.keys("r")
	d.mustNot(canary, "shown values hide")
}

// ctrl+g in the add form generates the value(s) by kind, masked: an SSH
// key pair needs no value typed first.
func TestFormGenerates(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a")
	d.typeText("prod/deploy-key")
	d.keys("tab", "right", "right", "right") // kind: ssh-key
	d.must("‹ ssh-key ›")
	d.keys("ctrl+g")
	d.mustNot("BEGIN", "ssh-ed25519 AAAA")
	d.must("private_key", "public_key")
	d.keys("ctrl+s")
	d.must("added prod/deploy-key")
	_, f, err := s.Get(ctx, "prod/deploy-key", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f["private_key"].Reveal(), "BEGIN OPENSSH PRIVATE KEY") || !strings.HasPrefix(f["public_key"].Reveal(), "ssh-ed25519 ") {
		t.Errorf("fields %v do not hold a key pair", f.Names())
	}
	if _, ok := f["value"]; ok {
		t.Error("the empty value field was kept beside the key pair")
	}

	d.keys("a")
	d.typeText("prod/new-pass")
	d.keys("ctrl+g", "ctrl+s")
	d.must("added prod/new-pass")
	_, f, err = s.Get(ctx, "prod/new-pass", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f["value"].Reveal()); n < 16 {
		t.Errorf("generated password of %d characters", n)
	}
}

// The add form suggests the kind's usual fields while none was typed.
func TestFormSuggestsFieldsByKind(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a", "tab", "right", "right", "right") // ssh-key
	d.must("‹ ssh-key ›", "private_key", "public_key")
	d.keys("right") // tls-cert
	d.must("certificate", "private_key")
	d.mustNot("public_key")
	d.keys("left", "left", "left", "left") // password
	d.must("‹ password ›")
	d.mustNot("private_key", "certificate")
	// A name of one's own stays whatever the kind.
	d.keys("tab", "tab", "tab", "tab", "tab", "tab") // the field's name
	for range len("value") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("pin")
	d.keys("shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "right", "right", "right")
	d.must("‹ ssh-key ›", "pin")
	d.mustNot("private_key")
}
