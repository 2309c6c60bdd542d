package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// mask is what stands in for a value in human output.
const mask = "••••••"

// colorOn reports whether human output may use colour: stdout is a
// terminal, and neither --no-color nor $NO_COLOR says otherwise.
func (f *Factory) colorOn() bool {
	return f.IsStdoutTTY() && !f.NoColor && os.Getenv("NO_COLOR") == ""
}

// styles are the few text styles human output uses.
type styles struct {
	header, dim, ok, bad lipgloss.Style
}

func (f *Factory) styles() styles {
	r := lipgloss.NewRenderer(f.Out)
	if f.colorOn() {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return styles{
		header: r.NewStyle().Bold(true),
		dim:    r.NewStyle().Faint(true),
		ok:     r.NewStyle().Foreground(lipgloss.Color("2")),
		bad:    r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
	}
}

// table prints rows: on a terminal aligned under a header, otherwise as
// tab-separated lines without a header, for cut and awk (gh's list
// commands).
type table struct {
	f      *Factory
	header []string
	rows   [][]string
}

func newTable(f *Factory, header ...string) *table { return &table{f: f, header: header} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print() error {
	w := t.f.Out
	if !t.f.IsStdoutTTY() {
		for _, r := range t.rows {
			for i := range r {
				r[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(r[i])
			}
			if _, err := fmt.Fprintln(w, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	widths := make([]int, len(t.header))
	for i, h := range t.header {
		widths[i] = ansi.StringWidth(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], ansi.StringWidth(c))
			}
		}
	}
	st := t.f.styles()
	line := func(cells []string, style func(string) string) string {
		var b strings.Builder
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(style(c))
				break
			}
			b.WriteString(style(c))
			b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
		}
		return strings.TrimRight(b.String(), " ")
	}
	if len(t.header) > 0 {
		fmt.Fprintln(w, line(t.header, func(s string) string { return st.header.Render(s) }))
	}
	for _, r := range t.rows {
		if _, err := fmt.Fprintln(w, line(r, func(s string) string { return s })); err != nil {
			return err
		}
	}
	return nil
}

// printJSON writes v as indented JSON on a terminal and compact JSON
// otherwise, followed by a newline.
func (f *Factory) printJSON(v any) error {
	var b []byte
	var err error
	if f.IsStdoutTTY() {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.Out, "%s\n", b)
	return err
}

// status prints a short message about what was done to stderr: results go
// to stdout, diagnostics to stderr. It is quiet with --json, which prints a
// result object instead.
func (f *Factory) status(format string, args ...any) {
	if f.JSON {
		return
	}
	fmt.Fprintf(f.ErrOut, format+"\n", args...)
}

// fmtTime prints a time for people: local, to the minute; "-" for none.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// fmtTimeMachine prints a time for tab-separated output: RFC 3339 UTC.
func fmtTimeMachine(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (f *Factory) fmtTime(t time.Time) string {
	if f.IsStdoutTTY() {
		return fmtTime(t)
	}
	return fmtTimeMachine(t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// timeOrNil is for JSON: a zero time is null rather than year 1.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
