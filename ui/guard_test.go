package ui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// panicky panics where it is told to, with a value that must never reach
// the screen.
type panicky struct{ where string }

const bugValue = "fake-secret-in-a-panic"

func (p panicky) Init() tea.Cmd {
	if p.where == "init" {
		panic(bugValue)
	}
	return nil
}

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); !ok {
		return p, nil
	}
	switch p.where {
	case "update":
		panic(bugValue)
	case "view":
		p.where = "view-now"
	case "cmd":
		return p, func() tea.Msg { panic(bugValue) }
	case "batch":
		return p, tea.Batch(func() tea.Msg { return nil }, func() tea.Msg { panic(bugValue) })
	case "sequence":
		return p, tea.Sequence(func() tea.Msg { return nil }, func() tea.Msg { panic(bugValue) })
	}
	return p, nil
}

func (p panicky) View() string {
	if p.where == "view-now" {
		panic(bugValue)
	}
	return "panicky " + p.where
}

// A panic anywhere in the TUI's model or its commands ends the program
// through guard: recorded with its site, the program quits normally (the
// terminal is put back), and neither bubbletea's "Caught panic" report, a
// stack trace nor the panic's value is written.
func TestGuardCatchesPanics(t *testing.T) {
	for _, where := range []string{"init", "update", "view", "cmd", "batch", "sequence"} {
		t.Run(where, func(t *testing.T) {
			g := newGuard(panicky{where: where})
			tm := teatest.NewTestModel(t, g, teatest.WithInitialTermSize(80, 24))
			if where != "init" {
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
			out, err := io.ReadAll(tm.FinalOutput(t))
			if err != nil {
				t.Fatal(err)
			}
			site := g.bug.get()
			if !strings.Contains(site, "ui.panicky.") {
				t.Errorf("site %q, want one in ui.panicky", site)
			}
			for _, bad := range []string{bugValue, "Caught", "goroutine ", ".go:"} {
				if strings.Contains(string(out), bad) {
					t.Errorf("the screen shows %q:\n%s", bad, out)
				}
			}
			e := (&BugError{Site: site}).Error()
			if strings.Contains(e, bugValue) || !strings.Contains(e, "bug in ward") {
				t.Errorf("error %q", e)
			}
		})
	}
}
