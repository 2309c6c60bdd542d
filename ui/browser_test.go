package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

func testHeads() []store.Head {
	return []store.Head{
		{Path: "dev/a", Kind: store.KindPassword},
		{Path: "prod/b", Kind: store.KindToken, Status: store.StatusCompromised},
		{Path: "prod/db/x", Kind: store.KindPassword, RotateDue: testNow.Add(-time.Hour)},
		{Path: "prod/z", Kind: store.KindTLSCert, Expires: testNow.Add(5 * 24 * time.Hour)},
		{Path: "top", Kind: store.KindGeneric, Status: store.StatusRetired},
	}
}

func newTestBrowser(t *testing.T, hs []store.Head) *browser {
	t.Helper()
	c, _ := newTestCommon(t, nil)
	c.nav = &fakeNav{}
	b := newBrowser(c)
	b.Update(headsLoadedMsg{heads: hs})
	return b
}

func TestBrowserGroupsByFolder(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	v := b.View(80, 20)
	for _, want := range []string{"(top level)", "dev/", "prod/", "prod/db/", "› ", "[COMPROMISED]", "[rotation overdue]", "[expires in 5d]", "[retired]"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// prod/b and prod/z sit under one prod/ heading although prod/db/x
	// sorts between them.
	if strings.Count(v, "\nprod/\n") != 1 {
		t.Errorf("prod/ heading not exactly once:\n%s", v)
	}
}

func TestBrowserNavigationSkipsHeadings(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	var got []string
	for range 6 {
		got = append(got, b.selectedPath())
		b.Update(keyMsg("down"))
	}
	// Order: (top level) first (empty folder sorts first), then dev, prod, prod/db.
	want := "top dev/a prod/b prod/z prod/db/x prod/db/x"
	if strings.Join(got, " ") != want {
		t.Errorf("down through the list: %s, want %s", strings.Join(got, " "), want)
	}
	b.Update(keyMsg("home"))
	if p := b.selectedPath(); p != "top" {
		t.Errorf("home: %s", p)
	}
	b.Update(keyMsg("end"))
	if p := b.selectedPath(); p != "prod/db/x" {
		t.Errorf("end: %s", p)
	}
	b.Update(keyMsg("pgup"))
	if p := b.selectedPath(); p != "top" {
		t.Errorf("pgup: %s", p)
	}
}

func TestBrowserFilter(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	b.Update(keyMsg("/"))
	if !b.Typing() {
		t.Fatal("/ did not focus the filter")
	}
	for _, r := range "pdx" {
		b.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	if b.matchCount() != 1 || b.selectedPath() != "prod/db/x" {
		t.Fatalf("filter pdx: %d matches, selected %q", b.matchCount(), b.selectedPath())
	}
	// Backspace widens the search again (the narrowing shortcut must not
	// stick).
	b.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	b.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	if b.matchCount() != 4 {
		t.Errorf("filter p: %d matches, want 4", b.matchCount())
	}
	// Letters go to the filter, not to the list's bindings.
	b.Update(keyMsg("z"))
	if b.filterText() != "pz" || b.selectedPath() != "prod/z" {
		t.Errorf("filter = %q selecting %q, want pz selecting prod/z", b.filterText(), b.selectedPath())
	}
	b.Update(keyMsg("enter"))
	if b.Typing() {
		t.Error("enter left the filter focused")
	}
	nav := b.c.nav.(*fakeNav)
	if len(nav.screens) != 1 {
		t.Errorf("enter pushed %d screens", len(nav.screens))
	} else if d := nav.screens[0].(*detail); d.path != b.selectedPath() {
		t.Errorf("enter opened %s, selected %s", d.path, b.selectedPath())
	}
	b.Update(keyMsg("esc"))
	if b.filterText() != "" || b.matchCount() != 0 {
		t.Errorf("esc did not clear the filter")
	}
}

func TestBrowserNoMatches(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	b.Update(keyMsg("/"))
	b.Update(keyMsg("qqq"[:1]))
	b.Update(keyMsg("q"))
	if v := b.View(80, 10); !strings.Contains(v, `nothing matches "qq"`) {
		t.Errorf("view:\n%s", v)
	}
	b.Update(keyMsg("enter"))
	if n := len(b.c.nav.(*fakeNav).screens); n != 0 {
		t.Error("enter with nothing selected opened a screen")
	}
}

// The query is shown as typed: a backslash was doubled (%q).
func TestBrowserNoMatchesShowsTheQueryAsTyped(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	b.Update(keyMsg("/"))
	b.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'\\'}})
	b.Update(keyMsg("q"))
	if v := b.View(80, 10); !strings.Contains(v, `nothing matches "\q"`) {
		t.Errorf("view:\n%s", v)
	}
}

func TestBrowserScrollsWithTheCursor(t *testing.T) {
	hs := make([]store.Head, 500)
	for i := range hs {
		hs[i] = store.Head{Path: fmt.Sprintf("f%02d/s%03d", i/50, i), Kind: store.KindToken}
	}
	b := newTestBrowser(t, hs)
	for range 30 {
		b.Update(keyMsg("down"))
	}
	v := b.View(80, 10)
	if !strings.Contains(v, "› ") || !strings.Contains(v, "s030") {
		t.Errorf("selection s030 not in view:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n != 10 {
		t.Errorf("view has %d lines, want 10", n)
	}
	b.Update(keyMsg("pgdown"))
	if p := b.selectedPath(); p <= "f00/s030" {
		t.Errorf("pgdown stayed at %s", p)
	}
}

func TestBrowserKeepsSelectionAcrossReload(t *testing.T) {
	b := newTestBrowser(t, testHeads())
	b.selectByPath("prod/z")
	b.Update(headsLoadedMsg{heads: testHeads()})
	if p := b.selectedPath(); p != "prod/z" {
		t.Errorf("after reload selected %s", p)
	}
}

// fakeNav records what a screen tested alone asks the root to do.
type fakeNav struct{ screens []screen }

func (n *fakeNav) pushScreen(s screen) tea.Cmd { n.screens = append(n.screens, s); return nil }
func (n *fakeNav) popScreen(screen)            {}
func (n *fakeNav) pushDialog(dialog) tea.Cmd   { return nil }
func (n *fakeNav) closeDialog(dialog)          {}

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

// Names alike but for their ends stay told apart at 80 columns: a long
// name is cut in the middle, and takes the room the badges do not need
// (they were cut at the end, and looked the same).
func TestBrowserLongNamesKeepTheirEnds(t *testing.T) {
	s := newTestStore(t)
	for _, n := range []string{"11", "12"} {
		p := "bulk/folder0/a-rather-long-secret-name-for-layout-testing-number-" + n
		if _, err := s.Set(context.Background(), p, store.Fields{"value": wcrypto.NewSecret(canary + n)}, store.SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	d.must("…", "number-11", "number-12")
}

// Scrolled into a folder, the list keeps the folder's heading on its
// first line: no row is shown without its folder.
func TestBrowserKeepsTheFolderHeadingWhenScrolled(t *testing.T) {
	s := newTestStore(t)
	for i := range 40 {
		p := fmt.Sprintf("zz/bulk/s%02d", i)
		if _, err := s.Set(context.Background(), p, store.Fields{"value": wcrypto.NewSecret(canary + p)}, store.SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	d.keys("G")
	d.must("zz/bulk/ (continued)", "› ", "s39")
	// The cursor row right below the heading is still on the screen.
	for range 21 {
		d.keys("k")
	}
	d.must("› ")
}

// The list never ends on a folder heading whose rows are all below the
// screen (ward demo's first screen did, at some heights).
func TestBrowserDoesNotEndOnAHeading(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	b := d.root.screens[0].(*browser)
	for h := 3; h < 14; h++ {
		b.cursor, b.offset = 0, 0
		for range len(b.rows()) {
			lines := strings.Split(b.View(80, h), "\n")
			last := strings.TrimSpace(lines[len(lines)-1])
			if strings.HasSuffix(last, "/") {
				t.Fatalf("height %d, cursor %d: the list ends on the heading %q:\n%s", h, b.cursor, last, strings.Join(lines, "\n"))
			}
			d.keys("j")
		}
	}
}
