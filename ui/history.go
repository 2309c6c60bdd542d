package ui

import (
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/store"
)

type historyKeys struct {
	Up, Down, PgUp, PgDown, Home, End, Rollback, Back key.Binding
}

func (k historyKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Rollback, k.Back}
}
func (k historyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown, k.Home, k.End}, {k.Rollback, k.Back}}
}

// history lists a secret's versions, newest first; R rolls back to the
// selected one (as a new version, after a confirmation).
type history struct {
	c    *Common
	keys historyKeys
	sec  *store.Secret
	sel  int // index into sec.Versions, newest first
	off  int
	page int // lines of versions the last View showed
	// gone: the secret was moved or purged elsewhere (the detail below
	// reloads it on the store's next revision); R is off.
	gone bool
}

func newHistory(c *Common, sec *store.Secret) *history {
	return &history{c: c, sec: sec, keys: historyKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "newer")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "older")),
		PgUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PgDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "newest")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "oldest")),
		Rollback: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "roll back to this")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}}
}

// rolledBackMsg is the outcome of a rollback.
type rolledBackMsg struct {
	path    string
	to, now int
	err     error
}

func (rolledBackMsg) broadcast()            {}
func (m rolledBackMsg) changedPath() string { return m.path }
func (m rolledBackMsg) outcome() (string, error) {
	return fmt.Sprintf("rolled %s back to version %d (now version %d)", m.path, m.to, m.now), m.err
}

func rollback(c *Common, path string, n int) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	return func() tea.Msg {
		vi, err := s.Rollback(ctx, path, n)
		if err != nil {
			err = fmt.Errorf("roll back %s to version %d: %w", path, n, err)
		}
		return rolledBackMsg{path, n, vi.N, err}
	}
}

func (h *history) Init() tea.Cmd { return nil }
func (h *history) Typing() bool  { return false }

func (h *history) version() (store.VersionInfo, bool) {
	i := len(h.sec.Versions) - 1 - h.sel
	if i < 0 || i >= len(h.sec.Versions) {
		return store.VersionInfo{}, false
	}
	return h.sec.Versions[i], true
}

func (h *history) Keys() help.KeyMap {
	k := h.keys
	v, ok := h.version()
	k.Rollback.SetEnabled(ok && !v.Purged && v.N != h.sec.Current && !h.gone)
	return k
}

func (h *history) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case secretLoadedMsg:
		if msg.path == h.sec.Path {
			h.gone = errors.Is(msg.err, store.ErrNotFound)
			if msg.err == nil {
				h.sec = msg.sec
			}
		}
	case rolledBackMsg:
		if msg.err == nil && msg.path == h.sec.Path {
			return tea.Batch(h.c.pop(h), loadSecret(h.c, h.sec.Path))
		}
	case tea.KeyMsg:
		k := h.Keys().(historyKeys)
		switch {
		case key.Matches(msg, k.Back):
			return h.c.pop(h)
		case key.Matches(msg, k.Up):
			h.sel = max(0, h.sel-1)
		case key.Matches(msg, k.Down):
			h.sel = min(len(h.sec.Versions)-1, h.sel+1)
		case key.Matches(msg, k.PgUp):
			h.sel = max(0, h.sel-max(1, h.page))
		case key.Matches(msg, k.PgDown):
			h.sel = min(len(h.sec.Versions)-1, h.sel+max(1, h.page))
		case key.Matches(msg, k.Home):
			h.sel = 0
		case key.Matches(msg, k.End):
			h.sel = len(h.sec.Versions) - 1
		case !k.Rollback.Enabled() && key.Matches(msg, h.keys.Rollback):
			// Said, not silently ignored.
			v, ok := h.version()
			why := fmt.Sprintf("version %d is the current one: nothing to roll back", v.N)
			switch {
			case h.gone:
				why = goneNote(h.sec.Path)
			case ok && v.Purged:
				why = fmt.Sprintf("version %d's values were dropped by the retention limit: it cannot be rolled back to", v.N)
			}
			if ok {
				return func() tea.Msg { return statusMsg{text: why} }
			}
		case key.Matches(msg, k.Rollback):
			v, _ := h.version()
			return h.c.openDialog(newConfirm(h.c,
				fmt.Sprintf("Roll %s back to version %d?", h.sec.Path, v.N),
				fmt.Sprintf("This writes version %d's values as a new version; version %d stays in the history.", v.N, h.sec.Current),
				"roll back", rollback(h.c, h.sec.Path, v.N)))
		}
	}
	return nil
}

func (h *history) View(w, ht int) string {
	st := h.c.Styles
	sub := st.App.Muted.Render(fmt.Sprintf("%s · current: version %d · * marks it", plural(len(h.sec.Versions), "version"), h.sec.Current))
	if h.gone {
		sub = st.Status.Error.Render(fit(goneNote(h.sec.Path), w))
	}
	lines := []string{fit(st.App.Header.Render("History of "+h.sec.Path), w), sub, ""}
	n := max(1, ht-len(lines))
	h.page = n
	h.off = min(max(h.off, h.sel-n+1), h.sel)
	for i := h.off; i < len(h.sec.Versions) && i < h.off+n; i++ {
		v := h.sec.Versions[len(h.sec.Versions)-1-i]
		line := versionLine(&st, h.sec, v) + "  " + st.App.Muted.Render(fmt.Sprint(v.Fields))
		if i == h.sel {
			lines = append(lines, st.List.Selected.Render(fit("› "+line, w-0)))
			continue
		}
		lines = append(lines, fit("  "+line, w))
	}
	return joinLines(lines)
}
