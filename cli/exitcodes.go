package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
)

// Exit codes. They are part of ward's interface: scripts branch on them, so
// a number never changes meaning and is never reused. The table is printed
// in `ward --help` and in the README.
const (
	ExitOK          = 0   // success
	ExitError       = 1   // an error not listed below
	ExitUsage       = 2   // bad flags, arguments, path or field name
	ExitNotFound    = 3   // no such secret, field, version or recipient
	ExitExists      = 4   // already exists
	ExitConflict    = 5   // sync conflicts left unresolved
	ExitNeedConfirm = 6   // confirmation needed: not on a terminal and no --yes
	ExitNoStore     = 10  // no such store
	ExitLocked      = 11  // store locked by another process
	ExitWrongKey    = 12  // wrong key or passphrase
	ExitDamaged     = 13  // store damaged
	ExitNoKeyring   = 14  // no usable keyring and no terminal to ask a passphrase on
	ExitRemoteAuth  = 15  // remote authentication needed: ward remote login NAME
	ExitRemote      = 16  // remote unreachable or misbehaving
	ExitInterrupted = 130 // interrupted (SIGINT, SIGTERM)
)

// exitCodeTable is the help text for the codes above; every command's EXIT
// STATUS section points to it and the root help prints it whole.
const exitCodeTable = `  0    success
  1    error (anything not below)
  2    usage: bad flags, arguments, path or field name, or bad input
  3    not found: no such secret, field, version or recipient
  4    already exists
  5    sync conflicts left unresolved (ward sync --prefer local|remote)
  6    confirmation needed: not on a terminal and no --yes
  10   no such store (ward init creates one)
  11   store locked by another process
  12   wrong key or passphrase
  13   store damaged (ward doctor says where)
  14   no usable keyring and no terminal to ask a passphrase on
  15   remote authentication needed: ward remote login NAME
  16   remote unreachable or misbehaving (refused, timed out, not the API)
  130  interrupted`

// exitStatus builds the EXIT STATUS section that ends a command's help:
// the codes the command itself is likely to return, then a pointer to the
// full table.
func exitStatus(lines ...string) string {
	var b strings.Builder
	b.WriteString("\n\nEXIT STATUS\n")
	b.WriteString("  0    success\n")
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("  See `ward --help` for the full table; codes never change meaning.")
	return b.String()
}

// usageError marks an error as the caller's mistake in flags or arguments
// (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errNeedConfirm is returned when an action needs a confirmation that
// nobody can give (exit 6).
var errNeedConfirm = errors.New("confirmation needed")

// tailHint says how to go on from an audit tail that is damaged,
// replaced or missing: the store itself is sound.
func tailHint(tail string) string {
	if _, err := os.Lstat(tail); errors.Is(err, fs.ErrNotExist) {
		return "the store itself is sound: if you removed the file yourself, or moved a damaged one aside, record the loss and go on: ward audit restart"
	}
	return "the store itself is sound: to go on, move the audit file aside (mv " + tail + " " + tail + ".damaged), keep it for an investigation, and run ward audit restart"
}

// hintError carries the next things to try, printed as `ward: hint:` lines.
type hintError struct {
	err   error
	hints []string
	only  bool // these hints replace the default ones
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// withHint adds hints to err (nil stays nil).
func withHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hints: hints}
}

// onlyHints is withHint without the default hints for err's class.
func onlyHints(err error, hints ...string) error {
	return &hintError{err: err, hints: hints, only: true}
}

// silentError has already been reported (doctor prints its own report);
// Execute only sets the exit code.
type silentError struct {
	code int
}

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode maps an error to the table above with errors.Is on the store and
// crypto sentinels; never by matching strings.
func exitCode(err error) int {
	var ue *usageError
	var se *silentError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, context.Canceled), errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &ue), errors.Is(err, store.ErrAmbiguousField), errors.Is(err, store.ErrBadPath), errors.Is(err, store.ErrBadText), errors.Is(err, store.ErrBadValue),
		errors.Is(err, store.ErrNeedIdentity):
		return ExitUsage
	case errors.Is(err, errNeedConfirm):
		return ExitNeedConfirm
	case errors.Is(err, store.ErrNoStore):
		return ExitNoStore
	case errors.Is(err, store.ErrLocked):
		return ExitLocked
	case errors.Is(err, store.ErrWrongKey), errors.Is(err, wcrypto.ErrWrongKey):
		return ExitWrongKey
	case errors.Is(err, store.ErrCorrupt):
		return ExitDamaged
	case errors.Is(err, store.ErrNeedPassphrase), errors.Is(err, wcrypto.ErrKeyringUnavailable):
		return ExitNoKeyring
	case errors.Is(err, errSyncConflicts), errors.Is(err, wsync.ErrConflict):
		return ExitConflict
	case errors.Is(err, wsync.ErrLoginAgain), errors.Is(err, wsync.ErrNoToken):
		return ExitRemoteAuth
	case errors.Is(err, wsync.ErrUnreachable), errors.Is(err, wsync.ErrRedirect), errors.Is(err, wsync.ErrBadResponse):
		return ExitRemote
	case errors.Is(err, store.ErrNotFound), errors.Is(err, wsync.ErrNoRemote):
		return ExitNotFound
	case errors.Is(err, store.ErrExists), errors.Is(err, wsync.ErrRemoteExists):
		return ExitExists
	case errors.Is(err, fs.ErrNotExist):
		// A file named on the command line that is not there (--identity,
		// import FILE): a bad argument. A missing store is ErrNoStore above.
		return ExitUsage
	}
	return ExitError
}

var errInterrupted = errors.New("interrupted")

// defaultHints are the hints every command gets for an error class, after
// any the command gave itself.
func defaultHints(err error, storeName string, doctor bool) []string {
	switch exitCode(err) {
	case ExitNoStore:
		if storeName != store.DefaultName {
			return []string{"create one with: ward init --store " + storeName}
		}
		return []string{"create one with: ward init"}
	case ExitLocked:
		return []string{"another ward holds the store; try again when it is done"}
	case ExitWrongKey:
		return []string{"the identity or passphrase given does not open it; another identity file goes with --identity FILE"}
	case ExitDamaged:
		see := "run ward doctor to see what is damaged (ward never writes over damaged records)"
		if doctor {
			// doctor itself failed: telling it to run doctor helps nobody.
			see = "ward never writes over damaged records: restore the damaged file from a backup"
		}
		if errors.Is(err, store.ErrNewerCommitLost) {
			return []string{"if the machine lost power during a ward write, or once you have copied out what still opens (ward export), go on from the older commit: ward doctor --accept-older-commit (recorded in the audit log)"}
		}
		var ae *store.AuditError
		if errors.As(err, &ae) && ae.InTail() {
			// The tail file holds only audit entries: the secrets are
			// sound, and moving it aside lets work go on while keeping the
			// damaged entries for an investigation.
			if ae.Lost {
				return []string{tailHint(ae.File)}
			}
			return []string{see, tailHint(ae.File)}
		}
		return []string{see}
	case ExitNoKeyring:
		return []string{"unlock with --identity FILE, or run ward unlock on a terminal first"}
	case ExitNeedConfirm:
		return []string{"not on a terminal: pass --yes to go ahead without asking"}
	case ExitUsage:
		if errors.Is(err, store.ErrAmbiguousField) {
			return []string{"name one with PATH#FIELD"}
		}
	}
	if errors.Is(err, store.ErrUnsupported) {
		return []string{"this store was written by a newer ward: upgrade ward"}
	}
	return nil
}

// flagError turns cobra's flag parsing errors into usage errors.
func flagError(_ *cobra.Command, err error) error {
	// pflag wraps strconv's error ("…: strconv.ParseInt: parsing "abc":
	// invalid syntax"); say what the flag wants instead.
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		msg, _, _ := strings.Cut(err.Error(), ": strconv.")
		want := "a number"
		switch ne.Func {
		case "ParseInt", "ParseUint", "Atoi":
			want = "a whole number"
		case "ParseBool":
			want = "true or false"
		}
		return &usageError{fmt.Errorf("%s: want %s", msg, want)}
	}
	return &usageError{err}
}

// hints collects the hints attached to err, outermost first, and whether
// they replace the default ones.
func hints(err error) (out []string, only bool) {
	for err != nil {
		var he *hintError
		if !errors.As(err, &he) {
			break
		}
		out = append(out, he.hints...)
		only = only || he.only
		err = he.err
	}
	return out, only
}
