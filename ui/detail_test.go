package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// openDetail drives the root to the detail of path via the filter.
func openDetail(t *testing.T, d *driver, filter string) {
	t.Helper()
	d.keys("/")
	d.typeText(filter)
	d.keys("enter")
}

func audits(t *testing.T, s *store.Store, path, action string) []store.Entry {
	t.Helper()
	es, err := s.Audit(context.Background(), store.AuditFilter{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Entry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func TestDetailRevealIsAuditedAndRemasks(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.must("prod/payments/db", "Fields (version 2)", "password", mask, "team-payments")
	d.mustNot(canary)
	if n := len(audits(t, s, "prod/payments/db", "reveal")); n != 0 {
		t.Fatalf("%d reveal entries before r", n)
	}
	d.keys("r")
	d.must(canary + "db-password-2")
	d.mustNot(canary + "user") // only the selected field
	es := audits(t, s, "prod/payments/db", "reveal")
	if len(es) != 1 || es[0].Field != "password" || es[0].Version != 2 {
		t.Fatalf("reveal entries: %+v", es)
	}
	// The timer masks it again.
	top := d.root.top().(*detail)
	d.send(remaskMsg{path: "prod/payments/db", field: "password", seq: top.shownBy["password"]})
	d.mustNot(canary)
	// Reveal, then leave: masked on return.
	d.keys("r")
	d.must(canary)
	d.keys("esc")
	d.mustNot(canary)
	d.keys("enter")
	d.must("prod/payments/db", mask)
	d.mustNot(canary)
}

func TestDetailStaleRemaskIsIgnored(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("r")
	old := d.root.top().(*detail).shownSeq
	d.keys("r", "r") // hide, reveal again: a new timer
	d.send(remaskMsg{path: "prod/payments/db", field: "password", seq: old})
	d.must(canary)
}

// While a field is shown, r is labelled for what it does then: hide.
func TestDetailRevealKeySaysHide(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "stripe")
	d.must("r reveal")
	d.keys("r")
	d.must("r hide")
	d.mustNot("r reveal")
}

func TestDetailMultilineReveal(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	openDetail(t, d, "edgetls")
	d.must("[expires in 9d]", "certificate")
	d.keys("r")
	d.must("(revealed, 2 lines)", canary+"cert", "line2")
}

func TestDetailLongRevealWrapsWhole(t *testing.T) {
	s := newTestStore(t)
	long := canary + strings.Repeat("0123456789abcdefghij", 12)
	if _, err := s.Set(context.Background(), "dev/long/token", store.Fields{"value": wcrypto.NewSecret(long)}, store.SetOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	openDetail(t, d, "longtoken")
	d.keys("r")
	d.must("(revealed, 1 line, wrapped to fit)")
	// The wrapped lines put back together are the whole value.
	var got strings.Builder
	for _, l := range strings.Split(d.view(), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, canary) || (got.Len() > 0 && strings.Trim(l, "0123456789abcdefghij") == "" && l != "") {
			got.WriteString(l)
		}
	}
	if got.String() != long {
		t.Errorf("wrapped value put back together is %d bytes, want the %d of the value", got.Len(), len(long))
	}
}

func TestDetailCopyCountsDown(t *testing.T) {
	s := newTestStore(t)
	c, rec := newTestCommon(t, s)
	now := testNow
	c.Now = func() time.Time { return now }
	d := newDriver(t, c, 120, 24)
	openDetail(t, d, "stripe")
	d.keys("c")
	if len(rec.copied) != 1 || rec.copied[0] != canary+"stripe-key" {
		t.Fatalf("copied %d values", len(rec.copied))
	}
	if len(audits(t, s, "prod/payments/stripe", "copy")) != 1 {
		t.Error("copy not audited")
	}
	d.must("clipboard clears in 45s", "copied prod/payments/stripe#value")
	d.mustNot(canary)
	now = now.Add(2 * time.Second)
	d.send(clipTickMsg{seq: d.root.status.clipSeq})
	d.must("clipboard clears in 43s")
	now = now.Add(time.Minute)
	d.send(clipTickMsg{seq: d.root.status.clipSeq})
	d.mustNot("clipboard clears in")
	d.must("clipboard cleared")
}

func TestDetailCopyErrorSaysWhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	c.Copy = clipUnavailable
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "stripe")
	d.keys("c")
	d.must("error: copy prod/payments/stripe#value:")
	d.mustNot(canary, "clipboard clears")
	// The log has the read, and that the value never reached the
	// clipboard, as ward copy records it.
	var outcomes []string
	for _, e := range audits(t, s, "prod/payments/stripe", "copy") {
		outcomes = append(outcomes, e.Outcome)
	}
	if strings.Join(outcomes, ",") != "ok,failed" {
		t.Errorf("copy audit outcomes %v, want ok then failed", outcomes)
	}
	// The error is about the detail screen: the history opened next
	// starts without it.
	d.keys("h")
	d.mustNot("error: copy")
}

func TestDetailEachFieldRemasksOnItsOwnTimer(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("r", "down", "r")
	d.must(canary+"db-password-2", canary+"user")
	if len(d.timers) != 2 {
		t.Fatalf("%d timers, want one per reveal", len(d.timers))
	}
	d.send(d.timers[0]) // the password's
	d.mustNot(canary + "db-password")
	d.must(canary + "user")
	d.send(d.timers[1])
	d.mustNot(canary)
}

func TestDetailFieldSelection(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("down", "r")
	d.must(canary + "user")
	d.mustNot(canary + "db-password")
}

func TestDetailKeysDisabledWhenRetired(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Retire(context.Background(), "toplevel"); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "toplevel")
	d.must("[retired]")
	if strings.Contains(d.view(), "d retire") {
		t.Error("help offers retire for a retired secret")
	}
	d.keys("d")
	if d.root.topDialog() != nil {
		t.Error("d opened a dialog for a retired secret")
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

// More fields than the pane has room for: the selected one, which r and c
// act on, stays on the screen.
func TestDetailScrollsToTheSelectedField(t *testing.T) {
	s := newTestStore(t)
	f := store.Fields{}
	for i := 1; i <= 18; i++ {
		f[fmt.Sprintf("F%02d", i)] = wcrypto.NewSecret(fmt.Sprintf("fake-v%02d", i))
	}
	if _, err := s.Set(context.Background(), "prod/many", f, store.SetOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	openDetail(t, d, "prodmany")
	d.must("› F01", "↓ ")
	d.mustNot("↑ ")
	for range 17 {
		d.keys("j")
	}
	d.must("› F18")
	d.keys("r")
	d.must("fake-v18")
	// The title stays on the screen, and a mark says what is above.
	d.must("prod/many", "↑ ")
}

// A retired secret is not due for rotation: the detail does not say when.
func TestDetailRetiredShowsNoRotationDue(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	every, _ := store.ParseDuration("30d")
	if _, err := s.Set(ctx, "old/key", store.Fields{"value": wcrypto.NewSecret("fake-old")}, store.SetOptions{Meta: &store.Meta{RotateEvery: every}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retire(ctx, "old/key"); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 100, 30)
	openDetail(t, d, "oldkey")
	d.must("old/key", "retired")
	d.mustNot("rotation", "due ")
}

// A revealed value taller than the screen is read whole with pgdn/pgup
// (at 50×15 the middle of a certificate could not be reached), and the
// versions below many fields too.
func TestDetailPagesThroughATallValue(t *testing.T) {
	s := newTestStore(t)
	var lines []string
	for i := 1; i <= 40; i++ {
		lines = append(lines, fmt.Sprintf("%sline-%02d", canary, i))
	}
	if _, err := s.Set(context.Background(), "dev/tall/cert", store.Fields{"certificate": wcrypto.NewSecret(strings.Join(lines, "\n"))}, store.SetOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 50, 15)
	openDetail(t, d, "tallcert")
	d.keys("r")
	seen := map[string]bool{}
	for range 12 {
		v := d.view()
		for _, l := range lines {
			if strings.Contains(v, l) {
				seen[l] = true
			}
		}
		if !strings.Contains(v, "dev/tall/cert") {
			t.Fatalf("the title scrolled away:\n%s", v)
		}
		d.keys("pgdown")
	}
	if len(seen) != len(lines) {
		t.Errorf("%d of the %d lines were reachable", len(seen), len(lines))
	}
	d.must("Versions")
	for range 12 {
		d.keys("pgup")
	}
	d.must(canary + "line-01")
}

// A long description wraps under its label instead of being cut.
func TestDetailLongDescriptionWraps(t *testing.T) {
	s := newTestStore(t)
	desc := "the primary database of the payments service, rotated by the platform team every quarter; ask in #payments before touching it"
	if _, err := s.Set(context.Background(), "dev/about/db", store.Fields{"value": wcrypto.NewSecret(canary + "x")}, store.SetOptions{Meta: &store.Meta{Description: desc}}); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	openDetail(t, d, "aboutdb")
	d.must("about", "before touching it")
}
