package ui

import (
	"context"
	"errors"

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
}

// Run runs the TUI until the operator quits.
func Run(ctx context.Context, cfg Config) error {
	return errors.New("the TUI is not built yet")
}
