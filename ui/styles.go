package ui

import (
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles is every look the TUI uses, in semantic groups, so screens never
// pick colours themselves. Nothing may rely on colour alone: with NO_COLOR
// (or a dumb terminal) lipgloss renders plain text, so selection carries a
// "›" marker and badges carry words.
type Styles struct {
	App struct {
		Title  lipgloss.Style
		Header lipgloss.Style
		Muted  lipgloss.Style
	}
	List struct {
		Folder   lipgloss.Style
		Item     lipgloss.Style
		Selected lipgloss.Style
		Match    lipgloss.Style
		Kind     lipgloss.Style
	}
	Badge struct {
		Compromised lipgloss.Style
		Expiring    lipgloss.Style
		Overdue     lipgloss.Style
		Retired     lipgloss.Style
	}
	Detail struct {
		Label    lipgloss.Style
		Value    lipgloss.Style
		Masked   lipgloss.Style
		Revealed lipgloss.Style
		Section  lipgloss.Style
	}
	Form struct {
		Label   lipgloss.Style
		Focused lipgloss.Style
		Error   lipgloss.Style
		Hint    lipgloss.Style
	}
	Dialog struct {
		Box   lipgloss.Style
		Title lipgloss.Style
	}
	Status struct {
		Bar   lipgloss.Style
		Info  lipgloss.Style
		Error lipgloss.Style
		Clip  lipgloss.Style
	}
	Divider lipgloss.Style
}

// colorProfile decides the profile: noColor (--no-color) or NO_COLOR win
// (https://no-color.org), then what termenv detects on stdout.
func colorProfile(noColor bool) termenv.Profile {
	if _, ok := os.LookupEnv("NO_COLOR"); ok || noColor {
		return termenv.Ascii
	}
	return termenv.NewOutput(os.Stdout).EnvColorProfile()
}

// DefaultStyles returns the styles for the current lipgloss renderer.
func DefaultStyles() Styles {
	var s Styles
	accent := lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9F8CFF"}
	muted := lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
	red := lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF5F5F"}
	amber := lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#FFB454"}
	green := lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"}

	s.App.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.App.Header = lipgloss.NewStyle().Bold(true)
	s.App.Muted = lipgloss.NewStyle().Foreground(muted)

	s.List.Folder = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.List.Item = lipgloss.NewStyle()
	s.List.Selected = lipgloss.NewStyle().Bold(true).Reverse(true)
	s.List.Match = lipgloss.NewStyle().Underline(true).Foreground(accent)
	s.List.Kind = lipgloss.NewStyle().Foreground(muted)

	s.Badge.Compromised = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Badge.Expiring = lipgloss.NewStyle().Foreground(amber)
	s.Badge.Overdue = lipgloss.NewStyle().Foreground(amber)
	s.Badge.Retired = lipgloss.NewStyle().Foreground(muted)

	s.Detail.Label = lipgloss.NewStyle().Foreground(muted)
	s.Detail.Value = lipgloss.NewStyle()
	s.Detail.Masked = lipgloss.NewStyle().Foreground(muted)
	s.Detail.Revealed = lipgloss.NewStyle().Foreground(green)
	s.Detail.Section = lipgloss.NewStyle().Bold(true).Foreground(accent)

	s.Form.Label = lipgloss.NewStyle().Foreground(muted)
	s.Form.Focused = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Form.Error = lipgloss.NewStyle().Foreground(red)
	s.Form.Hint = lipgloss.NewStyle().Foreground(muted).Italic(true)

	s.Dialog.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Dialog.Title = lipgloss.NewStyle().Bold(true)

	s.Status.Bar = lipgloss.NewStyle()
	s.Status.Info = lipgloss.NewStyle().Foreground(green)
	s.Status.Error = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Status.Clip = lipgloss.NewStyle().Foreground(amber)

	s.Divider = lipgloss.NewStyle().Foreground(muted)
	return s
}
