package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/clip"
	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// Rules this file enforces:
//   - a value reaches the screen only after `r`, through an audited
//     store.Get with Action "reveal";
//   - a revealed value is masked again after Common.RevealFor, when the
//     detail is left, and when another screen is opened over it;
//   - a copy goes through an audited store.Get with Action "copy" and the
//     clipboard is cleared after Common.ClipboardClear.

// mask is what a field's value looks like until it is revealed. Its length
// says nothing about the value's.
const mask = "••••••••"

type detailKeys struct {
	Up, Down, PgUp, PgDown, Reveal, Copy, Edit, Gen, History, Retire, Add, Back key.Binding
}

func newDetailKeys() detailKeys {
	return detailKeys{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "prev field")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next field")),
		PgUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "scroll up")),
		PgDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn", "scroll down")),
		Reveal:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reveal")),
		Copy:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Edit:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Gen:     key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "generate")),
		History: key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history")),
		Retire:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "retire")),
		Add:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add secret")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

func (k detailKeys) ShortHelp() []key.Binding {
	// History and add are in the full help (?): the short line must fit 80
	// columns with the global keys.
	return []key.Binding{k.Reveal, k.Copy, k.Edit, k.Gen, k.Retire, k.Back}
}

func (k detailKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PgUp, k.PgDown, k.Reveal, k.Copy},
		{k.Edit, k.Gen, k.Add},
		{k.History, k.Retire, k.Back},
	}
}

// detail shows one secret: metadata, fields (masked), versions.
type detail struct {
	c    *Common
	keys detailKeys
	path string

	sec    *store.Secret
	err    error
	fields []string // the current version's field names
	sel    int
	// scroll moves the view below (or above) the selected field, by
	// lines: a revealed value taller than the screen, the versions below
	// many fields. Moving the selection resets it.
	scroll int
	// page is how many lines the last View showed, for pgup/pgdn.
	page int

	shown map[string]wcrypto.Secret // revealed values by field
	// shownSeq counts reveals, hides and leaves: a reveal's answer or
	// re-mask timer from before the latest of them is stale. shownBy holds
	// the count at which each shown field was revealed, for its timer.
	shownSeq int
	shownBy  map[string]int

	// rev is the store revision the browser's watch last reported while
	// this detail was open (0: none yet); a move reloads the secret, so a
	// change made elsewhere shows (see watch.go).
	rev uint64
}

func newDetail(c *Common, path string) *detail {
	return &detail{c: c, keys: newDetailKeys(), path: path, shown: map[string]wcrypto.Secret{}, shownBy: map[string]int{}}
}

// secretLoadedMsg carries a secret's metadata and history (no values).
type secretLoadedMsg struct {
	path string
	sec  *store.Secret
	err  error
}

func (secretLoadedMsg) broadcast() {}

func loadSecret(c *Common, path string) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	return func() tea.Msg {
		sc, err := s.Show(ctx, path)
		if err != nil {
			err = fmt.Errorf("show %s: %w", path, err)
		}
		return secretLoadedMsg{path, sc, err}
	}
}

// revealedMsg carries one revealed value to the detail that asked for it,
// and only while it has not been left since (gen counts leaves): a reveal
// that returns late must not show a value the operator has walked away
// from.
type revealedMsg struct {
	to          *detail
	gen         int
	path, field string
	value       wcrypto.Secret
	err         error
}

func (revealedMsg) broadcast() {}

// String keeps the value out of any printing of the message: fmt does not
// call the Secret's own redacting methods on an unexported field.
func (m revealedMsg) String() string {
	return fmt.Sprintf("revealedMsg{%s#%s, err: %v}", m.path, m.field, m.err)
}

// GoString is String, for %#v.
func (m revealedMsg) GoString() string { return m.String() }

func (d *detail) reveal(field string) tea.Cmd {
	s, ctx, path, to, gen := d.c.Store, d.c.Ctx, d.path, d, d.shownSeq
	return func() tea.Msg {
		_, f, err := s.Get(ctx, path, store.GetOptions{Action: "reveal", Field: field})
		if err != nil {
			return revealedMsg{to: to, gen: gen, path: path, field: field, err: fmt.Errorf("reveal %s#%s: %w", path, field, err)}
		}
		return revealedMsg{to: to, gen: gen, path: path, field: field, value: f[field]}
	}
}

// remaskMsg hides a revealed value again; seq ties it to one reveal.
type remaskMsg struct {
	path, field string
	seq         int
}

func (remaskMsg) broadcast() {}

// copiedMsg says a value went to the clipboard (the root starts the
// countdown) or why it did not.
type copiedMsg struct {
	ref string
	err error
}

func copyField(c *Common, path, field string) tea.Cmd {
	s, ctx, cp, after := c.Store, c.Ctx, c.Copy, c.ClipboardClear
	return func() tea.Msg {
		ref := path + "#" + field
		sc, f, err := s.Get(ctx, path, store.GetOptions{Action: "copy", Field: field})
		if err == nil {
			if err = cp(f[field], after); err != nil {
				// The read is audited; the log also says the value did
				// not reach the clipboard, or will not be cleared, as
				// ward copy records it.
				_ = s.Record(ctx, store.Entry{Action: "copy", Path: path, Field: field, Version: sc.Current,
					Outcome: clip.FailureOutcome(err), Detail: "clipboard: " + err.Error()})
			}
		}
		if err != nil {
			return copiedMsg{ref: ref, err: fmt.Errorf("copy %s: %w", ref, err)}
		}
		return copiedMsg{ref: ref}
	}
}

// retiredMsg is the outcome of a retire.
type retiredMsg struct {
	path string
	err  error
}

func (retiredMsg) broadcast()            {}
func (m retiredMsg) changedPath() string { return m.path }
func (m retiredMsg) outcome() (string, error) {
	return "retired " + m.path, m.err
}

func retireSecret(ctx context.Context, s *store.Store, path string) tea.Cmd {
	return func() tea.Msg {
		_, err := s.Retire(ctx, path)
		if err != nil {
			err = fmt.Errorf("retire %s: %w", path, err)
		}
		return retiredMsg{path, err}
	}
}

func (d *detail) Init() tea.Cmd { return loadSecret(d.c, d.path) }

func (d *detail) Typing() bool { return false }

func (d *detail) Keys() help.KeyMap {
	k := d.keys
	loaded := d.sec != nil
	hasField := loaded && len(d.fields) > 0
	k.Up.SetEnabled(len(d.fields) > 1)
	k.Down.SetEnabled(len(d.fields) > 1)
	k.Reveal.SetEnabled(hasField)
	if _, shown := d.shown[d.field()]; shown && hasField {
		k.Reveal.SetHelp("r", "hide")
	}
	k.Copy.SetEnabled(hasField)
	k.Edit.SetEnabled(loaded)
	k.Gen.SetEnabled(loaded)
	k.History.SetEnabled(loaded)
	k.Retire.SetEnabled(loaded && d.sec.Meta.Status != store.StatusRetired)
	return k
}

func (d *detail) field() string {
	if d.sel < 0 || d.sel >= len(d.fields) {
		return ""
	}
	return d.fields[d.sel]
}

// leave forgets every revealed value.
func (d *detail) leave() {
	clear(d.shown)
	clear(d.shownBy)
	d.shownSeq++
}

func (d *detail) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case secretLoadedMsg:
		if msg.path == d.path {
			d.handleLoaded(msg)
		}
	case revealedMsg:
		if msg.to == d {
			return d.handleRevealed(msg)
		}
	case remaskMsg:
		if msg.path == d.path && d.shownBy[msg.field] == msg.seq {
			delete(d.shown, msg.field)
			delete(d.shownBy, msg.field)
		}
	case savedMsg:
		if msg.added && msg.err == nil && msg.path != d.path {
			// The list selects what was just added; beside it (a wide
			// terminal) this detail must show the same secret, or its
			// keys would act on one the cursor has left.
			d.leave()
			d.path, d.sec, d.fields, d.sel, d.err = msg.path, nil, nil, 0, nil
			return loadSecret(d.c, d.path)
		}
		if msg.err == nil && msg.path == d.path {
			d.leave()
			return loadSecret(d.c, d.path)
		}
	case changeResult:
		if _, err := msg.outcome(); err == nil && msg.changedPath() == d.path {
			d.leave()
			return loadSecret(d.c, d.path)
		}
	case revisionMsg:
		if msg.err != nil || msg.rev == d.rev {
			return nil
		}
		// The first look reloads too: a change made between this
		// detail's load and that look would otherwise go unseen.
		d.rev = msg.rev
		return loadSecret(d.c, d.path)
	case tea.KeyMsg:
		return d.handleKey(msg)
	}
	return nil
}

// goneNote says a secret shown was moved or purged by another process.
func goneNote(path string) string {
	return path + " is no longer in the store: moved or purged elsewhere"
}

func (d *detail) handleLoaded(msg secretLoadedMsg) {
	d.err = msg.err
	if errors.Is(msg.err, store.ErrNotFound) && d.sec != nil {
		// Moved or purged elsewhere: nothing of it stays on the screen,
		// and no key acts on a path that is gone.
		d.leave()
		d.sec, d.fields, d.sel = nil, nil, 0
		d.err = errors.New(goneNote(d.path) + ". esc goes back to the list")
	}
	if msg.err != nil {
		return
	}
	if d.sec != nil && msg.sec.Current != d.sec.Current {
		// A new version came in (from elsewhere): values revealed from
		// the old one must not pass for the current ones.
		d.leave()
	}
	d.sec = msg.sec
	d.fields = nil
	if v, ok := msg.sec.Version(msg.sec.Current); ok {
		d.fields = v.Fields
	}
	d.sel = min(max(d.sel, 0), max(0, len(d.fields)-1))
}

func (d *detail) handleRevealed(msg revealedMsg) tea.Cmd {
	if msg.err != nil {
		return func() tea.Msg { return statusMsg{err: msg.err} }
	}
	if msg.gen != d.shownSeq {
		return nil // left, or hidden, since it was asked for
	}
	d.shownSeq++
	d.shown[msg.field] = msg.value
	d.shownBy[msg.field] = d.shownSeq
	seq, path, field := d.shownSeq, msg.path, msg.field
	return d.c.Tick(d.c.RevealFor, func(time.Time) tea.Msg { return remaskMsg{path, field, seq} })
}

func (d *detail) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := d.Keys().(detailKeys)
	switch {
	case key.Matches(msg, k.Back):
		return d.c.pop(d)
	case key.Matches(msg, k.Up):
		d.sel, d.scroll = max(0, d.sel-1), 0
	case key.Matches(msg, k.Down):
		d.sel, d.scroll = min(len(d.fields)-1, d.sel+1), 0
	case key.Matches(msg, k.PgDown):
		d.scroll += max(1, d.page-2)
	case key.Matches(msg, k.PgUp):
		d.scroll -= max(1, d.page-2)
	case key.Matches(msg, k.Reveal):
		f := d.field()
		if _, ok := d.shown[f]; ok {
			delete(d.shown, f)
			delete(d.shownBy, f)
			d.shownSeq++
			return nil
		}
		return d.reveal(f)
	case key.Matches(msg, k.Copy):
		return copyField(d.c, d.path, d.field())
	case key.Matches(msg, k.Edit):
		d.leave()
		return d.c.push(newSecretForm(d.c, d.sec))
	case key.Matches(msg, k.Gen):
		d.leave()
		return d.c.push(newGenerate(d.c, d.sec, d.field()))
	case key.Matches(msg, k.History):
		d.leave()
		return d.c.push(newHistory(d.c, d.sec))
	case key.Matches(msg, k.Add):
		d.leave()
		return d.c.push(newSecretForm(d.c, nil))
	case key.Matches(msg, k.Retire):
		return d.c.openDialog(newConfirm(d.c, "Retire "+d.path+"?",
			"It stays in the store with its versions; setting a new value brings it back.",
			"retire", retireSecret(d.c.Ctx, d.c.Store, d.path)))
	}
	return nil
}
