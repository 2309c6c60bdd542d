package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// confirm asks before a destructive action. It ignores every key until it
// has been on screen for Common.ArmDelay, and draws its answer keys only
// then: a "y" typed ahead of the dialog (as crush's dialogs guard against)
// cannot confirm what the operator never saw.
type confirm struct {
	c           *Common
	title, body string
	verb        string
	onYes       tea.Cmd
	armed       bool
	yes, no     key.Binding
}

func newConfirm(c *Common, title, body, verb string, onYes tea.Cmd) *confirm {
	return &confirm{
		c: c, title: title, body: body, verb: verb, onYes: onYes,
		yes: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", verb)),
		no:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel")),
	}
}

// confirmArmMsg arms the dialog d once it has been shown long enough.
type confirmArmMsg struct{ d *confirm }

func (d *confirm) Init() tea.Cmd {
	return d.c.Tick(d.c.ArmDelay, func(time.Time) tea.Msg { return confirmArmMsg{d} })
}

func (d *confirm) Keys() help.KeyMap {
	y, n := d.yes, d.no
	y.SetEnabled(d.armed)
	n.SetEnabled(d.armed)
	return bindings{y, n}
}

func (d *confirm) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case confirmArmMsg:
		if msg.d == d {
			d.armed = true
		}
	case tea.KeyMsg:
		if !d.armed {
			return nil
		}
		switch {
		case key.Matches(msg, d.yes):
			d.c.closeDialog(d)
			return d.onYes
		case key.Matches(msg, d.no):
			d.c.closeDialog(d)
			return nil
		}
	}
	return nil
}

func (d *confirm) View(w, _ int) string {
	st := d.c.Styles
	bw := min(60, max(20, w-4))
	inner := bw - 4
	answer := st.App.Muted.Render("…")
	if d.armed {
		answer = st.App.Header.Render("y") + " " + d.verb + "   " + st.App.Header.Render("n") + " cancel"
	}
	content := lipgloss.JoinVertical(lipgloss.Left,
		st.Dialog.Title.Render(ansi.Wrap(d.title, inner, "/ ")),
		"",
		ansi.Wrap(d.body, inner, " "),
		"",
		answer,
	)
	return st.Dialog.Box.Width(bw - 2).Render(content)
}
