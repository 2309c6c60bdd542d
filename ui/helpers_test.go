package ui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/opsward/ward/clip"
	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/testenv"
	"github.com/opsward/ward/store"
)

// canary is the prefix of every fixture value: it must never appear in a
// View unless that value was revealed.
const canary = "CANARY-not-a-real-secret-"

// testNow is the fixed clock of every test.
var testNow = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	testenv.IsolateCache()
	// Goldens and assertions read plain text: no colour, no attributes.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// newTestStore makes an unlocked store with the fixture secrets, written
// with the fixed clock.
func newTestStore(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	id := wcrypto.NewIdentity()
	s, err := store.Create(ctx, filepath.Join(t.TempDir(), "test.ward"), store.CreateOptions{
		Mode: store.IdentityExternal, Recipients: []string{id.Recipient().String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Actor = "tester@host"
	s.Now = func() time.Time { return testNow.Add(-10 * 24 * time.Hour) }
	v := func(s string) wcrypto.Secret { return wcrypto.NewSecret(canary + s) }
	items := []store.Item{
		{Path: "prod/payments/db", Fields: store.Fields{"username": v("user"), "password": v("db-password")},
			SetOptions: store.SetOptions{Meta: &store.Meta{Kind: store.KindPassword, Owner: "team-payments", Tags: []string{"pci"}, Usage: []string{"k8s:prod/payments"}}}},
		{Path: "prod/payments/db", Fields: store.Fields{"username": v("user"), "password": v("db-password-2")}},
		{Path: "prod/payments/stripe", Fields: store.Fields{"value": v("stripe-key")},
			SetOptions: store.SetOptions{Meta: &store.Meta{Kind: store.KindAPIKey, Owner: "team-payments", Status: store.StatusCompromised}}},
		{Path: "prod/edge/tls", Fields: store.Fields{"certificate": v("cert\nline2")},
			SetOptions: store.SetOptions{Meta: &store.Meta{Kind: store.KindTLSCert, Expires: testNow.Add(9 * 24 * time.Hour)}}},
		{Path: "staging/auth/token", Fields: store.Fields{"value": v("auth-token")},
			SetOptions: store.SetOptions{Meta: &store.Meta{Kind: store.KindToken, RotateEvery: store.Duration(24 * time.Hour)}}},
		{Path: "dev/search/api-key", Fields: store.Fields{"value": v("search-key")},
			SetOptions: store.SetOptions{Meta: &store.Meta{Kind: store.KindAPIKey}}},
		{Path: "toplevel", Fields: store.Fields{"value": v("top")}},
	}
	if err := s.SetMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return testNow }
	return s
}

// clipRecorder stands in for the clipboard.
type clipRecorder struct {
	mu     sync.Mutex
	copied []string
}

func (c *clipRecorder) copy(v wcrypto.Secret, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.copied = append(c.copied, v.Reveal())
	return nil
}

func newTestCommon(t testing.TB, s *store.Store) (*Common, *clipRecorder) {
	t.Helper()
	file := ""
	if s != nil {
		file = s.File
	}
	c := NewCommon(context.Background(), s, file)
	c.Now = func() time.Time { return testNow }
	rec := &clipRecorder{}
	c.Copy = rec.copy
	// Timers fire at once; the driver holds the ones it should not (see
	// driver.timers).
	c.Tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d: d, msg: fn(testNow.Add(d))} }
	}
	return c, rec
}

// timerMsg is what a test Common's Tick returns instead of waiting.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// driver runs a Root synchronously: it feeds a message, then runs the
// commands that come back and feeds their messages, as bubbletea would.
// Timers do not wait: a confirm dialog's arming fires at once, and every
// other timer's message (a countdown, a re-mask) is kept in timers for the
// test to send when it chooses.
type driver struct {
	t      testing.TB
	root   *Root
	quit   bool
	timers []tea.Msg
	// watches counts the store-watch ticks armed (see watch.go).
	watches int
	// notes are the status notes' clearing timers armed (statusbar.go).
	notes []noteExpiredMsg
	// afterEach, if set, checks the view after every message.
	afterEach func(view string)
}

func newDriver(t testing.TB, c *Common, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, root: NewRoot(c)}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.root.Init())
	return d
}

var cmdSliceType = reflect.TypeOf([]tea.Cmd(nil))

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.root.Update(msg)
	if d.afterEach != nil {
		d.afterEach(d.root.View())
	}
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil || d.quit {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
		return
	case timerMsg:
		if _, ok := m.msg.(confirmArmMsg); ok {
			d.send(m.msg)
		} else if _, ok := m.msg.(watchTickMsg); ok {
			d.watches++ // the store watch: fired by tests that want it
		} else if n, ok := m.msg.(noteExpiredMsg); ok {
			d.notes = append(d.notes, n) // a note's clearing: fired by tests that want it
		} else {
			d.timers = append(d.timers, m.msg)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	case tea.BatchMsg:
		for _, c := range m {
			d.run(c)
		}
		return
	}
	// tea.Sequence's message type is unexported: a slice of commands.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().ConvertibleTo(cmdSliceType) {
		for _, c := range v.Convert(cmdSliceType).Interface().([]tea.Cmd) {
			d.run(c)
		}
		return
	}
	d.send(msg)
}

func (d *driver) keys(ks ...string) {
	d.t.Helper()
	for _, k := range ks {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (d *driver) view() string { return d.root.View() }

func (d *driver) must(want ...string) {
	d.t.Helper()
	v := d.view()
	for _, w := range want {
		if !strings.Contains(v, w) {
			d.t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

func (d *driver) mustNot(bad ...string) {
	d.t.Helper()
	v := d.view()
	for _, b := range bad {
		if strings.Contains(v, b) {
			d.t.Fatalf("view has %q:\n%s", b, v)
		}
	}
}

// keyMsg turns a key name into the message bubbletea would send.
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+n":
		return tea.KeyMsg{Type: tea.KeyCtrlN}
	case "ctrl+g":
		return tea.KeyMsg{Type: tea.KeyCtrlG}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func clipUnavailable(wcrypto.Secret, time.Duration) error { return clip.ErrUnavailable }

// tabTo presses tab until the form's focused row is the one labelled
// label ("path", "rotate every", "name", "  value"...), counting from the
// focus it has now: the tests do not count tabs, so a new input in the
// form does not move them.
func (d *driver) tabTo(label string) { d.t.Helper(); d.moveFocusTo("tab", label) }

// shiftTabTo is tabTo going back, with shift+tab.
func (d *driver) shiftTabTo(label string) { d.t.Helper(); d.moveFocusTo("shift+tab", label) }

func (d *driver) moveFocusTo(k, label string) {
	d.t.Helper()
	for range 40 {
		for _, l := range strings.Split(d.view(), "\n") {
			if rest, ok := strings.CutPrefix(l, "› "+label); ok && (rest == "" || rest[0] == ' ') {
				return
			}
		}
		d.keys(k)
	}
	d.t.Fatalf("no focused row %q in the form:\n%s", label, d.view())
}
