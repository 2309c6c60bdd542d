package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/opsward/ward/store"
)

const timeLayout = "2006-01-02 15:04 UTC"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(timeLayout)
}

// View draws the secret. The one place a value is drawn is the revealed
// branch of fieldLines.
func (d *detail) View(w, h int) string {
	st := d.c.Styles
	if d.err != nil {
		return st.Status.Error.Render(strings.Join(wrapAtMost(d.err.Error(), w, max(1, h)), "\n"))
	}
	if d.sec == nil {
		return st.App.Muted.Render("loading " + d.path + "…")
	}
	sc := d.sec
	head := store.HeadOf(sc)
	title := st.App.Header.Render(sc.Path)
	if b := renderBadges(badgesFor(&st, &head, d.c.Now())); b != "" {
		title += " " + b
	}
	lines := []string{fit(title, w)}
	lines = append(lines, d.metaLines(w)...)
	lines = append(lines, "", st.Detail.Section.Render(fmt.Sprintf("Fields (version %d)", sc.Current)))
	fields, sel := d.fieldLines(w)
	sel += len(lines)
	lines = append(lines, fields...)
	// Versions fill what room is left, newest first; below the fields
	// (scrolled to) when there is none.
	room := max(h-len(lines)-2, 4)
	lines = append(lines, "", st.Detail.Section.Render("Versions"))
	lines = append(lines, versionLines(&st, sc, w, room)...)
	d.page = h - 1
	if len(lines) <= h {
		d.scroll = 0
		return strings.Join(lines, "\n")
	}
	// More than fits: scroll so the selected field (what r and c act on)
	// is on the screen with the line below it, or as far past it as
	// pgdn/pgup moved; the title stays, and marks say what is above and
	// below.
	at := sel - 1 + d.scroll
	if at >= len(lines)-1 {
		at = len(lines) - 2
		d.scroll = at - (sel - 1)
	}
	if at < 0 {
		at = 0
		d.scroll = -(sel - 1)
	}
	mark := func(s string) string { return st.App.Muted.Render("  " + s + " (pgup/pgdn)") }
	return lines[0] + "\n" + scrollMarked(lines[1:], at, h-1, mark)
}

func (d *detail) metaLines(w int) []string {
	st := d.c.Styles
	sc := d.sec
	m := sc.Meta
	row := func(label, value string) string {
		return fit(st.Detail.Label.Render(padRight(label, 10))+st.Detail.Value.Render(value), w)
	}
	out := []string{
		row("kind", string(m.Kind)),
		row("status", string(m.Status)),
	}
	opt := func(label, value string) {
		if value != "" {
			out = append(out, row(label, value))
		}
	}
	opt("owner", m.Owner)
	opt("tags", strings.Join(m.Tags, ", "))
	opt("usage", strings.Join(m.Usage, ", "))
	// The description is read whole: it wraps under its label (up to
	// five lines) instead of being cut.
	if m.Description != "" {
		wrapped := wrapAtMost(m.Description, max(10, w-10), 5)
		out = append(out, row("about", wrapped[0]))
		for _, l := range wrapped[1:] {
			out = append(out, row("", l))
		}
	}
	if m.RotateEvery > 0 && m.Status != store.StatusRetired {
		due := sc.RotationDue()
		r := fmt.Sprintf("every %s · due %s", m.RotateEvery, fmtTime(due))
		if !due.After(d.c.Now()) {
			r += " (overdue)"
		}
		out = append(out, row("rotation", r))
	}
	if !m.Expires.IsZero() {
		out = append(out, row("expires", fmtTime(m.Expires)))
	}
	out = append(out, row("updated", fmtTime(sc.Updated)))
	return out
}

// fieldLines draws each field of the current version, masked unless
// revealed. A revealed multi-line value (an SSH key, a certificate) is
// drawn below its name.
func (d *detail) fieldLines(w int) (out []string, sel int) {
	st := d.c.Styles
	if len(d.fields) == 0 {
		return []string{st.App.Muted.Render("  (no values in this version)")}, 0
	}
	nameW := 0
	for _, f := range d.fields {
		nameW = max(nameW, lipgloss.Width(f))
	}
	nameW = min(nameW, w/3)
	for i, f := range d.fields {
		marker := "  "
		if i == d.sel {
			marker = "› "
			sel = len(out)
		}
		label := marker + padRight(fit(f, nameW), nameW) + "  "
		v, revealed := d.shown[f]
		if !revealed {
			line := label + st.Detail.Masked.Render(mask)
			if i == d.sel {
				line = st.List.Selected.Render(label) + st.Detail.Masked.Render(mask)
			}
			out = append(out, fit(line, w))
			continue
		}
		val := revealLines(v.Reveal())
		if len(val) == 1 && lipgloss.Width(label)+lipgloss.Width(val[0]) <= w {
			out = append(out, fit(label+st.Detail.Revealed.Render(val[0]), w))
			continue
		}
		// Long lines wrap below the name, and the note says so.
		note := plural(len(val), "line")
		lines, wrapped := wrapReveal(val, w-4)
		if wrapped {
			note += ", wrapped to fit"
		}
		out = append(out, fit(label+st.App.Muted.Render("(revealed, "+note+")"), w))
		for _, l := range lines {
			out = append(out, fit("    "+st.Detail.Revealed.Render(l), w))
		}
	}
	if len(d.shown) > 0 {
		// Say when a shown value goes away, so nobody waits for it or
		// walks off thinking it already has.
		out = append(out, fit(st.App.Muted.Render(fmt.Sprintf("  shown values hide after %s, on leaving, or with r", d.c.RevealFor)), w))
	}
	return out, sel
}

func versionLines(st *Styles, sc *store.Secret, w, room int) []string {
	vs := slices.Clone(sc.Versions)
	slices.Reverse(vs)
	var out []string
	for i, v := range vs {
		if i == room-1 && len(vs) > room {
			out = append(out, st.App.Muted.Render(fmt.Sprintf("  … %d older (h for history)", len(vs)-i)))
			break
		}
		out = append(out, fit(versionLine(st, sc, v), w))
	}
	return out
}

func versionLine(st *Styles, sc *store.Secret, v store.VersionInfo) string {
	cur := " "
	if v.N == sc.Current {
		cur = "*"
	}
	// The action column is as wide as the widest action of the secret's
	// versions ("rollback to 12" is wider than "set").
	aw := 8
	for _, o := range sc.Versions {
		aw = max(aw, len(o.Action))
	}
	s := fmt.Sprintf("%s v%-3d %s  %-*s %s", cur, v.N, fmtTime(v.Created), aw, v.Action, v.Author)
	if v.Purged {
		s += st.App.Muted.Render("  (values dropped)")
	}
	return s
}
