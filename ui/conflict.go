package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
)

// Rules this file enforces:
//   - the three values of a field reach the screen only after `r`, for the
//     selected row only, and only once the reveal is in the audit log: the
//     local value through store.Get with Action "reveal", the remote and
//     base values (read by Client.Diff) through a "reveal" entry written
//     with store.Record before they are shown;
//   - revealed values are masked again after Common.RevealFor, when the
//     selection moves, and when the screen is left; the diff itself is
//     dropped when the screen is left;
//   - keeping a side or merging is confirmed, and runs Client.Resolve in a
//     tea.Cmd.

type conflictKeys struct {
	Up, Down, Reveal, Pick, Right, Merge, KeepLocal, KeepRemote, Back key.Binding
}

func newConflictKeys() conflictKeys {
	return conflictKeys{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "prev")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next")),
		Reveal:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reveal")),
		Pick:       key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "pick")),
		Right:      key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "take remote")),
		Merge:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "merge")),
		KeepLocal:  key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "keep local")),
		KeepRemote: key.NewBinding(key.WithKeys("m", "R"), key.WithHelp("m/R", "keep remote")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

func (k conflictKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Reveal, k.Pick, k.Merge, k.KeepLocal, k.KeepRemote, k.Back}
}

func (k conflictKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Reveal}, {k.Pick, k.Merge}, {k.KeepLocal, k.KeepRemote, k.Back}}
}

// conflictRow is one field, or one ward metadata key, on the three sides.
type conflictRow struct {
	field *wsync.FieldDiff
	meta  *wsync.MetaDiff
}

func (r conflictRow) name() string {
	if r.field != nil {
		return r.field.Name
	}
	return r.meta.Key
}

// differs reports whether local and remote disagree, so a merge must say
// which side the row comes from.
func (r conflictRow) differs() bool {
	if f := r.field; f != nil {
		return f.InLocal != f.InRemote || !f.Local.Equal(f.Remote)
	}
	return r.meta.Local != r.meta.Remote
}

// defaultSide is the side that changed since the base, when only one did;
// "" when both did or there is no base (hasBase: the item has one).
func (r conflictRow) defaultSide(hasBase bool) wsync.Side {
	if !hasBase {
		return ""
	}
	if f := r.field; f != nil {
		switch {
		case f.InLocal == f.InBase && f.Local.Equal(f.Base):
			return wsync.PreferRemote
		case f.InRemote == f.InBase && f.Remote.Equal(f.Base):
			return wsync.PreferLocal
		}
		return ""
	}
	m := r.meta
	switch {
	case m.Local == m.Base:
		return wsync.PreferRemote
	case m.Remote == m.Base:
		return wsync.PreferLocal
	}
	return ""
}

// conflictReveal is one row's three values while they are shown.
type conflictReveal struct {
	field                     string
	local, remote, base       wcrypto.Secret
	inLocal, inRemote, inBase bool
}

// conflictScreen shows one conflict side by side and resolves it.
type conflictScreen struct {
	c      *Common
	keys   conflictKeys
	client *wsync.Client
	item   wsync.Item

	diff   *wsync.Diff
	err    error // loading the diff, revealing or resolving
	rows   []conflictRow
	choice map[string]wsync.Side // row name ("meta:" prefix for metadata) → side
	sel    int

	shown    *conflictReveal
	shownSeq int  // counts reveals, hides and leaves: older answers are stale
	busy     bool // a resolve is running
}

func newConflictScreen(c *Common, client *wsync.Client, it wsync.Item) *conflictScreen {
	return &conflictScreen{c: c, keys: newConflictKeys(), client: client, item: it, choice: map[string]wsync.Side{}}
}

// diffLoadedMsg carries a conflict's diff (values inside, as Secrets) to
// the screen that asked.
type diffLoadedMsg struct {
	to   *conflictScreen
	diff *wsync.Diff
	err  error
}

// String keeps the diff out of any printing of the message.
func (m diffLoadedMsg) String() string { return fmt.Sprintf("diffLoadedMsg{err: %v}", m.err) }

// GoString is String, for %#v.
func (m diffLoadedMsg) GoString() string { return m.String() }

// conflictRevealedMsg carries one row's revealed values.
type conflictRevealedMsg struct {
	to  *conflictScreen
	gen int
	rev *conflictReveal
	err error
}

func (m conflictRevealedMsg) String() string {
	return fmt.Sprintf("conflictRevealedMsg{err: %v}", m.err)
}

// GoString is String, for %#v.
func (m conflictRevealedMsg) GoString() string { return m.String() }

// conflictRemaskMsg hides revealed values again; seq ties it to a reveal.
type conflictRemaskMsg struct {
	to  *conflictScreen
	seq int
}

// conflictResolveMsg is a confirmed choice, sent back to the screen so it
// shows that the resolve runs.
type conflictResolveMsg struct {
	to     *conflictScreen
	choice wsync.Choice
	how    string
}

// conflictResolvedMsg is the outcome of a resolve. It is broadcast as a
// change: the plan marks the item resolved, the list reloads.
type conflictResolvedMsg struct {
	remote, path, how string
	sum               *wsync.Summary
	err               error
}

func (conflictResolvedMsg) broadcast()            {}
func (m conflictResolvedMsg) changedPath() string { return m.path }
func (m conflictResolvedMsg) outcome() (string, error) {
	if m.err != nil {
		return "", fmt.Errorf("resolve %s: %w", m.path, m.err)
	}
	if m.sum != nil && len(m.sum.Conflicts) > 0 {
		return "", fmt.Errorf("resolve %s: it changed again since the plan: plan again (p) and look again", m.path)
	}
	if m.sum != nil && len(m.sum.Failures) > 0 {
		return "", fmt.Errorf("resolve %s: %w", m.path, m.sum.Failures[0])
	}
	return "resolved " + m.path + ": " + m.how, nil
}

func (cs *conflictScreen) Init() tea.Cmd {
	st, ctx, cl, it, to := cs.c.Store, cs.c.Ctx, cs.client, cs.item, cs
	return func() tea.Msg {
		d, err := cl.Diff(ctx, st, it)
		return diffLoadedMsg{to: to, diff: d, err: err}
	}
}

func (cs *conflictScreen) Typing() bool { return false }

// mergeable reports whether both sides hold the secret: a field-by-field
// merge needs both.
func (cs *conflictScreen) mergeable() bool {
	it := cs.item
	return it.LocalVersion > 0 && !it.LocalDeleted && it.RemoteVersion > 0 && !it.RemoteDeleted
}

func (cs *conflictScreen) row() (conflictRow, bool) {
	if cs.sel < 0 || cs.sel >= len(cs.rows) {
		return conflictRow{}, false
	}
	return cs.rows[cs.sel], true
}

func choiceKey(r conflictRow) string {
	if r.meta != nil {
		return "meta:" + r.meta.Key
	}
	return r.field.Name
}

// undecided counts the rows that differ and have no side yet.
func (cs *conflictScreen) undecided() int {
	n := 0
	for _, r := range cs.rows {
		if r.differs() && cs.choice[choiceKey(r)] == "" {
			n++
		}
	}
	return n
}

func (cs *conflictScreen) Keys() help.KeyMap {
	k := cs.keys
	ready := cs.diff != nil && !cs.busy
	r, ok := cs.row()
	k.Up.SetEnabled(len(cs.rows) > 1)
	k.Down.SetEnabled(len(cs.rows) > 1)
	k.Reveal.SetEnabled(ready && ok && r.field != nil)
	k.Pick.SetEnabled(ready && ok && r.differs() && cs.mergeable())
	k.Right.SetEnabled(k.Pick.Enabled())
	k.Merge.SetEnabled(ready && cs.mergeable() && cs.undecided() == 0)
	k.KeepLocal.SetEnabled(ready)
	k.KeepRemote.SetEnabled(ready)
	k.Back.SetEnabled(!cs.busy)
	return k
}

// leave masks everything and drops the diff's values.
func (cs *conflictScreen) leave() {
	cs.shown = nil
	cs.shownSeq++
	cs.diff = nil
	cs.rows = nil
}

func (cs *conflictScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case diffLoadedMsg:
		if msg.to == cs {
			cs.handleDiff(msg)
		}
	case conflictRevealedMsg:
		if msg.to == cs {
			return cs.handleRevealed(msg)
		}
	case conflictRemaskMsg:
		if msg.to == cs && msg.seq == cs.shownSeq {
			cs.hide()
		}
	case conflictResolveMsg:
		if msg.to == cs {
			cs.busy, cs.err = true, nil
			cs.hide()
			return cs.resolve(msg.choice, msg.how)
		}
	case conflictResolvedMsg:
		if msg.path == cs.item.Path && cs.busy {
			cs.busy = false
			if _, err := msg.outcome(); err != nil {
				cs.err = err
				return nil
			}
			return cs.c.pop(cs)
		}
	case tea.KeyMsg:
		return cs.handleKey(msg)
	}
	return nil
}

func (cs *conflictScreen) handleDiff(msg diffLoadedMsg) {
	if msg.err != nil {
		cs.err = fmt.Errorf("read both sides of %s: %w", cs.item.Path, msg.err)
		return
	}
	cs.diff = msg.diff
	cs.rows = cs.rows[:0]
	for i := range msg.diff.Fields {
		cs.rows = append(cs.rows, conflictRow{field: &msg.diff.Fields[i]})
	}
	for i := range msg.diff.Meta {
		cs.rows = append(cs.rows, conflictRow{meta: &msg.diff.Meta[i]})
	}
	// Rows that changed on one side only start on that side. Without the
	// base's values (no version on either side still holds them) fields
	// have no default.
	fieldBase := false
	for _, f := range msg.diff.Fields {
		fieldBase = fieldBase || f.InBase
	}
	for _, r := range cs.rows {
		if r.differs() {
			if s := r.defaultSide(cs.item.HasBase && (r.meta != nil || fieldBase)); s != "" {
				cs.choice[choiceKey(r)] = s
			}
		}
	}
	// Start on the first row that needs a decision.
	for i, r := range cs.rows {
		if r.differs() && cs.choice[choiceKey(r)] == "" {
			cs.sel = i
			break
		}
	}
}

func (cs *conflictScreen) hide() {
	if cs.shown != nil {
		cs.shown = nil
		cs.shownSeq++
	}
}

func (cs *conflictScreen) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := cs.Keys().(conflictKeys)
	switch {
	case key.Matches(msg, k.Back):
		return cs.c.pop(cs)
	case key.Matches(msg, k.Up):
		cs.hide()
		cs.sel = max(0, cs.sel-1)
	case key.Matches(msg, k.Down):
		cs.hide()
		cs.sel = min(len(cs.rows)-1, cs.sel+1)
	case key.Matches(msg, k.Reveal):
		if cs.shown != nil {
			cs.hide()
			return nil
		}
		r, _ := cs.row()
		return cs.reveal(*r.field)
	case key.Matches(msg, k.Pick):
		r, _ := cs.row()
		cs.choice[choiceKey(r)] = wsync.PreferLocal
	case key.Matches(msg, k.Right):
		r, _ := cs.row()
		cs.choice[choiceKey(r)] = wsync.PreferRemote
	case key.Matches(msg, k.Merge):
		return cs.confirmMerge()
	case key.Matches(msg, k.KeepLocal):
		return cs.confirmKeep(wsync.PreferLocal)
	case key.Matches(msg, k.KeepRemote):
		return cs.confirmKeep(wsync.PreferRemote)
	}
	return nil
}

// reveal audits, then shows, one row's three values.
func (cs *conflictScreen) reveal(fd wsync.FieldDiff) tea.Cmd {
	st, ctx, it, to, gen, remote := cs.c.Store, cs.c.Ctx, cs.item, cs, cs.shownSeq, cs.client.Remote.Name
	return func() tea.Msg {
		rev := &conflictReveal{field: fd.Name, inLocal: fd.InLocal, inRemote: fd.InRemote, inBase: fd.InBase}
		if fd.InLocal {
			_, f, err := st.Get(ctx, it.Path, store.GetOptions{Version: it.LocalVersion, Action: "reveal", Field: fd.Name})
			if err != nil {
				return conflictRevealedMsg{to: to, gen: gen, err: fmt.Errorf("reveal %s#%s: %w", it.Path, fd.Name, err)}
			}
			rev.local = f[fd.Name]
		}
		if fd.InRemote || fd.InBase {
			// The remote and base values were read by Diff; this entry
			// records that they were shown, before they are.
			e := store.Entry{Action: "reveal", Path: it.Path, Field: fd.Name, Version: it.RemoteVersion,
				Detail: fmt.Sprintf("sync conflict: the value on remote %s (version %d) and the last synced value", remote, it.RemoteVersion)}
			if err := st.Record(ctx, e); err != nil {
				return conflictRevealedMsg{to: to, gen: gen, err: fmt.Errorf("reveal %s#%s (remote): %w", it.Path, fd.Name, err)}
			}
			rev.remote, rev.base = fd.Remote, fd.Base
		}
		return conflictRevealedMsg{to: to, gen: gen, rev: rev}
	}
}

func (cs *conflictScreen) handleRevealed(msg conflictRevealedMsg) tea.Cmd {
	if msg.err != nil {
		cs.err = msg.err
		return nil
	}
	r, ok := cs.row()
	if msg.gen != cs.shownSeq || !ok || r.field == nil || r.field.Name != msg.rev.field {
		return nil // moved, hidden or left since it was asked for
	}
	cs.shownSeq++
	cs.shown = msg.rev
	seq, to := cs.shownSeq, cs
	return cs.c.Tick(cs.c.RevealFor, func(time.Time) tea.Msg { return conflictRemaskMsg{to: to, seq: seq} })
}

func (cs *conflictScreen) confirmKeep(side wsync.Side) tea.Cmd {
	remote := cs.client.Remote.Name
	title := fmt.Sprintf("Keep the local %s?", cs.item.Path)
	body := fmt.Sprintf("Remote %s gets this store's values and metadata; its current version stays in its history.", remote)
	if side == wsync.PreferRemote {
		title = fmt.Sprintf("Keep %s's %s?", remote, cs.item.Path)
		body = fmt.Sprintf("This store gets %s's values and metadata as a new version; the current one stays in the history.", remote)
	}
	how := "kept " + string(side)
	msg := conflictResolveMsg{to: cs, choice: wsync.Choice{Keep: side}, how: how}
	return cs.c.openDialog(newConfirm(cs.c, title, body, "keep "+string(side), func() tea.Msg { return msg }))
}

func (cs *conflictScreen) confirmMerge() tea.Cmd {
	ch := wsync.Choice{Fields: map[string]wsync.Side{}, Meta: map[string]wsync.Side{}}
	var fromLocal, fromRemote []string
	for _, r := range cs.rows {
		if !r.differs() {
			continue
		}
		side := cs.choice[choiceKey(r)]
		if r.field != nil {
			ch.Fields[r.field.Name] = side
		} else {
			ch.Meta[r.meta.Key] = side
		}
		if side == wsync.PreferLocal {
			fromLocal = append(fromLocal, r.name())
		} else {
			fromRemote = append(fromRemote, r.name())
		}
	}
	sort.Strings(fromLocal)
	sort.Strings(fromRemote)
	var parts []string
	if len(fromLocal) > 0 {
		parts = append(parts, "from local: "+strings.Join(fromLocal, ", "))
	}
	if len(fromRemote) > 0 {
		parts = append(parts, "from "+cs.client.Remote.Name+": "+strings.Join(fromRemote, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "the sides agree on every field")
	}
	body := "Writes the merged values to both sides as new versions (" + strings.Join(parts, "; ") + ")."
	msg := conflictResolveMsg{to: cs, choice: ch, how: "merged"}
	return cs.c.openDialog(newConfirm(cs.c, "Merge "+cs.item.Path+"?", body, "merge", func() tea.Msg { return msg }))
}

func (cs *conflictScreen) resolve(ch wsync.Choice, how string) tea.Cmd {
	st, ctx, cl, it := cs.c.Store, cs.c.Ctx, cs.client, cs.item
	return func() tea.Msg {
		// A resolve runs to its end even if the TUI is quitting: its
		// writes go to both sides.
		sum, err := cl.Resolve(context.WithoutCancel(ctx), st, it, ch)
		if err != nil && errors.Is(err, wsync.ErrConflict) && sum == nil {
			sum = &wsync.Summary{Conflicts: []string{it.Path}}
			err = nil
		}
		return conflictResolvedMsg{remote: cl.Remote.Name, path: it.Path, how: how, sum: sum, err: err}
	}
}
