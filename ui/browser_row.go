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
		name = highlight(h.Path, fuzzyPositions(b.lower[row], b.query), st.List.Match)
	} else {
		name = "  " + h.Path[lastSlash(h.Path)+1:]
	}
	right := renderBadges(badgesFor(&st, h, now))
	if w >= 60 {
		kind := st.List.Kind.Render(padRight(string(h.Kind), 12))
		right = strings.TrimRight(kind+" "+right, " ")
	}
	nameW := w - lipgloss.Width(marker) - lipgloss.Width(right) - 1
	if nameW < 8 {
		right, nameW = "", w-lipgloss.Width(marker)
	}
	name = fit(name, nameW)
	gap := max(1, w-lipgloss.Width(marker)-lipgloss.Width(name)-lipgloss.Width(right))
	line := marker + name + strings.Repeat(" ", gap) + right
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
