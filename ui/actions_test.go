package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

func TestAddSecretForm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	d.keys("a")
	d.must("Add a secret", "path", "kind", "‹ password ›")
	d.typeText("prod/new/thing")
	d.keys("tab", "right") // kind: api-key
	d.must("‹ api-key ›")
	d.keys("tab", "right") // status: pending
	d.must("‹ pending ›")
	d.tabTo("owner")
	d.typeText("team-x")
	d.tabTo("tags")
	d.typeText("a, b")
	d.tabTo("rotate every")
	d.typeText("30d")
	d.tabTo("expires")
	d.typeText("2031-01-31")
	d.tabTo("  value")
	d.typeText(canary + "new-value")
	d.mustNot(canary)
	d.must(mask)
	d.keys("ctrl+n")
	d.typeText("extra")
	d.keys("tab")
	d.typeText(canary + "extra")
	d.mustNot(canary)
	d.keys("ctrl+s")
	d.must("added prod/new/thing")
	d.mustNot("Add a secret", canary)
	d.must("› ", "thing", "api-key") // selected in the list
	if p := d.root.screens[0].(*browser).selectedPath(); p != "prod/new/thing" {
		t.Errorf("selected %s after add", p)
	}
	_, f, err := s.Get(context.Background(), "prod/new/thing", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f["value"].Reveal() != canary+"new-value" || f["extra"].Reveal() != canary+"extra" {
		t.Errorf("saved fields %v", f.Names())
	}
	sc, _ := s.Show(context.Background(), "prod/new/thing")
	if sc.Meta.Kind != store.KindAPIKey || sc.Meta.Owner != "team-x" || strings.Join(sc.Meta.Tags, "|") != "a|b" || sc.Meta.RotateEvery.String() != "30d" ||
		sc.Meta.Status != store.StatusPending || store.FormatExpiry(sc.Meta.Expires) != "2031-01-31" {
		t.Errorf("saved meta %+v", sc.Meta)
	}
}

func TestAddSecretFormValidation(t *testing.T) {
	tests := []struct {
		name  string
		fill  func(d *driver)
		error string
	}{
		{"no path", func(d *driver) {}, "empty secret path"},
		{"bad path", func(d *driver) { d.typeText("a//b") }, "empty segment"},
		{"no value", func(d *driver) { d.typeText("x/y") }, `field "value" has no value`},
		{"exists", func(d *driver) {
			d.typeText("toplevel")
			d.tabTo("  value")
			d.typeText("v")
		}, "add toplevel: secret toplevel: already exists"},
		{"bad rotation", func(d *driver) {
			d.typeText("x/y")
			d.tabTo("rotate every")
			d.typeText("soon")
		}, "rotate every: bad duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			c, _ := newTestCommon(t, s)
			d := newDriver(t, c, 120, 30)
			d.keys("a")
			tt.fill(d)
			d.keys("ctrl+s")
			d.must("Add a secret", tt.error)
		})
	}
}

// A form taller than the screen still shows why ctrl+s did nothing: the
// error stays in view below the part that scrolls.
func TestFormErrorInViewWhenTall(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	d.keys("a")
	for range 6 {
		d.keys("ctrl+n")
	}
	d.keys("ctrl+s") // no path
	d.must("empty secret path")
	if h := lipgloss.Height(d.view()); h != 24 {
		t.Errorf("the screen is %d lines high, want 24", h)
	}
}

// On a wide terminal the detail sits beside the list: after adding a
// secret from it, list and detail both show the new one, so r reveals
// what the cursor is on.
func TestAddFromDetailFollows(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 160, 40)
	openDetail(t, d, "ppdb")
	d.keys("a")
	d.typeText("prod/new/thing")
	d.tabTo("  value")
	d.typeText(canary + "new-value")
	d.keys("ctrl+s")
	d.must("added prod/new/thing")
	top, ok := d.root.top().(*detail)
	if !ok {
		t.Fatalf("top screen %T, want the detail", d.root.top())
	}
	if top.path != "prod/new/thing" {
		t.Fatalf("the detail shows %s after the add, want prod/new/thing", top.path)
	}
	d.keys("r")
	d.must(canary + "new-value")
	d.mustNot(canary + "db-password")
}

func TestEditSecretForm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.must("Edit prod/payments/db", "team-payments", "unchanged")
	d.mustNot(canary)
	d.tabTo("owner")
	for range len("team-payments") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("team-dba")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db", "team-dba", "Fields (version 2)")
	// Typing a value makes a new version merged over the old.
	d.keys("e")
	d.tabTo("  value") // password's (fields sorted: password, username)
	d.typeText(canary + "edited")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db (version 3)", "Fields (version 3)")
	_, f, err := s.Get(context.Background(), "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f["password"].Reveal() != canary+"edited" || f["username"].Reveal() != canary+"user" {
		t.Error("edit did not merge the new password over the old fields")
	}
}

// The edit form sets status and expiry, as ward meta does: a rotated
// compromised secret can be marked active again from the TUI.
func TestEditFormStatusAndExpiry(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "stripe")
	d.keys("e")
	d.must("‹ compromised ›")
	d.tabTo("status")
	d.keys("left", "left") // pending, active
	d.must("‹ active ›")
	d.tabTo("expires")
	d.typeText("2031-06-30")
	d.keys("ctrl+s")
	d.must("saved prod/payments/stripe")
	sc, _ := s.Show(context.Background(), "prod/payments/stripe")
	if sc.Meta.Status != store.StatusActive || store.FormatExpiry(sc.Meta.Expires) != "2031-06-30" {
		t.Errorf("saved meta %+v", sc.Meta)
	}
	// A bad expiry is said on the form, not saved.
	d.keys("e")
	d.tabTo("expires")
	d.typeText("x")
	d.keys("ctrl+s")
	d.must(`expiry "2031-06-30x"`)
}

// The edit form renames a field (its value moves, unread), removes one
// whose name is emptied, and refuses a second field of a name already
// there (a rename was dropped silently, and a duplicate overwrote).
func TestEditFormRenamesAndRemovesFields(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb") // fields password, username
	d.keys("e")
	d.tabTo("name") // password
	for range len("password") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("pass")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db (version 3)")
	_, f, err := s.Get(ctx, "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Names(), []string{"pass", "username"}) || f["pass"].Reveal() != canary+"db-password-2" {
		t.Fatalf("after the rename: fields %q", f.Names())
	}
	// A second field named as one already there is refused.
	d.keys("e", "ctrl+n")
	d.typeText("username")
	d.keys("tab")
	d.typeText(canary + "dup")
	d.keys("ctrl+s")
	d.must(`field "username" appears twice`)
	d.keys("esc", "y")
	// A new field with a name and no value is said, not dropped.
	d.keys("e", "ctrl+n")
	d.typeText("note")
	d.keys("ctrl+s")
	d.must(`field "note" has no value`)
	d.keys("esc", "y")
	// Emptying a name removes the field.
	d.keys("e")
	d.tabTo("name") // pass
	for range len("pass") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.keys("ctrl+s")
	d.must("saved prod/payments/db (version 4)")
	_, f, err = s.Get(ctx, "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Names(), []string{"username"}) || f["username"].Reveal() != canary+"user" {
		t.Fatalf("after the removal: fields %q", f.Names())
	}
}

// An edit saved over a version written meanwhile elsewhere is refused,
// not a silent overwrite: the other writer's version stays current.
func TestEditSecretFormConflict(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.must("Edit prod/payments/db")
	// Another process writes a new password while the form is open.
	setElsewhere(t, s, "prod/payments/db", store.Fields{"password": wcrypto.NewSecret(canary + "elsewhere")})
	d.tabTo("  value") // password's
	d.typeText(canary + "typed")
	d.keys("ctrl+s")
	d.must("while this form was open, a new version was written elsewhere")
	d.mustNot(canary)
	sc, f, err := s.Get(ctx, "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Current != 3 || f["password"].Reveal() != canary+"elsewhere" {
		t.Errorf("version %d: the other writer's value was overwritten", sc.Current)
	}
}

// A save of the edit form changes only the metadata the form changed: a
// status set elsewhere while the form was open stays (it used to be
// written back), and a field changed both here and elsewhere is refused.
func TestEditFormKeepsMetaChangedElsewhere(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	meta := func() store.Meta {
		t.Helper()
		sc, err := s.Show(ctx, "prod/payments/db")
		if err != nil {
			t.Fatal(err)
		}
		return sc.Meta
	}
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.must("Edit prod/payments/db")
	metaElsewhere(t, s, "prod/payments/db", func(m *store.Meta) { m.Status = store.StatusCompromised })
	d.tabTo("owner")
	d.typeText("-2")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db")
	if m := meta(); m.Status != store.StatusCompromised || m.Owner != "team-payments-2" || !slices.Equal(m.Tags, []string{"pci"}) {
		t.Fatalf("after the save: status %q, owner %q, tags %q", m.Status, m.Owner, m.Tags)
	}
	// The owner changed here and elsewhere, with a value typed too: the
	// save is refused whole, naming the field.
	d.keys("e")
	d.must("Edit prod/payments/db")
	metaElsewhere(t, s, "prod/payments/db", func(m *store.Meta) { m.Owner = "team-elsewhere" })
	d.tabTo("owner")
	d.typeText("-3")
	d.tabTo("  value") // password's
	d.typeText(canary + "typed")
	d.keys("ctrl+s")
	d.must(`while this form was open, owner changed elsewhere too (to "team-elsewhere")`)
	sc, err := s.Show(ctx, "prod/payments/db")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Meta.Owner != "team-elsewhere" || sc.Current != 2 {
		t.Fatalf("after the refused save: owner %q, version %d", sc.Meta.Owner, sc.Current)
	}
}

// The edit form: a field's name emptied and a new field of that name
// given a value saves the new value (the merge lost it once).
func TestEditFormRemoveAndAddSameName(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.tabTo("name") // password
	for range len("password") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.keys("ctrl+n")
	d.typeText("password")
	d.keys("tab")
	d.typeText(canary + "anew")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db (version 3)")
	_, f, err := s.Get(ctx, "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Names(), []string{"password", "username"}) || f["password"].Reveal() != canary+"anew" {
		t.Fatalf("fields %q", f.Names())
	}
}

func TestGenerate(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 24)
	openDetail(t, d, "ppdb")
	d.keys("g")
	d.must("Generate a new value for prod/payments/db", "‹ password ›", "entropy: 156 bits", "field     password")
	d.keys("right") // token
	d.must("‹ token ›", "entropy: 256 bits")
	d.keys("right") // passphrase
	d.must("‹ passphrase ›", "entropy: 72 bits")
	d.keys("left", "left") // password
	d.keys("tab")
	for range 2 {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("32")
	d.keys("tab", "space") // no symbols
	d.must("[ ] symbols")
	d.keys("enter")
	d.must("generated password:32:nosymbols:field=password for prod/payments/db (version 3)", "Fields (version 3)")
	d.mustNot(canary)
	_, f, err := s.Get(context.Background(), "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := f["password"].Reveal(); len(v) != 32 || strings.ContainsAny(v, "!#$%&*+-=?@^_~") {
		t.Errorf("generated value has length %d or symbols", len(v))
	}
	if f["username"].Reveal() != canary+"user" {
		t.Error("generate dropped the other fields")
	}
}

// g on an API key or token starts on the token generator, as ctrl+g in
// the form does (it started on a password).
func TestGenerateStartsOnTheKindsGenerator(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 30)
	openDetail(t, d, "stripe")
	d.keys("g")
	d.must("‹ token ›")
	d = newDriver(t, c, 120, 30)
	openDetail(t, d, "ppdb")
	d.keys("g")
	d.must("‹ password ›")
}

// A token can carry a prefix, as ward gen --prefix does.
func TestGenerateTokenPrefix(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 30)
	openDetail(t, d, "ppdb")
	d.keys("g", "right") // token
	d.must("‹ token ›", "prefix")
	d.keys("tab", "tab", "tab") // bytes, base64url, prefix
	d.typeText("ghp_")
	d.must("prefix=ghp_")
	d.keys("enter")
	d.must("generated token:")
	_, f, err := s.Get(context.Background(), "prod/payments/db", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := f["password"].Reveal(); !strings.HasPrefix(v, "ghp_") || len(v) != len("ghp_")+64 {
		t.Errorf("generated token %d bytes long, want ghp_ and 64 hex digits", len(v))
	}
}

func TestGenerateSSHKey(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "search")
	d.keys("g", "left", "left") // an API key: from token, by password, to ssh-ed25519
	d.must("‹ ssh-ed25519 ›", "private_key and public_key", "entropy: 256 bits")
	d.keys("tab")
	d.typeText("ci@demo")
	d.keys("enter")
	d.must("generated ssh-ed25519:comment=ci@demo", "private_key", "public_key")
	d.mustNot("BEGIN OPENSSH")
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "search")
	d.keys("g", "left", "tab") // password, its length
	d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	d.must("length must be a number above 0")
	d.keys("enter")
	d.must("Generate a new value")
	sc, _ := s.Show(context.Background(), "dev/search/api-key")
	if sc.Current != 1 {
		t.Error("a bad spec saved a version")
	}
}

func TestRetireNeedsArmedConfirm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	c.Tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil } // never arms by itself
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "search")
	d.keys("d")
	dlg, ok := d.root.topDialog().(*confirm)
	if !ok {
		t.Fatal("d opened no confirm dialog")
	}
	d.must("Retire dev/search/api-key?")
	d.mustNot("y retire")
	d.keys("y", "enter")
	if d.root.topDialog() == nil {
		t.Fatal("a key before arming closed the dialog")
	}
	d.send(confirmArmMsg{dlg})
	d.must("y retire")
	d.keys("n")
	if d.root.topDialog() != nil {
		t.Fatal("n did not close the dialog")
	}
	d.keys("d")
	d.send(confirmArmMsg{d.root.topDialog().(*confirm)})
	d.keys("y")
	d.must("retired dev/search/api-key", "[retired]")
	sc, _ := s.Show(context.Background(), "dev/search/api-key")
	if sc.Meta.Status != store.StatusRetired {
		t.Errorf("status %s", sc.Meta.Status)
	}
}

func TestTypedAheadKeysDoNotConfirm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "search")
	// "dy" typed in one burst: the y arrives before the dialog exists.
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("dy")})
	sc, _ := s.Show(context.Background(), "dev/search/api-key")
	if sc.Meta.Status == store.StatusRetired {
		t.Fatal("typed-ahead y retired the secret")
	}
}

func TestHistoryRollback(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("h")
	d.must("History of prod/payments/db", "2 versions", "v2", "v1")
	if strings.Contains(d.view(), "R roll back") {
		t.Error("rollback offered for the current version")
	}
	// G selects the oldest version, g the newest again.
	d.keys("G")
	d.must("R roll back")
	d.keys("g")
	if strings.Contains(d.view(), "R roll back") {
		t.Error("g did not select the newest version again")
	}
	d.keys("R") // on the current version: said, not ignored
	d.must("version 2 is the current one: nothing to roll back")
	d.keys("down", "R")
	d.must("Roll prod/payments/db back to version 1?")
	d.keys("y")
	d.must("rolled prod/payments/db back to version 1 (now version 3)", "Fields (version 3)")
	_, f, _ := s.Get(context.Background(), "prod/payments/db", store.GetOptions{})
	if f["password"].Reveal() != canary+"db-password" {
		t.Error("rollback did not restore version 1's values")
	}
}

func TestChangeErrorsStayOnTheForm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a")
	d.typeText("x/y")
	d.tabTo("  value")
	d.typeText(canary + "v")
	// The store goes away under the form.
	if err := os.Remove(s.File); err != nil {
		t.Fatal(err)
	}
	d.keys("ctrl+s")
	d.must("Add a secret", "add x/y:", "no such store")
	d.mustNot(canary)
	// Discarding the form leaves its error behind: the list below did
	// not fail.
	d.keys("esc")
	d.must("Discard this form?")
	d.keys("y")
	d.mustNot("Add a secret", "add x/y:")
}

func TestQuitKeys(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 24)
	d.keys("/")
	d.typeText("q")
	if d.quit {
		t.Fatal("q quit while typing in the filter")
	}
	d.mustNot("q quit")
	d.must(`filter "q"`)
	d.keys("esc", "a")
	d.typeText("q")
	if d.quit {
		t.Fatal("q quit while typing in the form")
	}
	// Something typed: esc asks, and q in that dialog does not quit
	// (it threw the form away).
	d.keys("esc")
	d.must("Discard this form?")
	d.keys("q")
	if d.quit {
		t.Fatal("q in the discard dialog quit")
	}
	d.must("Discard this form?")
	d.keys("y")
	d.must("q quit")
	d.keys("q")
	if !d.quit {
		t.Fatal("q did not quit the list")
	}
	d = newDriver(t, c, 80, 24)
	d.keys("a")
	d.send(keyMsg("ctrl+c"))
	if !d.quit {
		t.Fatal("ctrl+c did not quit the form")
	}
}

func TestHelpShowsOnlyWhatApplies(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("?")
	d.must("pgdn", "add secret", "ctrl+c")
	d.mustNot("clear filter") // no filter to clear
	d.keys("?")
	openDetail(t, d, "ppdb")
	d.keys("?")
	d.must("history", "prev field", "retire")
	d.mustNot("toggle", "←/→")
}

func TestStoreErrorsNameWhatAndWhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 160, 40)
	openDetail(t, d, "ppdb")
	if _, err := s.Retire(context.Background(), "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(context.Background(), "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.keys("r")
	d.must("error: reveal prod/payments/db#password: secret prod/payments/db: not found")
	msg := revealedMsg{path: "x", field: "y", value: wcrypto.NewSecret(canary), err: errors.New("boom")}
	if s := fmt.Sprint(msg) + fmt.Sprintf("%v %+v %#v", msg, msg, msg); strings.Contains(s, canary) {
		t.Error("a revealed message prints its value")
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
	d.must("generated an ssh-ed25519 key pair (masked): ctrl+s saves it")
	d.mustNot("BEGIN", "ssh-ed25519 AAAA")
	d.must("private_key", "public_key", "(generated, 7 lines, kept whole")
	d.keys("ctrl+s")
	d.must("added prod/deploy-key")
	_, f, err := s.Get(ctx, "prod/deploy-key", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The key's line breaks survive the form (a one-line input made them
	// spaces, and the key unusable): it parses, and is the public key's.
	signer, err := ssh.ParsePrivateKey([]byte(f["private_key"].Reveal()))
	if err != nil {
		t.Fatalf("the saved private key does not parse: %v", err)
	}
	if got := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))); !strings.HasPrefix(f["public_key"].Reveal(), got) {
		t.Error("public_key is not the private key's")
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

// A name typed over the suggested one replaces it ("value" + "pin" was
// "valuepin").
func TestFormTypedNameReplacesSuggested(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a")
	d.typeText("prod/pin")
	d.tabTo("name")
	d.typeText("pin")
	d.keys("tab")
	d.typeText("fake-1234")
	d.keys("ctrl+s")
	d.must("added prod/pin")
	_, f, err := s.Get(ctx, "prod/pin", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if names := f.Names(); !slices.Equal(names, []string{"pin"}) {
		t.Errorf("fields %q, want [pin]", names)
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
	d.tabTo("name")
	for range len("value") {
		d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	d.typeText("pin")
	d.shiftTabTo("kind")
	d.keys("right", "right", "right")
	d.must("‹ ssh-key ›", "pin")
	d.mustNot("private_key")
}

// A paste with line breaks into the one-line value field is refused, not
// saved with spaces in their place.
func TestFormRefusesMultiLinePaste(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 100, 30)
	d.keys("a")
	d.typeText("prod/pem")
	d.tabTo("  value")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----"), Paste: true})
	d.must("pasted text with line breaks or tabs", "ward set PATH#FIELD < FILE") // the way out, not cut off
	d.keys("ctrl+s")
	if _, _, err := s.Get(context.Background(), "prod/pem", store.GetOptions{}); err == nil {
		t.Fatal("the form saved a value after refusing the paste")
	}
	// In a metadata input the refusal does not point at values.
	d.tabTo("description")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("line one\nline two"), Paste: true})
	d.must("this one-line input would change it")
	d.mustNot("ward set PATH#FIELD")
}

// A form taller than the screen keeps its title on top and says what is
// cut off above and below (the title scrolled away without a sign).
func TestFormScrollKeepsTitle(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 60, 20)
	above, below := regexp.MustCompile(`↑ \d+ more`), regexp.MustCompile(`↓ \d+ more`)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.must("Edit prod/payments/db")
	if v := d.view(); above.MatchString(v) || !below.MatchString(v) {
		t.Errorf("at the top: want a mark below only:\n%s", v)
	}
	d.keys("shift+tab") // round to the save button, at the bottom
	d.must("Edit prod/payments/db", "[ save ]")
	if v := d.view(); !above.MatchString(v) || below.MatchString(v) {
		t.Errorf("at the bottom: want a mark above only:\n%s", v)
	}
}

// The edit form against changes made elsewhere while it is open, and
// against no change at all.
func TestEditFormElsewhereCases(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	status := func() store.Status {
		t.Helper()
		sc, err := s.Show(ctx, "prod/payments/db")
		if err != nil {
			t.Fatal(err)
		}
		return sc.Meta.Status
	}
	openDetail(t, d, "ppdb")
	d.send(watchTickMsg{}) // the first look only notes the revision

	// Saved untouched: nothing written, no audit entry claims a change.
	d.keys("e", "ctrl+s")
	d.must("nothing changed in prod/payments/db")
	if n := len(audits(t, s, "prod/payments/db", "meta")); n != 0 {
		t.Fatalf("%d meta audit entries after an untouched save", n)
	}

	// Metadata only, over a version written elsewhere: merged, saved.
	d.keys("e")
	setElsewhere(t, s, "prod/payments/db", store.Fields{"password": wcrypto.NewSecret(canary + "elsewhere")})
	d.tabTo("tags")
	d.typeText(", db")
	d.keys("ctrl+s")
	d.must("saved prod/payments/db")

	// Retired elsewhere while a value is typed: refused, not brought
	// back unseen.
	d.keys("e")
	other := elsewhere(t, s)
	if _, err := other.Retire(ctx, "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.tabTo("  value")
	d.typeText(canary + "typed")
	d.keys("ctrl+s")
	d.must(`status changed elsewhere too (to "retired")`)
	d.mustNot("error: edit") // said once, in the form, not again on the bar
	if st := status(); st != store.StatusRetired {
		t.Fatalf("status %q after the refused save", st)
	}
	d.keys("esc", "y")

	// Opened retired, a value typed: saved, and said to be active again.
	d.send(watchTickMsg{}) // the detail sees the retire done elsewhere
	d.keys("e")
	d.must("‹ retired ›")
	d.tabTo("  value")
	d.typeText(canary + "typed")
	d.keys("ctrl+s")
	d.must("it is active again")
	if st := status(); st != store.StatusActive {
		t.Fatalf("status %q after a new version", st)
	}

	// Purged elsewhere: said so, not "changed".
	d.keys("e")
	if err := other.Purge(ctx, "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.tabTo("  value")
	d.typeText(canary + "typed")
	d.keys("ctrl+s")
	d.must("it was moved or purged elsewhere while this form was open")
}

// A paste of several lines without bracketed paste arrives as lines and
// enters: enter in a value does not move on (line 2 went into the next
// field's name input, shown), and text after it refuses the save until
// the value is cleared.
func TestFormUnbracketedMultiLinePaste(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 100, 30)
	d.keys("a")
	d.typeText("prod/lines")
	d.tabTo("  value")
	d.typeText(canary + "line-1")
	d.keys("enter")
	d.typeText(canary + "line-2")
	d.mustNot(canary)
	d.must(`field "value": text came after an enter`)
	d.keys("ctrl+s")
	d.must(`field "value": text came after an enter`)
	if _, _, err := s.Get(context.Background(), "prod/lines", store.GetOptions{}); err == nil {
		t.Fatal("the form saved a value that lost its line break")
	}
	// Cleared and typed anew, it saves; an enter after a whole value
	// only says that tab moves on.
	d.keys("ctrl+u")
	d.typeText(canary + "one-line")
	d.keys("enter")
	d.must("tab moves on")
	d.keys("ctrl+s")
	d.must("added prod/lines")
	_, f, err := s.Get(context.Background(), "prod/lines", store.GetOptions{})
	if err != nil || f["value"].Reveal() != canary+"one-line" {
		t.Fatalf("after the save: %v", err)
	}
}

// In the form, ? opens the help where the focus is on no text input (the
// kind selector, the buttons); in a text input it is typed.
func TestFormHelpKey(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 80, 30)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.must("› kind")
	d.keys("?")
	if !d.root.full {
		t.Fatalf("? on the kind selector did not open the help:\n%s", d.view())
	}
	d.must("ctrl+n add field", "shift+tab/↑ previous")
	d.keys("?")
	d.tabTo("owner")
	d.keys("?")
	if d.root.full {
		t.Fatal("? in a text input opened the help")
	}
	d.must("team-payments?")
}

// A name too long is said on save, not cut to the limit as it is typed
// (a pasted name was saved cut, as another name); a tag given twice is
// kept once, as ward meta --tag does.
func TestFormLongNameAndRepeatedTags(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	d.keys("a")
	d.typeText("prod/long")
	d.tabTo("tags")
	d.typeText("a, b, a")
	d.tabTo("name")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("n", store.MaxFieldNameLen+2)), Paste: true})
	d.tabTo("  value")
	d.typeText(canary + "v")
	d.keys("ctrl+s")
	d.must("field name longer than 128 bytes")
	d.shiftTabTo("name")
	d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	d.send(tea.KeyMsg{Type: tea.KeyBackspace})
	d.keys("ctrl+s")
	d.must("added prod/long")
	sc, err := s.Show(ctx, "prod/long")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sc.Meta.Tags, []string{"a", "b"}) {
		t.Errorf("tags %q", sc.Meta.Tags)
	}
	if v, _ := sc.Version(sc.Current); len(v.Fields) != 1 || len(v.Fields[0]) != store.MaxFieldNameLen {
		t.Errorf("fields %q", v.Fields)
	}
}

// Enter in an empty value input does not move on either: a paste that
// begins with a line break typed its next line into the next field's name
// input, shown. Text right after the enter is a paste and refuses the
// save; text typed later, by a person, is fine.
func TestFormPasteLeadingLineBreak(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	now := testNow
	c.Now = func() time.Time { return now }
	d := newDriver(t, c, 100, 30)
	d.keys("a")
	d.typeText("prod/lead")
	d.keys("ctrl+n")
	d.shiftTabTo("  value") // the first field's, empty
	d.keys("enter")
	d.typeText(canary + "l2")
	d.mustNot(canary)
	d.must("text came after an enter")
	d.keys("ctrl+u")
	d.keys("enter")
	now = now.Add(time.Second) // a person, typing after the enter
	d.typeText(canary + "typed")
	d.mustNot("text came after an enter")
}

// A form or the generate dialog writes only into the secret it was opened
// on: moved away and another moved to its path, or purged and made anew,
// the save is refused (it wrote into the other secret); retired meanwhile,
// a generated value does not bring it back unseen.
func TestWritesCheckTheSecretOpened(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	other := elsewhere(t, s)
	openDetail(t, d, "ppdb")
	d.keys("e")
	d.tabTo("  value")
	d.typeText(canary + "typed")
	// Another secret, at version 2 as the form's was, takes its path.
	for _, v := range []string{"v1", "v2"} {
		if _, err := other.Set(ctx, "swap/x", store.Fields{"value": wcrypto.NewSecret(canary + v)}, store.SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Move(ctx, "prod/payments/db", "prod/payments/old"); err != nil {
		t.Fatal(err)
	}
	if err := other.Move(ctx, "swap/x", "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.keys("ctrl+s")
	d.must("the secret was moved away or purged, and another put at its path")
	if _, f, _ := s.Get(ctx, "prod/payments/db", store.GetOptions{}); f["value"].Reveal() != canary+"v2" {
		t.Fatal("the form wrote into the secret moved to its path")
	}
	d.keys("esc", "y", "esc", "esc") // the form, its question, the detail, the filter

	// The generate dialog, on a secret retired, then purged, elsewhere.
	openDetail(t, d, "edge")
	d.keys("g")
	d.must("Generate a new value for prod/edge/tls")
	if _, err := other.Retire(ctx, "prod/edge/tls"); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	d.must("it was retired elsewhere since this dialog opened: nothing was saved")
	if strings.Count(d.view(), "retired elsewhere") != 1 {
		t.Errorf("the refusal is said more than once:\n%s", d.view())
	}
	if err := other.Purge(ctx, "prod/edge/tls"); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	d.must("moved away or purged since this dialog opened: nothing was saved")
	if _, err := s.Show(ctx, "prod/edge/tls"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the generate dialog made the purged secret anew: %v", err)
	}
}
