package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	wcrypto "github.com/opsward/ward/crypto"
	wsync "github.com/opsward/ward/sync"
)

// View draws the conflict. The one place a value is drawn is revealLines.
func (cs *conflictScreen) View(w, h int) string {
	st := cs.c.Styles
	it := cs.item
	remote := cs.client.Remote.Name
	lines := []string{
		fit(st.App.Header.Render("Conflict · "+it.Path), w),
		fit(st.App.Muted.Render(cs.sidesLine(remote)), w),
		"",
	}
	switch {
	case cs.diff == nil && cs.err != nil:
		lines = append(lines, wrapLines(st.Status.Error.Render("error: ")+cs.err.Error(), w, "  ")...)
		return joinLines(lines)
	case cs.diff == nil:
		return joinLines(append(lines, st.App.Muted.Render("reading both sides…")))
	}
	nameW := 5
	for _, r := range cs.rows {
		nameW = max(nameW, lipgloss.Width(r.name()))
	}
	nameW = min(nameW, max(8, w/5))
	const keepW = 9
	colW := min(28, max(8, (w-2-nameW-keepW-8)/3))
	cell := func(s string) string { return padRight(fit(s, colW), colW) + "  " }
	header := "  " + padRight("field", nameW) + "  " + cell("local") + cell(remote) + cell("base") + "keep"
	lines = append(lines, fit(st.Detail.Label.Render(header), w))
	metaStarted := false
	for i, r := range cs.rows {
		if r.meta != nil && !metaStarted {
			metaStarted = true
			lines = append(lines, st.Detail.Section.Render("Metadata"))
		}
		marker := "  "
		if i == cs.sel {
			marker = "› "
		}
		label := marker + padRight(fit(r.name(), nameW), nameW) + "  "
		if i == cs.sel {
			label = st.List.Selected.Render(label)
		}
		var l, rm, b string
		if f := r.field; f != nil {
			l, rm, b = maskCell(&st, f.InLocal), maskCell(&st, f.InRemote), maskCell(&st, f.InBase)
		} else {
			l, rm, b = metaCell(&st, r.meta.Local), metaCell(&st, r.meta.Remote), metaCell(&st, r.meta.Base)
		}
		lines = append(lines, fit(label+cell(l)+cell(rm)+cell(b)+cs.keepCell(r, remote), w))
	}
	lines = append(lines, cs.revealLines(w)...)
	lines = append(lines, "")
	lines = append(lines, wrapLines(st.App.Muted.Render(cs.hintLine(remote)), w, "")...)
	if cs.busy {
		lines = append(lines, st.App.Muted.Render("resolving…"))
	}
	if cs.err != nil {
		lines = append(lines, wrapLines(st.Status.Error.Render("error: ")+cs.err.Error(), w, "  ")...)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return joinLines(lines)
}

func (cs *conflictScreen) sidesLine(remote string) string {
	it := cs.item
	side := func(v int, deleted bool) string {
		switch {
		case v == 0:
			return "absent"
		case deleted:
			return fmt.Sprintf("deleted (v%d)", v)
		}
		return fmt.Sprintf("v%d", v)
	}
	base := "no base (never synced)"
	if it.HasBase {
		base = "base: the last sync"
	}
	return fmt.Sprintf("%s · local %s · %s %s · %s", it.Reason, side(it.LocalVersion, it.LocalDeleted), remote, side(it.RemoteVersion, it.RemoteDeleted), base)
}

func maskCell(st *Styles, present bool) string {
	if !present {
		return st.App.Muted.Render("—")
	}
	return st.Detail.Masked.Render(mask)
}

// metaCell draws a ward metadata value: metadata is not secret (the detail
// screen shows it too).
func metaCell(st *Styles, v string) string {
	if v == "" {
		return st.App.Muted.Render("—")
	}
	return v
}

func (cs *conflictScreen) keepCell(r conflictRow, remote string) string {
	if !r.differs() {
		return "same"
	}
	if !cs.mergeable() {
		return "—"
	}
	switch cs.choice[choiceKey(r)] {
	case wsync.PreferLocal:
		return "◀ local"
	case wsync.PreferRemote:
		return remote + " ▶"
	}
	return cs.c.Styles.Form.Error.Render("? choose")
}

// revealLines draws the selected row's three values while revealed.
func (cs *conflictScreen) revealLines(w int) []string {
	rv := cs.shown
	if rv == nil {
		return nil
	}
	st := cs.c.Styles
	out := []string{"", st.Detail.Section.Render(fmt.Sprintf("%s, revealed (masked again in %s or when you move)", rv.field, cs.c.RevealFor))}
	side := func(name string, v wcrypto.Secret, in bool) {
		label := st.Detail.Label.Render(padRight(name, 8))
		if !in {
			out = append(out, fit(label+st.App.Muted.Render("(absent)"), w))
			return
		}
		vl, _ := wrapReveal(revealLines(v.Reveal()), w-8)
		out = append(out, fit(label+st.Detail.Revealed.Render(vl[0]), w))
		for _, l := range vl[1:] {
			out = append(out, fit(strings.Repeat(" ", 8)+st.Detail.Revealed.Render(l), w))
		}
	}
	side("local", rv.local, rv.inLocal)
	side(cs.client.Remote.Name, rv.remote, rv.inRemote)
	side("base", rv.base, rv.inBase)
	return out
}

func (cs *conflictScreen) hintLine(remote string) string {
	if !cs.mergeable() {
		return fmt.Sprintf("One side no longer holds it: l keeps local, m keeps %s (each asks first).", remote)
	}
	if n := cs.undecided(); n > 0 {
		return fmt.Sprintf("%s to decide: ←/→ picks a side for the selected row; or l (local) or m (remote) keeps one side whole.", plural(n, "row"))
	}
	return "enter merges the picked sides into both; l or m keeps one side whole (each asks first)."
}
