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
		nameW := min(w/2, max(16, w-2-14-20))
		line = marker + padRight(fit(name, nameW), nameW) + " " + st.List.Kind.Render(padRight(string(h.Kind), 12)) + " " + badges
	} else {
		nameW := max(8, w-2-1-lipgloss.Width(badges))
		line = marker + padRight(fit(name, nameW), nameW) + " " + badges
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
