package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/opsward/ward/agent"
	"github.com/opsward/ward/clip"
)

// SIGINT, SIGTERM and SIGHUP.
//
// A command that works on one secret (get, set, show...) is one store
// transaction and an audit entry, done in a few milliseconds; killed at
// any moment it leaves the store as a SIGKILL would, which the crash
// tests show is safe (the transaction happened or did not, a torn audit
// append is cut). So those commands keep the default: the signal ends
// the process (the shell reports 128+N: 130 for Ctrl-C). Catching signals
// costs every process that does it a thread and a goroutine hand-off at
// start (os/signal's), measured at ≈ 0.4 ms of a 4 ms `ward get`
// (bench/README.md, session 3).
//
// Every other command (the TUI, sync, import, export, doctor, re-keying,
// the copy that must start its clipboard clearer...) catches them from the
// start: the signal cancels the command's context, it stops cleanly and
// exits 130 (ExitInterrupted). A prompt on the terminal, which no context
// can stop, ends ward at once with the terminal put back (see asking).

// oneShotCommands are the commands that keep the default signal action.
var oneShotCommands = map[string]bool{
	"ward get": true, "ward show": true, "ward set": true, "ward gen": true,
	"ward meta": true, "ward history": true, "ward rollback": true,
	"ward rm": true, "ward mv": true, "ward cp": true, "ward version": true,
	"ward completion": true, "ward lock": true, "ward unlock": true,
	"ward recipients ls": true, "ward remote ls": true, "ward remote rm": true,
	"ward remote add": true,
	// The clipboard clearer only waits and clears; the agent handles its
	// own signals.
	"ward " + clip.ClearCommand:  true,
	"ward " + agent.AgentCommand: true,
}

// interrupts turns SIGINT, SIGTERM and SIGHUP into the cancellation of the
// command's context, from when catch is first called. A command may make
// the first signal gentler (softly): a sync then finishes the writes under
// way and stops. The signal after the one that cancels gets the default
// action, so a command stuck on the way out can still be ended.
type interrupts struct {
	cancel context.CancelFunc
	once   sync.Once
	mu     sync.Mutex
	soft   func()
}

func (in *interrupts) catch() {
	in.once.Do(func() {
		ch := make(chan os.Signal, 1)
		// SIGHUP too: a closed terminal window or a dropped SSH session
		// must clean up as a Ctrl-C does (ward demo left its store).
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			for range ch {
				in.mu.Lock()
				soft := in.soft
				in.soft = nil
				in.mu.Unlock()
				if soft != nil {
					soft()
					continue
				}
				in.cancel()
				signal.Stop(ch)
				return
			}
		}()
	})
}

// softly makes stop what the next signal does instead of cancelling, until
// done is called.
func (in *interrupts) softly(stop func()) (done func()) {
	in.mu.Lock()
	in.soft = stop
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		in.soft = nil
		in.mu.Unlock()
	}
}

// softly is interrupts.softly when signals are caught, and nothing in
// tests that run commands in-process.
func (f *Factory) softly(stop func()) (done func()) {
	if f.softInterrupt == nil {
		return func() {}
	}
	return f.softInterrupt(stop)
}

// catchInterruptsFor starts catching signals unless cmd is a one-shot
// command.
func (f *Factory) catchInterruptsFor(cmd *cobra.Command) {
	if f.catchInterrupts != nil && !oneShotCommands[cmd.CommandPath()] {
		f.catchInterrupts()
	}
}

// asking is called around a read from the terminal tty: until done is
// called, SIGINT, SIGTERM or SIGHUP puts the terminal back as it was (echo on
// after a passphrase prompt) and ends ward with ExitInterrupted. A prompt
// blocks in a read that a context cannot stop, and nothing has been
// written while a question is open.
func asking(tty *os.File) (done func()) {
	fd := int(tty.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		state = nil
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	answered := make(chan struct{})
	go func() {
		select {
		case <-ch:
			if state != nil {
				_ = term.Restore(fd, state)
			}
			fmt.Fprintln(tty)
			os.Exit(ExitInterrupted)
		case <-answered:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(answered)
	}
}
