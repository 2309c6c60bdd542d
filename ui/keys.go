package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// GlobalKeyMap holds the keys the root handles on every screen. Esc is
// not among them: what "back" means is each screen's to say.
type GlobalKeyMap struct {
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
}

// DefaultGlobalKeyMap returns the global keys.
func DefaultGlobalKeyMap() GlobalKeyMap {
	return GlobalKeyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	}
}

// combinedKeys shows a screen's keys followed by the global ones, so the
// help bar describes exactly what a key press would do now.
type combinedKeys struct {
	local  help.KeyMap
	global GlobalKeyMap
}

func (k combinedKeys) globals() []key.Binding {
	return []key.Binding{k.global.Help, k.global.Quit, k.global.ForceQuit}
}

func (k combinedKeys) ShortHelp() []key.Binding {
	var out []key.Binding
	if k.local != nil {
		out = append(out, k.local.ShortHelp()...)
	}
	return append(out, k.global.Help, k.global.Quit)
}

func (k combinedKeys) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	if k.local != nil {
		out = append(out, k.local.FullHelp()...)
	}
	return append(out, k.globals())
}

// bindings turns a list of bindings into a help.KeyMap with one column per
// four bindings.
type bindings []key.Binding

func (b bindings) ShortHelp() []key.Binding { return b }

func (b bindings) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for i := 0; i < len(b); i += 4 {
		cols = append(cols, b[i:min(i+4, len(b))])
	}
	return cols
}
