package ui

import (
	"fmt"
	"reflect"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/internal/panicsite"
)

// A bug in a screen must end the TUI the way every ward error ends: the
// terminal put back, one line saying where, exit non-zero, and never the
// panic's value or a stack trace (either could show a secret). bubbletea
// catches panics itself, but prints both. So the root model runs inside
// guard, which recovers panics in Init, Update, View and in every command
// they return (commands inside a Batch or Sequence too), records where the
// first one happened, and quits; Run then returns a BugError. View
// cannot quit the program, so guard renders in Init and Update (the frame
// bubbletea asks for next) and View returns that frame.

// BugError is a panic caught in the TUI: Site names the innermost ward
// function on the panicking stack, and nothing of the panic's value.
type BugError struct{ Site string }

func (e *BugError) Error() string {
	return fmt.Sprintf("internal error in the TUI at %s: this is a bug in ward, please report it", e.Site)
}

// bugMsg tells guard that a command panicked.
type bugMsg struct{ site string }

type guard struct {
	m     tea.Model
	bug   *bugSite
	frame *string // the view rendered after the last Init or Update
}

type bugSite struct {
	mu   sync.Mutex
	site string
}

func (b *bugSite) set(site string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.site == "" {
		b.site = site
	}
}

func (b *bugSite) get() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.site
}

func newGuard(m tea.Model) guard { return guard{m: m, bug: &bugSite{}, frame: new(string)} }

func (g guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.bug.set(panicSite())
			*g.frame, cmd = "", tea.Quit
		}
	}()
	cmd = guardCmd(g.m.Init())
	*g.frame = g.m.View()
	return cmd
}

func (g guard) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if b, ok := msg.(bugMsg); ok {
		g.bug.set(b.site)
		return g, tea.Quit
	}
	if g.bug.get() != "" {
		// Quitting: a screen that panicked gets no more messages.
		return g, nil
	}
	defer func() {
		if r := recover(); r != nil {
			g.bug.set(panicSite())
			*g.frame = ""
			model, cmd = g, tea.Quit
		}
	}()
	m, c := g.m.Update(msg)
	g.m = m
	*g.frame = m.View()
	return g, guardCmd(c)
}

func (g guard) View() string { return *g.frame }

// guardCmd wraps cmd so that a panic in it becomes a bugMsg, and so do the
// commands of a Batch or Sequence it returns (both are slices of
// tea.Cmd; Sequence's type is bubbletea's own, hence reflect).
func guardCmd(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = bugMsg{site: panicSite()}
			}
		}()
		msg = cmd()
		if v := reflect.ValueOf(msg); v.IsValid() && v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				c, _ := v.Index(i).Interface().(tea.Cmd)
				if g := guardCmd(c); g != nil {
					out.Index(i).Set(reflect.ValueOf(g))
				}
			}
			return out.Interface()
		}
		return msg
	}
}

var cmdType = reflect.TypeOf(tea.Cmd(nil))

func panicSite() string { return panicsite.Site(panicsite.Origin()) }
