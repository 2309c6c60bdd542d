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

// Navigation messages: screens ask the root to change the stacks through
// commands returning these, so no screen holds a pointer to the root.
type (
	pushScreenMsg struct{ s screen }
	// popScreenMsg pops s if it is on top; a nil s pops whatever is.
	popScreenMsg  struct{ s screen }
	pushDialogMsg struct{ d dialog }
	// closeDialogMsg closes d if it is on top.
	closeDialogMsg struct{ d dialog }
	// statusMsg puts a message, or an error, in the status bar.
	statusMsg struct {
		text string
		err  error
	}
)

func push(s screen) tea.Cmd { return func() tea.Msg { return pushScreenMsg{s} } }
func pop(s screen) tea.Cmd  { return func() tea.Msg { return popScreenMsg{s} } }
func openDialog(d dialog) tea.Cmd {
	return func() tea.Msg { return pushDialogMsg{d} }
}
func closeDialog(d dialog) tea.Cmd { return func() tea.Msg { return closeDialogMsg{d} } }
func status(text string) tea.Cmd   { return func() tea.Msg { return statusMsg{text: text} } }
