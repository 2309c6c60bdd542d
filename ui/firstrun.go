package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// firstRun creates the store. It tries the OS keyring first; where there is
// none, it says why in one sentence and offers a passphrase-protected
// identity file beside the store instead (DESIGN.md, Keys and encryption).

type frState int

const (
	frIntro frState = iota
	frCreating
	frPassphrase
)

type firstRunKeys struct {
	Create, Next, Back key.Binding
}

func (k firstRunKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Create, k.Next, k.Back} }
func (k firstRunKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

type firstRun struct {
	c     *Common
	keys  firstRunKeys
	state frState

	reason      string // why the keyring cannot be used
	pass, again textinput.Model
	err         error
}

func newFirstRun(c *Common) *firstRun {
	f := &firstRun{c: c, keys: firstRunKeys{
		Create: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "create the store")),
		Next:   key.NewBinding(key.WithKeys("tab", "down", "up", "shift+tab"), key.WithHelp("tab", "next input")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}}
	// EchoNone: not even the length of a passphrase is shown.
	f.pass = newInput("passphrase", 0)
	f.pass.EchoMode = textinput.EchoNone
	f.again = newInput("the same again", 0)
	f.again.EchoMode = textinput.EchoNone
	return f
}

// storeReadyMsg carries the store Init made, or why it could not.
type storeReadyMsg struct {
	store *store.Store
	note  string
	err   error
}

// fixedPassphrase answers Init's prompt with what was typed in the form.
// It holds a wcrypto.Secret so no printing of it shows the passphrase.
type fixedPassphrase struct{ p wcrypto.Secret }

func (f fixedPassphrase) Passphrase(string, bool) (string, error) { return f.p.Reveal(), nil }

func initStore(c *Common, o store.InitOptions) tea.Cmd {
	file, ctx := c.StoreFile, c.Ctx
	return func() tea.Msg {
		res, err := store.Init(ctx, file, o)
		if err != nil {
			return storeReadyMsg{err: err}
		}
		note := fmt.Sprintf("created store %s; its identity is in the OS keyring", res.Store.Name)
		switch {
		case o.IdentityFile != "":
			note = fmt.Sprintf("created store %s with your identity %s: unlock it with --identity", res.Store.Name, o.IdentityFile)
		case res.IdentityPath != "":
			note = fmt.Sprintf("created store %s; its identity is in %s, protected by your passphrase", res.Store.Name, res.IdentityPath)
		}
		return storeReadyMsg{store: res.Store, note: note}
	}
}

// keyringProbedMsg says whether the OS keyring answered the probe made
// when the welcome screen opened.
type keyringProbedMsg struct{ err error }

// Init asks the keyring, in the background, whether it answers (a read of
// an item nobody stores): where it does not, the welcome screen says so
// before anyone presses enter, and offers the passphrase instead.
func (f *firstRun) Init() tea.Cmd {
	if f.c.IdentityFile != "" {
		return nil // no keyring needed
	}
	return func() tea.Msg {
		_, err := wcrypto.KeyringGet("ward-first-run-probe")
		if errors.Is(err, wcrypto.ErrKeyringNotFound) {
			err = nil
		}
		return keyringProbedMsg{err}
	}
}

func (f *firstRun) Typing() bool { return f.state == frPassphrase }

func (f *firstRun) Keys() help.KeyMap {
	k := f.keys
	k.Create.SetEnabled(f.state != frCreating)
	k.Next.SetEnabled(f.state == frPassphrase)
	k.Back.SetEnabled(f.state == frPassphrase)
	return k
}

func (f *firstRun) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case storeReadyMsg:
		return f.handleInitFailed(msg.err)
	case keyringProbedMsg:
		if msg.err != nil && f.state == frIntro && f.reason == "" {
			f.reason = "the OS keyring cannot be used"
			var ke *wcrypto.KeyringError
			if errors.As(msg.err, &ke) {
				f.reason = "no OS keyring here: " + ke.Reason
			}
		}
	case tea.KeyMsg:
		return f.handleKey(msg)
	}
	return nil
}

// handleInitFailed decides what a failed Init means: no keyring leads to
// the passphrase form; anything else is shown as it is.
func (f *firstRun) handleInitFailed(err error) tea.Cmd {
	if f.state == frCreating && f.reason == "" && errors.Is(err, wcrypto.ErrKeyringUnavailable) {
		f.state, f.err = frPassphrase, nil
		f.reason = "the OS keyring cannot be used"
		var ke *wcrypto.KeyringError
		if errors.As(err, &ke) {
			f.reason = ke.Error()
		}
		return f.pass.Focus()
	}
	f.err = err
	if f.reason != "" {
		f.state = frPassphrase
		return f.pass.Focus()
	}
	f.state = frIntro
	return nil
}

func (f *firstRun) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := f.Keys().(firstRunKeys)
	switch f.state {
	case frIntro:
		if key.Matches(msg, k.Create) && f.reason != "" {
			// The keyring already failed: straight to the passphrase.
			f.state, f.err = frPassphrase, nil
			return f.pass.Focus()
		}
		if key.Matches(msg, k.Create) {
			f.state, f.err = frCreating, nil
			return initStore(f.c, store.InitOptions{IdentityFile: f.c.IdentityFile})
		}
	case frPassphrase:
		switch {
		case key.Matches(msg, k.Back):
			f.state, f.err = frIntro, nil
			f.pass.Reset()
			f.again.Reset()
			f.pass.Blur()
			f.again.Blur()
		case key.Matches(msg, k.Next):
			return f.toggleInput()
		case key.Matches(msg, k.Create):
			if f.pass.Focused() {
				// Too short is said at once, not after the second typing.
				if weak := store.CheckNewPassphrase(f.pass.Value()); weak != nil {
					f.err = weak
					f.pass.Reset()
					return nil
				}
				return f.toggleInput()
			}
			return f.createWithPassphrase()
		default:
			f.err = nil // typing again: the last complaint is answered or moot
			var cmd tea.Cmd
			if f.pass.Focused() {
				f.pass, cmd = f.pass.Update(msg)
			} else {
				f.again, cmd = f.again.Update(msg)
			}
			return cmd
		}
	}
	return nil
}

func (f *firstRun) toggleInput() tea.Cmd {
	if f.pass.Focused() {
		f.pass.Blur()
		return f.again.Focus()
	}
	f.again.Blur()
	return f.pass.Focus()
}

func (f *firstRun) createWithPassphrase() tea.Cmd {
	p, q := f.pass.Value(), f.again.Value()
	weak := store.CheckNewPassphrase(p)
	switch {
	case weak != nil:
		f.err = weak
	case p != q:
		f.err = errors.New("the two passphrases differ: type them again")
	default:
		f.err = nil
		f.state = frCreating
		f.pass.Reset()
		f.again.Reset()
		return initStore(f.c, store.InitOptions{NoKeyring: true, Prompter: fixedPassphrase{wcrypto.NewSecret(p)}})
	}
	f.pass.Reset()
	f.again.Reset()
	f.again.Blur()
	return f.pass.Focus()
}

func (f *firstRun) View(w, h int) string {
	st := f.c.Styles
	tw := max(20, min(w, 76))
	wrap := func(s string) string { return ansi.Wrap(s, tw, " /") }
	lines := []string{st.App.Header.Render("Welcome to ward"), ""}
	// Paths on lines of their own, whole where they fit (wrapped into the
	// sentence, one broke at a hyphen of a directory name).
	path := func(p string) string {
		return "  " + strings.Join(wrapPath(p, tw-2), "\n  ")
	}
	lines = append(lines, "There is no store yet. ward will create one at", path(f.c.StoreFile))
	switch {
	case f.c.IdentityFile != "":
		lines = append(lines, "encrypted to your identity", path(f.c.IdentityFile), wrap("(as ward init --identity does)."))
	case f.reason != "":
		lines = append(lines, wrap("encrypted with a new age identity."))
	default:
		lines = append(lines, wrap("encrypted with a new age identity that is kept in your OS keyring."))
	}
	lines = append(lines, "")
	switch f.state {
	case frIntro:
		if f.reason != "" {
			lines = append(lines, st.App.Muted.Render(wrap(f.reason+": the identity goes in a file beside the store, under a passphrase.")), "")
		}
		lines = append(lines, "Press enter to create the store.")
	case frCreating:
		lines = append(lines, st.App.Muted.Render("creating the store…"))
	case frPassphrase:
		lines = append(lines,
			st.Status.Error.Render(wrap(f.reason+".")),
			wrap("Instead, the identity can be kept in a file beside the store, encrypted with a passphrase you choose (you will type it to unlock the store)."),
			"")
		marker := func(in *textinput.Model) string {
			if in.Focused() {
				return "› "
			}
			return "  "
		}
		filled := func(in *textinput.Model) string {
			if in.Value() == "" {
				return st.App.Muted.Render("(empty)")
			}
			return st.App.Muted.Render("(typed, not shown)")
		}
		lines = append(lines,
			marker(&f.pass)+padRight("passphrase", 12)+f.pass.View()+" "+filled(&f.pass),
			marker(&f.again)+padRight("again", 12)+f.again.View()+" "+filled(&f.again),
			"",
			"Press enter on the second line to create the store.")
	}
	if f.err != nil {
		lines = append(lines, "", st.Status.Error.Render(wrap(f.err.Error())))
	}
	return joinLines(lines)
}

// wrapPath breaks a file path into lines of at most w cells after its
// slashes, so every directory name stays whole where it fits.
func wrapPath(p string, w int) []string {
	w = max(w, 1)
	var lines []string
	cur := ""
	for _, seg := range strings.SplitAfter(p, "/") {
		if cur != "" && ansi.StringWidth(cur+seg) > w {
			lines = append(lines, cur)
			cur = ""
		}
		cur += seg
		for ansi.StringWidth(cur) > w { // one name longer than a line
			lines = append(lines, ansi.Truncate(cur, w, ""))
			cur = ansi.TruncateLeft(cur, w, "")
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}
