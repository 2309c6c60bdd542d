package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// The browser watches the store for changes made elsewhere: a `ward set`
// in another terminal, a sync run from cron. Every watchEvery it reads the
// store's revision (one small read-only transaction, no lock held between
// reads) and reloads the list when the revision moved.

const watchEvery = 2 * time.Second

// watchTickMsg asks for the revision; it is broadcast so the browser gets
// it even under a detail or dialog.
type watchTickMsg struct{}

func (watchTickMsg) broadcast() {}

// revisionMsg carries the store's revision.
type revisionMsg struct {
	rev uint64
	err error
}

func (revisionMsg) broadcast() {}

func watchTick(c *Common) tea.Cmd {
	if c.Store == nil {
		return nil
	}
	return c.Tick(watchEvery, func(time.Time) tea.Msg { return watchTickMsg{} })
}

func readRevision(c *Common) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	if s == nil {
		return nil
	}
	return func() tea.Msg {
		rev, err := s.Revision(ctx)
		return revisionMsg{rev, err}
	}
}

// handleRevision reloads the list when the store moved since the last
// look, and arms the next look. A failed read (the store locked for a
// moment) just waits for the next one.
func (b *browser) handleRevision(msg revisionMsg) tea.Cmd {
	next := watchTick(b.c)
	if msg.err != nil || msg.rev == b.rev {
		return next
	}
	first := b.rev == 0
	b.rev = msg.rev
	if first {
		return next
	}
	return tea.Batch(next, loadHeads(b.c))
}
