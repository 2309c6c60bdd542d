package ui

import (
	"context"
	"errors"
	"io"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/opsward/ward/store"
)

// Config is what the TUI starts with.
type Config struct {
	// Store is an unlocked store, or nil for the first-run screen, which
	// creates the store at StoreFile.
	Store     *store.Store
	StoreFile string
	// Demo marks a throw-away demo store (shown in the title bar).
	Demo bool
	// IdentityFile: see Common.IdentityFile.
	IdentityFile string
	// NoColor draws without colour, as $NO_COLOR does (ward --no-color).
	NoColor bool
	// Input and Output default to the terminal; tests set them.
	Input  io.Reader
	Output io.Writer
}

// Run runs the TUI until the operator quits. It returns ctx's error if ctx
// ended it.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Store == nil && cfg.StoreFile == "" {
		f, err := store.FileFor(store.DefaultName)
		if err != nil {
			return err
		}
		cfg.StoreFile = f
	}
	if cfg.Store != nil {
		cfg.StoreFile = cfg.Store.File
	}
	lipgloss.SetColorProfile(colorProfile(cfg.NoColor))
	c := NewCommon(ctx, cfg.Store, cfg.StoreFile)
	c.Demo = cfg.Demo
	c.IdentityFile = cfg.IdentityFile
	// ward's own handler (cli) turns SIGINT and SIGTERM into the end of
	// ctx; bubbletea's would race it and could block for ever sending its
	// quit message to an event loop that ctx had already stopped.
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler()}
	if cfg.Input != nil {
		opts = append(opts, tea.WithInput(cfg.Input))
	}
	if cfg.Output != nil {
		opts = append(opts, tea.WithOutput(cfg.Output))
	}
	g := newGuard(NewRoot(c))
	_, err := tea.NewProgram(g, opts...).Run()
	if site := g.bug.get(); site != "" {
		return &BugError{Site: site}
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
