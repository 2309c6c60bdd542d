package ui

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one full-area view on the root's stack. Screens are pointers
// updated in place; View gets the area it may fill.
type screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View(w, h int) string
	// Keys returns the bindings that apply now; disabled ones are hidden
	// from help.
	Keys() help.KeyMap
	// Typing reports whether a text input has the focus: then single
	// letters (q, ?) belong to the input, not to the global keys.
	Typing() bool
}

// dialog is a box drawn over the screens that takes every key while open.
type dialog interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View(w, h int) string
	Keys() help.KeyMap
}

// broadcast marks result messages that every screen on the stack sees
// (a change to a secret concerns the list and any detail showing it).
type broadcast interface{ broadcast() }

// navigator changes the stacks. The root implements it and screens reach
// it through Common; it acts at once, inside the Update that asks, so a key
// that follows (a second esc typed quickly) already goes to the screen that
// is then on top. It does no IO.
type navigator interface {
	pushScreen(s screen) tea.Cmd
	// popScreen pops s if it is on top.
	popScreen(s screen)
	pushDialog(d dialog) tea.Cmd
	// closeDialog closes d if it is on top.
	closeDialog(d dialog)
}

// statusMsg puts a message, or an error, in the status bar.
type statusMsg struct {
	text string
	err  error
}

func (c *Common) push(s screen) tea.Cmd       { return c.nav.pushScreen(s) }
func (c *Common) pop(s screen) tea.Cmd        { c.nav.popScreen(s); return nil }
func (c *Common) openDialog(d dialog) tea.Cmd { return c.nav.pushDialog(d) }
func (c *Common) closeDialog(d dialog)        { c.nav.closeDialog(d) }
