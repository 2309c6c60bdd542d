package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// updating reports whether -update was given; the flag itself is defined
// by x/exp/golden, which teatest imports.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// screens reach each screen from a fresh root, by keys.
var screens = []struct {
	name  string
	reach func(d *driver)
}{
	{"browser", func(d *driver) {}},
	{"browser-filter", func(d *driver) { d.keys("/"); d.typeText("prod") }},
	{"detail", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb") }},
	{"detail-revealed", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb"); d.keys("r") }},
	{"confirm", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb"); d.keys("d") }},
	{"history", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb"); d.keys("h") }},
	{"add-form", func(d *driver) {
		d.keys("a")
		d.typeText("prod/x")
		d.tabTo("  value")
		d.typeText(canary)
	}},
	{"edit-form", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb"); d.keys("e") }},
	{"generate", func(d *driver) { openDetail(d.t.(*testing.T), d, "ppdb"); d.keys("g") }},
	{"help", func(d *driver) { d.keys("?") }},
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}, {60, 20}}

// TestRender draws every screen at each size: exactly the window, no line
// wider than it, no value unless revealed, and the same text as the golden
// file (go test ./ui -run TestRender -update rewrites them).
func TestRender(t *testing.T) {
	for _, sc := range screens {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s-%dx%d", sc.name, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				c, _ := newTestCommon(t, newTestStore(t))
				d := newDriver(t, c, sz.w, sz.h)
				sc.reach(d)
				v := d.view()
				checkFrame(t, v, sz.w, sz.h)
				if sc.name == "detail-revealed" {
					// Asked for: the one screen with a value, so no golden.
					if !strings.Contains(v, canary) {
						t.Errorf("the revealed value is not on screen:\n%s", v)
					}
					return
				}
				if strings.Contains(v, canary) {
					t.Errorf("a value is on screen:\n%s", v)
				}
				golden(t, name, v)
			})
		}
	}
}

func checkFrame(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, window %d: %q", i+1, lw, w, l)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	// Trailing spaces are padding; goldens are easier to read without.
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	got = b.String()
	file := filepath.Join("testdata", "golden", name+".txt")
	if updating() {
		if strings.Contains(got, canary) {
			t.Fatalf("refusing to write a value into golden %s", file)
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run TestRender -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}
