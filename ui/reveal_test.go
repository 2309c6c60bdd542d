package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/opsward/ward/store"
)

func TestRevealLinesShowsWhatATerminalWouldActOn(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"fake-password", []string{"fake-password"}},
		{"line one\nline two\n", []string{"line one", "line two"}},
		{"fake\x1b]52;c;Zm9v\a", []string{`fake\x1b]52;c;Zm9v\x07`}},
		{"a\tb\r", []string{`a\tb\r`}},
		{"csi\u009b2J ✓", []string{`csi\x9b2J ✓`}},
		{"ab\xff\xfe", []string{"(binary, 4 bytes: copy it, or ward get --binary)"}},
		{"d\u202eevil", []string{`d\u202eevil`}},
	} {
		got := revealLines(c.in)
		if !slices.Equal(got, c.want) {
			t.Errorf("revealLines(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, l := range got {
			if strings.ContainsAny(l, "\x1b\a\u009b\r\u202e") {
				t.Errorf("revealLines(%q) lets a control character through: %q", c.in, l)
			}
		}
	}
}

func TestStatusTextSaysHowToGoOnFromALostTail(t *testing.T) {
	err := fmt.Errorf("reveal prod/db#password: %w", &store.AuditError{File: "/x/default.ward-audit", Lost: true, Reason: "the file is missing"})
	got := statusText(err)
	if !strings.Contains(got, "ward audit restart") || !strings.HasPrefix(got, "default.ward-audit: the file is missing") {
		t.Fatalf("statusText = %q", got)
	}
	if len("error: "+got) > maxErrLines*80 {
		t.Fatalf("too long for %d lines at 80 columns: %d", maxErrLines, len(got))
	}
}
