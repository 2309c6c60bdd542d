package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"

	"github.com/opsward/ward/store"
)

func (f *secretForm) View(w, h int) string {
	st := f.c.Styles
	title := "Add a secret"
	if f.edit != nil {
		title = "Edit " + f.edit.Path
	}
	cur := f.current()
	labelW := 14
	inW := max(10, w-labelW-4)
	row := func(focused bool, label, body string) string {
		marker := "  "
		l := st.Form.Label.Render(padRight(label, labelW))
		if focused {
			marker = "› "
			l = st.Form.Focused.Render(padRight(label, labelW))
		}
		return fit(marker+l+body, w)
	}
	input := func(in *textinput.Model) string {
		in.Width = inW
		return in.View()
	}
	head := []string{fit(st.App.Header.Render(title), w), ""}
	var lines []string // below the title, the part that scrolls
	focusLine := 0
	mark := func(t focusTarget) {
		if t == cur {
			focusLine = len(lines)
		}
	}
	if f.edit == nil {
		mark(focusTarget{fMeta, inPath})
		lines = append(lines, row(cur == focusTarget{fMeta, inPath}, "path", input(&f.meta[inPath])))
	}
	mark(focusTarget{fKind, 0})
	lines = append(lines, row(cur.kind == fKind, "kind", "‹ "+string(store.Kinds[f.kind])+" ›"))
	mark(focusTarget{fStatus, 0})
	lines = append(lines, row(cur.kind == fStatus, "status", "‹ "+string(store.Statuses[f.status])+" ›"))
	for i := inOwner; i < numMetaInputs; i++ {
		t := focusTarget{fMeta, i}
		mark(t)
		lines = append(lines, row(cur == t, metaLabels[i], input(&f.meta[i])))
	}
	lines = append(lines, "", st.Detail.Section.Render("Fields"))
	for i := range f.fields {
		fi := &f.fields[i]
		mark(focusTarget{fFieldName, i})
		lines = append(lines, row(cur == focusTarget{fFieldName, i}, "name", input(&fi.name)))
		mark(focusTarget{fFieldValue, i})
		lines = append(lines, row(cur == focusTarget{fFieldValue, i}, "  value", secretInputView(&st, &fi.value)))
	}
	mark(focusTarget{fAddField, 0})
	lines = append(lines, row(cur.kind == fAddField, "", "[ + add field ]"))
	mark(focusTarget{fSave, 0})
	saveLabel := "[ save ]"
	if f.saving != "" {
		saveLabel = "saving…"
	}
	lines = append(lines, row(cur.kind == fSave, "", saveLabel))
	// The complaint or note: whole, on up to three lines (the paste
	// refusal's way out was cut off at 80 columns).
	var foot []string
	text, style := "", st.App.Muted
	switch {
	case f.err != nil:
		text, style = f.err.Error(), st.Form.Error
	case f.note != "":
		text = f.note
	}
	if text != "" {
		foot = wrapAtMost(text, w, 3)
		for i, l := range foot {
			foot[i] = style.Render(fit(l, w))
		}
	}
	// The title stays on top and marks say what is cut off above and
	// below (a tall form used to scroll its title away without a sign).
	page := func(h int) string {
		if h < len(head)+4 {
			return scrollTo(append(head, lines...), focusLine+len(head), h)
		}
		mark := func(s string) string { return st.App.Muted.Render(fit(s, w)) }
		return strings.Join(head, "\n") + "\n" + scrollMarked(lines, focusLine, h-len(head), mark)
	}
	if len(foot) > 0 && h > len(foot)+1 {
		// Always in view, below the part that scrolls: a form taller
		// than the screen would otherwise hide why ctrl+s did nothing.
		return page(h-len(foot)-1) + "\n\n" + strings.Join(foot, "\n")
	}
	if len(foot) > 0 {
		lines = append(append(lines, ""), foot...)
	}
	return page(h)
}

// scrollMarked is scrollTo that says what is cut off: a first line "↑ N
// more" when lines above are not shown, a last line "↓ N more" when lines
// below are not (a certificate revealed at 80×24 ended at the bottom of
// the screen without a sign).
func scrollMarked(lines []string, at, h int, mark func(string) string) string {
	if h <= 0 {
		return ""
	}
	if len(lines) <= h || h < 4 {
		return scrollTo(lines, at, h)
	}
	c := h - 2 // room between the two marks
	start := 0
	if at+2 > c { // the selected line and the one below it on screen
		start = min(at+2-c, len(lines)-c)
	}
	if start == 0 {
		c = h - 1 // no mark above: one more line of content
	}
	end := min(len(lines), start+c)
	if end == len(lines) && start > 0 {
		start = len(lines) - (h - 1) // no mark below: one more line
	}
	out := make([]string, 0, h)
	if start > 0 {
		out = append(out, mark(fmt.Sprintf("↑ %d more", start)))
	}
	out = append(out, lines[start:end]...)
	if end < len(lines) {
		out = append(out, mark(fmt.Sprintf("↓ %d more", len(lines)-end)))
	}
	return strings.Join(out, "\n")
}

// scrollTo shows h of lines, keeping line `at` (the focus) in view and the
// first line on top when it fits.
func scrollTo(lines []string, at, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) <= h {
		return strings.Join(lines, "\n")
	}
	start := max(0, at-h+2)
	end := min(len(lines), start+h)
	return strings.Join(lines[start:end], "\n")
}
