package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/clip"
	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// Common is what every screen shares: the styles, the global keys and the
// services a screen may call — from a tea.Cmd only, never from Update.
type Common struct {
	Ctx       context.Context
	Store     *store.Store // nil until the first-run screen has made one
	StoreFile string
	Demo      bool
	// IdentityFile, when set (ward --identity FILE), is the identity the
	// first-run screen creates the store with, as ward init -i does.
	IdentityFile string

	Styles Styles
	Keys   GlobalKeyMap

	// Now is the clock for badges and countdowns; tests fix it.
	Now func() time.Time
	// Copy puts a value on the clipboard and arranges for it to be cleared
	// after the delay; tests replace it so they need no clipboard.
	Copy func(wcrypto.Secret, time.Duration) error
	// Tick is tea.Tick; every timer goes through it, so tests can run
	// commands synchronously and fire timers when they choose.
	Tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	// ClipboardClear is how long a copied value stays on the clipboard.
	ClipboardClear time.Duration
	// RevealFor is how long a revealed value stays on screen.
	RevealFor time.Duration
	nav       navigator // the root

	// ArmDelay is how long a confirm dialog ignores keys after it opens, so
	// keys typed ahead of it cannot confirm a destructive action.
	ArmDelay time.Duration
}

// NewCommon returns a Common with the production defaults.
func NewCommon(ctx context.Context, s *store.Store, file string) *Common {
	return &Common{
		Ctx:            ctx,
		Store:          s,
		StoreFile:      file,
		Styles:         DefaultStyles(),
		Keys:           DefaultGlobalKeyMap(),
		Now:            time.Now,
		Copy:           clip.Copy,
		Tick:           tea.Tick,
		ClipboardClear: clip.DefaultClearAfter,
		RevealFor:      30 * time.Second,
		ArmDelay:       300 * time.Millisecond,
	}
}

// StoreName is how the header names the store.
func (c *Common) StoreName() string {
	if c.Store != nil {
		return c.Store.Name
	}
	return "no store"
}
