package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	wsync "github.com/opsward/ward/sync"
)

// syncRun carries one long sync call (connect and plan, or apply) from the
// goroutine doing it to the screen, through a command that re-arms itself
// for each message: the goroutine reports progress into events, keeping
// only the latest (a screen that draws 60 frames a second has no use for
// 10,000 events), and puts its result in done. Both channels are buffered,
// so the goroutine never blocks on a screen that has been left and no
// longer reads.
type syncRun struct {
	events chan wsync.Event
	done   chan tea.Msg
}

func newSyncRun() *syncRun {
	return &syncRun{events: make(chan wsync.Event, 1), done: make(chan tea.Msg, 1)}
}

// report is the Progress callback: latest wins, never blocks.
func (r *syncRun) report(ev wsync.Event) {
	for {
		select {
		case r.events <- ev:
			return
		default:
		}
		select {
		case <-r.events: // drop the stale one
		default:
		}
	}
}

// start runs work in a goroutine and returns its first message.
func (r *syncRun) start(work func(report func(wsync.Event)) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		go func() { r.done <- work(r.report) }()
		return r.wait()
	}
}

// next waits for the run's next message; the screen returns it after each
// progress message, while the run is still its own.
func (r *syncRun) next() tea.Cmd { return func() tea.Msg { return r.wait() } }

func (r *syncRun) wait() tea.Msg {
	select {
	case m := <-r.done:
		return m
	case ev := <-r.events:
		return syncProgressMsg{run: r, ev: ev}
	}
}

// syncProgressMsg is one progress event of a run.
type syncProgressMsg struct {
	run *syncRun
	ev  wsync.Event
}

// syncOptionsKey carries the sync ConnectOptions in Common.Ctx.
type syncOptionsKey struct{}

// WithSyncOptions returns ctx carrying the ConnectOptions the sync screens
// connect with (the zero value, the default, uses the OS keyring for
// tokens and the standard timeouts). Tests use it for a memory token store
// and short backoffs.
func WithSyncOptions(ctx context.Context, o wsync.ConnectOptions) context.Context {
	return context.WithValue(ctx, syncOptionsKey{}, o)
}

func syncOptions(ctx context.Context) wsync.ConnectOptions {
	o, _ := ctx.Value(syncOptionsKey{}).(wsync.ConnectOptions)
	return o
}
