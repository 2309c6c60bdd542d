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

// newSecretInput returns an input for a value. It echoes nothing; draw it
// with secretInputView, which shows a fixed mask, so not even the length
// of the value is on screen.
func newSecretInput(placeholder string) textinput.Model {
	in := newInput(placeholder, 0)
	in.EchoMode = textinput.EchoNone
	return in
}

func secretInputView(st *Styles, in *textinput.Model) string {
	if in.Value() == "" {
		return st.App.Muted.Render(in.Placeholder)
	}
	return mask
}
