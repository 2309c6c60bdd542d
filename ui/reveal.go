package ui

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsward/ward/store"
)

// revealLines splits a value for the screen, one line per line of the
// value, with what a terminal would act on made visible: a value is bytes
// (a sync can bring it from a server others write to), and an ESC in it
// would otherwise reach the terminal as the start of a sequence that
// retitles the window, moves the cursor or, with OSC 52, writes the
// clipboard. Control characters show as \xNN (tab as \t); a value that
// is not UTF-8 text is not shown at all, only its size.
func revealLines(v string) []string {
	if !utf8.ValidString(v) {
		return []string{fmt.Sprintf("(binary, %d bytes: copy it, or ward get --binary)", len(v))}
	}
	lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
	for i, l := range lines {
		if strings.IndexFunc(l, shownEscaped) < 0 {
			continue
		}
		var b strings.Builder
		for _, r := range l {
			switch {
			case r == '\t':
				b.WriteString(`\t`)
			case r == '\r':
				b.WriteString(`\r`)
			case r < 0x100 && unicode.IsControl(r):
				fmt.Fprintf(&b, `\x%02x`, r)
			case shownEscaped(r):
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
		lines[i] = b.String()
	}
	return lines
}

// wrapReveal hard-wraps revealed lines to width: a value is never cut,
// since one read off a cut line and typed elsewhere would be wrong without
// a sign. wrapped says whether any line was longer than width.
func wrapReveal(lines []string, width int) (out []string, wrapped bool) {
	for _, l := range lines {
		out = append(out, strings.Split(ansi.Hardwrap(l, max(1, width), true), "\n")...)
	}
	return out, len(out) > len(lines)
}

// shownEscaped: control characters, and the bidi ones that reorder what is
// around them on the screen.
func shownEscaped(r rune) bool { return store.IsTerminalControl(r) }

// quoteShown puts s in double quotes for the screen, as typed: escaped
// (Go syntax) only when it holds what a terminal would act on. (%q
// doubled every backslash of a filter.)
func quoteShown(s string) string {
	if strings.IndexFunc(s, shownEscaped) >= 0 {
		return strconv.Quote(s)
	}
	return `"` + s + `"`
}

// wrapAtMost wraps s at spaces to width w, in at most n lines; the last
// ends with " …" when more was cut.
func wrapAtMost(s string, w, n int) []string {
	lines := strings.Split(ansi.Wrap(s, max(1, w), " "), "\n")
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = fit(lines[n-1]+" …", w)
	}
	return lines
}
