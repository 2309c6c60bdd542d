package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/opsward/ward/store"
)

// Factory carries what every command needs: the streams, what they are
// connected to, the global flags, and how to reach the store. Commands
// take it in their constructor (gh's cmdutil.Factory) so tests can give
// them other streams.
type Factory struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// IsStdinTTY and IsStdoutTTY say whether the streams are terminals.
	IsStdinTTY  func() bool
	IsStdoutTTY func() bool

	// Global flags.
	StoreName  string
	Identities []string
	JSON       bool
	Yes        bool
	NoColor    bool

	// newPrompter opens the controlling terminal; nil when nobody can be
	// asked.
	newPrompter func() *ttyPrompter

	// catchInterrupts makes SIGINT and SIGTERM cancel the command's
	// context from when it is called (see interrupt.go); nil when nothing
	// should catch them (tests that run commands in-process).
	catchInterrupts func()
	// softInterrupt makes stop the first signal's work, until done (see
	// interrupts.softly); nil in those tests too.
	softInterrupt func(stop func()) (done func())

	// cmdPath is the command being run ("ward get"), once cobra has found
	// it; errors' hints use it.
	cmdPath string
}

// newFactory returns a Factory on the process's streams.
func newFactory() *Factory {
	return &Factory{
		In:          os.Stdin,
		Out:         os.Stdout,
		ErrOut:      os.Stderr,
		IsStdinTTY:  func() bool { return isTerminal(os.Stdin) },
		IsStdoutTTY: func() bool { return isTerminal(os.Stdout) },
		newPrompter: func() *ttyPrompter { return &ttyPrompter{} },
	}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// CanPrompt reports whether ward may ask a person anything: only when stdin
// is a terminal. A script piping into ward never sees a prompt.
func (f *Factory) CanPrompt() bool { return f.IsStdinTTY() && f.newPrompter != nil }

// Prompter returns the terminal prompter, or nil when nothing may prompt.
// It is what store.Credentials.Prompter wants: a nil interface when nobody
// can be asked.
func (f *Factory) Prompter() store.Prompter {
	if !f.CanPrompt() {
		return nil
	}
	return f.newPrompter()
}

// StoreFile resolves the --store name to its file.
func (f *Factory) StoreFile() (string, error) {
	file, err := store.FileFor(f.StoreName)
	if err != nil {
		return "", &usageError{err}
	}
	return file, nil
}

// OpenStore opens the store named by --store and unlocks it with
// --identity files, the session cache or agent, or the store's own
// identity (keyring or passphrase file).
func (f *Factory) OpenStore(ctx context.Context) (*store.Store, error) {
	return f.openStore(ctx, store.Credentials{IdentityFiles: f.Identities, Prompter: f.Prompter()})
}

// openLocked opens the store named by --store without unlocking it.
func (f *Factory) openLocked(ctx context.Context) (*store.Store, error) {
	file, err := f.StoreFile()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, file)
}

// openStore opens the store named by --store and unlocks it with c.
func (f *Factory) openStore(ctx context.Context, c store.Credentials) (*store.Store, error) {
	s, err := f.openLocked(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.UnlockWith(ctx, c); err != nil {
		return nil, unlockError(s, f, err)
	}
	return s, nil
}

// unlockError classifies an unlock failure the store reports without a
// sentinel: a store whose identity is kept outside ward, opened without
// --identity, is a usage error.
// TODO(store): a store.ErrNeedIdentity sentinel would replace this check.
func unlockError(s *store.Store, f *Factory, err error) error {
	if errors.Is(err, store.ErrNeedIdentity) {
		return withHint(&usageError{err}, "this store's identity is yours to give: ward --identity FILE ...")
	}
	return err
}

// confirm asks a yes/no question about what (a step that can be undone,
// but not easily). With --yes it goes ahead; not on a terminal it fails
// with errNeedConfirm (exit 6).
func (f *Factory) confirm(what string) error {
	if f.Yes {
		return nil
	}
	if !f.CanPrompt() {
		return fmt.Errorf("%s: %w", what, errNeedConfirm)
	}
	got, err := f.newPrompter().Line(fmt.Sprintf("%s. Go ahead? [y/N] ", what))
	if err != nil {
		return err
	}
	if got != "y" && got != "yes" {
		return errors.New("not confirmed: nothing was changed")
	}
	return nil
}

// confirmDestructive asks the person to type want (a path, a recipient) to
// go ahead. With --yes it goes ahead; not on a terminal it fails with
// errNeedConfirm (exit 6).
func (f *Factory) confirmDestructive(what, want string) error {
	if f.Yes {
		return nil
	}
	if !f.CanPrompt() {
		return fmt.Errorf("%s: %w", what, errNeedConfirm)
	}
	got, err := f.newPrompter().Line(fmt.Sprintf("%s cannot be undone. Type %s to confirm: ", what, want))
	if err != nil {
		return err
	}
	if got != want {
		return errors.New("not confirmed: nothing was changed")
	}
	return nil
}
