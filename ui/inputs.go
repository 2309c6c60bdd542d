package ui

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
)

// newInput returns a text input that does not blink: a blinking cursor
// sends a message twice a second, which wakes every test and golden for
// nothing.
func newInput(placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = limit
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

// newSecretInput returns an input for a value: each character is drawn as
// a bullet, and the value never appears on screen.
func newSecretInput(placeholder string) textinput.Model {
	in := newInput(placeholder, 0)
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	return in
}
