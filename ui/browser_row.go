package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// rowView draws one row: a folder heading, or a secret with its kind and
// badges on the right. The name is cut, never the badges: a badge is the
// reason to look.
func (b *browser) rowView(row int32, selected bool, w int, now time.Time) string {
	st := b.c.Styles
	if row < 0 {
		f := b.folders[-row-1]
		if f == "" {
			f = "(top level)"
		} else {
			f += "/"
		}
		return fit(st.List.Folder.Render(f), w)
	}
	h := &b.heads[row]
	marker := "  "
	if selected {
		marker = "› "
	}
	var name string
	if b.query != "" {
		name = highlight(h.Path, fuzzyPositionsTerms(b.lower[row], strings.Fields(b.query)), st.List.Match)
	} else {
		name = "  " + h.Path[lastSlash(h.Path)+1:]
	}
	badges := renderBadges(badgesFor(&st, h, now))
	var line string
	if w >= 60 {
		// Columns: name, kind, badges. The name column's width depends on
		// the window only, so the columns line up row after row.
		// Room for one badge, by the window's width alone so the kind
		// column stays put while scrolling; a row with more badges gives
		// its name the difference.
		reserve := 18
		if w >= 100 {
			reserve = min(36, w/5)
		}
		nameW := max(16, w-2-1-12-1-max(reserve, lipgloss.Width(badges)))
		line = marker + padRight(fitMiddle(name, nameW), nameW) + " " + st.List.Kind.Render(padRight(string(h.Kind), 12)) + " " + badges
	} else {
		nameW := max(8, w-2-1-lipgloss.Width(badges))
		line = marker + padRight(fitMiddle(name, nameW), nameW) + " " + badges
	}
	line = fit(strings.TrimRight(line, " "), w)
	if selected {
		return st.List.Selected.Render(ansi.Strip(line))
	}
	return line
}

// highlight styles the bytes of s at pos (ascending).
func highlight(s string, pos []int, style lipgloss.Style) string {
	if len(pos) == 0 {
		return s
	}
	var sb strings.Builder
	last := 0
	for _, p := range pos {
		sb.WriteString(s[last:p])
		sb.WriteString(style.Render(s[p : p+1]))
		last = p + 1
	}
	sb.WriteString(s[last:])
	return sb.String()
}

func padRight(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// fitMiddle cuts s to w cells in the middle, keeping more of the end: of
// names alike but for a number at the end (…-number-11, …-number-12), the
// end is what tells them apart.
func fitMiddle(s string, w int) string {
	n := lipgloss.Width(s)
	if n <= w {
		return s
	}
	if w < 8 {
		return fit(s, w)
	}
	head := (w - 1) / 3
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, n-tail, "")
}
