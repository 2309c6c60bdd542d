package ui

import (
	"reflect"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// wideWidth is the width from which the detail pane sits beside the list
// instead of covering it.
const wideWidth = 100

// Root is the top model: it owns the window size, the screen stack, the
// dialog stack, the help bar and the status bar.
type Root struct {
	c       *Common
	w, h    int
	screens []screen
	dialogs []dialog
	help    help.Model
	full    bool // full help shown
	status  statusBar
}

// NewRoot returns the root model: the browser for an unlocked store, the
// first-run screen without one.
func NewRoot(c *Common) *Root {
	r := &Root{c: c, help: help.New()}
	c.nav = r
	r.help.Styles.ShortKey = c.Styles.App.Header
	r.help.Styles.FullKey = c.Styles.App.Header
	if c.Store == nil {
		r.screens = []screen{newFirstRun(c)}
	} else {
		r.screens = []screen{newBrowser(c)}
	}
	return r
}

// Init starts the bottom screen (the browser loads the list).
func (r *Root) Init() tea.Cmd { return r.screens[0].Init() }

func (r *Root) top() screen { return r.screens[len(r.screens)-1] }

func (r *Root) topDialog() dialog {
	if len(r.dialogs) == 0 {
		return nil
	}
	return r.dialogs[len(r.dialogs)-1]
}

// typing reports whether keys go to a text input, which turns off the
// single-letter global keys.
func (r *Root) typing() bool { return r.topDialog() == nil && r.top().Typing() }

// helpFreer is a typing screen whose focus is sometimes on no text input
// (the form's selectors and buttons): there ? opens the help.
type helpFreer interface{ HelpKeyFree() bool }

// helpKeyFree reports whether ? toggles the help rather than being typed.
func (r *Root) helpKeyFree() bool {
	if !r.typing() {
		return true
	}
	hf, ok := r.top().(helpFreer)
	return ok && hf.HelpKeyFree()
}

// Update routes in a fixed order: window size and global keys; the top
// dialog; navigation and results from services; then the active screen.
func (r *Root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(noteExpiredMsg); ok {
		r.status.handleNoteExpired(m)
		return r, nil
	}
	seq := r.status.noteSeq
	model, cmd := r.update(msg)
	if r.status.noteSeq != seq { // a new note: it goes after a while
		cmd = tea.Batch(cmd, r.status.noteExpiry(r.c))
	}
	return model, cmd
}

func (r *Root) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.w, r.h = msg.Width, msg.Height
		r.help.Width = msg.Width
		return r, nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			return r, r.splitRunes(msg)
		}
		if cmd, done := r.handleGlobalKey(msg); done {
			return r, cmd
		}
		if d := r.topDialog(); d != nil {
			return r, d.Update(msg)
		}
		return r, r.top().Update(msg)
	case confirmArmMsg:
		if d := r.topDialog(); d != nil {
			return r, d.Update(msg)
		}
		return r, nil
	case statusMsg:
		r.status.set(msg.text, msg.err)
		return r, nil
	case copiedMsg:
		return r, r.handleCopied(msg)
	case clipTickMsg:
		return r, r.status.handleTick(r.c, msg)
	case storeReadyMsg:
		return r, r.handleStoreReady(msg)
	case headsLoadedMsg:
		if msg.err != nil {
			r.status.set("", msg.err)
		}
		return r, r.screens[0].Update(msg)
	case broadcast:
		return r, r.handleBroadcast(msg)
	}
	return r, r.top().Update(msg)
}

// splitRunes handles keys typed faster than the terminal was read (tmux
// send-keys, a fast typist over SSH) one by one: bubbletea delivers them as
// one message, which would match no binding.
func (r *Root) splitRunes(msg tea.KeyMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, ru := range msg.Runes {
		_, cmd := r.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{ru}, Alt: msg.Alt})
		cmds = append(cmds, cmd)
		if isQuit(cmd) {
			break
		}
	}
	return tea.Sequence(cmds...)
}

// isQuit reports whether cmd is tea.Quit itself.
func isQuit(cmd tea.Cmd) bool {
	return cmd != nil && reflect.ValueOf(cmd).Pointer() == reflect.ValueOf(tea.Quit).Pointer()
}

func (r *Root) handleGlobalKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := r.c.Keys
	typing := r.typing()
	// q answers no question: in a dialog (discard this form?) it would
	// quit and throw away what the dialog guards. ctrl+c still quits.
	k.Quit.SetEnabled(!typing && r.topDialog() == nil)
	k.Help.SetEnabled(r.helpKeyFree())
	switch {
	case key.Matches(msg, k.ForceQuit), key.Matches(msg, k.Quit):
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		r.full = !r.full
		return nil, true
	}
	return nil, false
}

func (r *Root) pushScreen(s screen) tea.Cmd {
	r.screens = append(r.screens, s)
	// A message is about what was done on the screen below; the new
	// screen starts without it (the clipboard countdown stays).
	r.status.set("", nil)
	return s.Init()
}

func (r *Root) popScreen(s screen) {
	if len(r.screens) <= 1 || r.top() != s {
		return
	}
	if l, ok := s.(leaver); ok {
		l.leave()
	}
	r.screens = r.screens[:len(r.screens)-1]
	// Likewise an error shown while s was on top (a failed save the
	// form was then cancelled after) is not about the screen below.
	if r.status.err != nil {
		r.status.set("", nil)
	}
}

func (r *Root) pushDialog(d dialog) tea.Cmd {
	r.dialogs = append(r.dialogs, d)
	return d.Init()
}

func (r *Root) closeDialog(d dialog) {
	if r.topDialog() == d {
		r.dialogs = r.dialogs[:len(r.dialogs)-1]
	}
}

// leaver is a screen that must forget something when it is closed (a
// revealed value).
type leaver interface{ leave() }

func (r *Root) handleBroadcast(msg tea.Msg) tea.Cmd {
	if cr, ok := msg.(changeResult); ok {
		text, err := cr.outcome()
		if oe, ok := msg.(ownErrorer); !ok || !oe.ownError() {
			r.status.set(text, err)
		}
	}
	cmds := make([]tea.Cmd, 0, len(r.screens))
	for _, s := range r.screens {
		cmds = append(cmds, s.Update(msg))
	}
	return tea.Batch(cmds...)
}

// ownErrorer is a change result whose failure the screen that asked for
// it shows itself (the form, the generate dialog): said once, not again on
// the status bar.
type ownErrorer interface{ ownError() bool }

// changeResult is a broadcast result of a change to a secret; the status
// bar shows its outcome.
type changeResult interface {
	broadcast
	outcome() (string, error)
	changedPath() string
}

func (r *Root) handleStoreReady(msg storeReadyMsg) tea.Cmd {
	if msg.err != nil {
		return r.top().Update(msg)
	}
	r.c.Store = msg.store
	r.screens = []screen{newBrowser(r.c)}
	r.status.setSticky(msg.note)
	return r.screens[0].Init()
}

// View draws header, body, help and status bar.
func (r *Root) View() string {
	if r.w <= 0 || r.h <= 0 {
		return ""
	}
	header := r.headerView()
	var keys help.KeyMap = combinedKeys{local: r.top().Keys(), global: r.c.Keys}
	if d := r.topDialog(); d != nil {
		keys = combinedKeys{local: d.Keys(), global: r.c.Keys}
	}
	gk := r.c.Keys
	gk.Quit.SetEnabled(!r.typing() && r.topDialog() == nil)
	gk.Help.SetEnabled(r.helpKeyFree())
	keys = withGlobals(keys, gk)
	var helpView string
	if r.full {
		helpView = r.help.FullHelpView(keys.FullHelp())
	} else {
		helpView = r.shortHelp(keys.ShortHelp(), r.w)
	}
	// bubbles/help can overflow its width when even the ellipsis does not
	// fit; never let it wrap the layout.
	helpView = fitBlock(helpView, r.w, lipgloss.Height(helpView))
	statusView := r.status.view(r.c, r.w, r.statusInfo())
	bodyH := r.h - 1 - lipgloss.Height(helpView) - lipgloss.Height(statusView)
	if bodyH < 1 {
		bodyH = 1
	}
	body := r.bodyView(r.w, bodyH)
	if d := r.topDialog(); d != nil {
		body = overlay(body, d.View(r.w, bodyH), r.w, bodyH)
	}
	return strings.Join([]string{header, body, helpView, statusView}, "\n")
}

func withGlobals(k help.KeyMap, g GlobalKeyMap) help.KeyMap {
	if ck, ok := k.(combinedKeys); ok {
		ck.global = g
		return ck
	}
	return k
}

func (r *Root) headerView() string {
	st := r.c.Styles
	title := st.App.Title.Render("ward")
	name := st.App.Header.Render(r.c.StoreName())
	if r.c.Demo {
		name += st.App.Muted.Render(" (demo store: fake values)")
	}
	return fit(title+" "+name, r.w)
}

// bodyView draws the top screen; a detail over the browser on a wide
// terminal sits beside the list rather than covering it.
func (r *Root) bodyView(w, h int) string {
	n := len(r.screens)
	if _, ok := r.top().(*detail); ok && w >= wideWidth && n >= 2 {
		if b, ok := r.screens[n-2].(*browser); ok {
			lw := max(36, w*2/5)
			left := fitBlock(b.View(lw, h), lw, h)
			sep := strings.TrimRight(strings.Repeat(r.c.Styles.Divider.Render("│")+"\n", h), "\n")
			right := fitBlock(r.top().View(w-lw-1, h), w-lw-1, h)
			return lipgloss.JoinHorizontal(lipgloss.Top, left, sep, right)
		}
	}
	return fitBlock(r.top().View(w, h), w, h)
}

func (r *Root) statusInfo() statusInfo {
	info := statusInfo{store: r.c.StoreName()}
	if b, ok := r.screens[0].(*browser); ok {
		info.count, info.loaded = len(b.heads), b.loaded
		info.filter, info.matches = b.filterText(), b.matchCount()
	}
	return info
}

// fit cuts s to w cells.
func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// fitBlock makes s exactly w cells wide and h lines high, so columns line up
// and the layout never grows past the window.
// shortHelp is bubbles/help's short view, its ellipsis kept within w:
// bubbles adds an item that overflows when the ellipsis after it would
// not fit, and the line was then cut in the middle of a word.
func (r *Root) shortHelp(bs []key.Binding, w int) string {
	hs := r.help.Styles
	sep := hs.ShortSeparator.Inline(true).Render(r.help.ShortSeparator)
	ellipsis := " " + hs.Ellipsis.Inline(true).Render(r.help.Ellipsis)
	var items []string
	for _, kb := range bs {
		if kb.Enabled() {
			items = append(items, hs.ShortKey.Inline(true).Render(kb.Help().Key)+" "+hs.ShortDesc.Inline(true).Render(kb.Help().Desc))
		}
	}
	// The most items that fit, with the ellipsis after them if some are
	// left out.
	k, used := 0, 0
	for k < len(items) {
		iw := lipgloss.Width(items[k])
		if k > 0 {
			iw += lipgloss.Width(sep)
		}
		tail := 0
		if k+1 < len(items) {
			tail = lipgloss.Width(ellipsis)
		}
		if used+iw+tail > w {
			break
		}
		used += iw
		k++
	}
	out := strings.Join(items[:k], sep)
	if k < len(items) {
		out += ellipsis
	}
	return out
}

func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lw := lipgloss.Width(l)
		switch {
		case lw > w:
			lines[i] = ansi.Truncate(l, w, "…")
		case lw < w:
			lines[i] = l + strings.Repeat(" ", w-lw)
		}
	}
	return strings.Join(lines, "\n")
}

// overlay draws box centred over bg (w×h).
func overlay(bg, box string, w, h int) string {
	bl := strings.Split(bg, "\n")
	boxLines := strings.Split(box, "\n")
	bw := lipgloss.Width(box)
	x := max(0, (w-bw)/2)
	y := max(0, (h-len(boxLines))/2)
	for i, line := range boxLines {
		row := y + i
		if row >= len(bl) {
			break
		}
		left := ansi.Truncate(bl[row], x, "")
		if pad := x - lipgloss.Width(left); pad > 0 {
			left += strings.Repeat(" ", pad)
		}
		right := ansi.TruncateLeft(bl[row], x+lipgloss.Width(line), "")
		bl[row] = left + line + right
	}
	return strings.Join(bl, "\n")
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
