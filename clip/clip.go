// Package clip puts secret values on the system clipboard and takes them off
// again.
//
// Rules this file enforces:
//   - a value is cleared after a delay only if the clipboard still holds it:
//     what the operator copied since is left alone;
//   - the clearing outlives the process that copied (a CLI call, a TUI that
//     quits): a detached child process of ward does it;
//   - the value never reaches the child's argv or environment: the child is
//     given a SHA-256 of the value on stdin, and compares hashes.
package clip

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/atotto/clipboard"

	wcrypto "github.com/opsward/ward/crypto"
)

// DefaultClearAfter is how long a copied value stays on the clipboard.
const DefaultClearAfter = 45 * time.Second

// ClearCommand is the hidden subcommand that clears the clipboard; the cli
// package registers it and calls RunClearer.
const ClearCommand = "__clip-clear"

// ErrUnavailable means there is no clipboard to use (no X display, no
// xclip/xsel/wl-copy).
var ErrUnavailable = errors.New("no clipboard available")

// Self returns the command that runs this binary's ClearCommand. Tests that
// run in a test binary replace it.
var Self = func(args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, append([]string{ClearCommand}, args...)...), nil
}

// Copy writes v to the clipboard and starts a detached process that clears
// it after clearAfter if it still holds v. clearAfter <= 0 means never.
func Copy(v wcrypto.Secret, clearAfter time.Duration) error {
	if clipboard.Unsupported {
		return ErrUnavailable
	}
	if err := clipboard.WriteAll(v.Reveal()); err != nil {
		// The tool's own error ("exit status 1") says nothing useful; the
		// usual cause is a session with no display to own a selection.
		return fmt.Errorf("%w: %s", ErrUnavailable, whyUnavailable())
	}
	if clearAfter <= 0 {
		return nil
	}
	return startClearer(Hash(v.Reveal()), clearAfter)
}

func whyUnavailable() string {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no X display or Wayland session (an SSH or headless session?)"
	}
	return "the clipboard tool (xclip, xsel or wl-copy) could not reach the display"
}

// Hash is the form in which the clearer knows the value.
func Hash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func startClearer(hash string, after time.Duration) error {
	cmd, err := Self("--after", after.String())
	if err != nil {
		return fmt.Errorf("start clipboard clearer: %w", err)
	}
	// The hash goes through a pipe written before we return: with a
	// non-file Stdin, os/exec would copy it from a goroutine that a caller
	// exiting right after Copy never lets run, and the clearer would get
	// nothing and leave the secret on the clipboard.
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start clipboard clearer: %w", err)
	}
	defer r.Close()
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = nil, nil
	detach(cmd)
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("start clipboard clearer: %w", err)
	}
	_, werr := io.WriteString(w, hash+"\n")
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("start clipboard clearer: %w", werr)
	}
	// We do not wait for the clearer: it outlives us by design.
	return cmd.Process.Release()
}

// RunClearer is the body of ClearCommand: read the hash from stdin, wait,
// and clear the clipboard if it still holds the value with that hash.
// It reports whether it cleared.
func RunClearer(stdin io.Reader, after time.Duration) (bool, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, 256))
	if err != nil {
		return false, err
	}
	want := string(bytes.TrimSpace(b))
	if len(want) != sha256.Size*2 {
		return false, errors.New("clipboard clearer: expected a SHA-256 hex digest on stdin")
	}
	time.Sleep(after)
	return ClearIf(want)
}

// ClearIf clears the clipboard if it holds the value with hash want. A
// clipboard tool can fail for a moment (the selection changing owner, the
// X server busy), and a failed clear would leave the secret there for
// good, so reads are retried. The clearing write is made once: xclip takes
// the selection from a child it forks, so a second write could take it
// late, over whatever the operator copied in between; instead we wait
// until the value is gone.
func ClearIf(want string) (bool, error) {
	var lastErr error
	written := false
	for attempt := 0; attempt < clearAttempts; attempt++ {
		if attempt > 0 {
			time.Sleep(clearRetryDelay)
		}
		cur, err := clipboard.ReadAll()
		if err != nil && written {
			return true, nil // an emptied clipboard reads as an error with some tools
		}
		if err != nil {
			lastErr = err // or the tool is busy for a moment: try again
			continue
		}
		if Hash(cur) != want {
			return written, nil
		}
		if written {
			continue // our write has not taken the selection yet
		}
		if err := clipboard.WriteAll(""); err != nil {
			lastErr = err
			continue
		}
		written = true
	}
	if lastErr != nil && !written {
		return false, fmt.Errorf("clear clipboard: %v", sanitize(lastErr))
	}
	return false, errors.New("clear clipboard: the value is still there")
}

// How hard ClearIf tries: about two seconds in all.
const (
	clearAttempts   = 20
	clearRetryDelay = 100 * time.Millisecond
)

// sanitize keeps a tool's error short: it never contains the value (the
// value goes to the tool on stdin), but can be long.
func sanitize(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// FailureOutcome is the audit outcome of a copy whose value was read but
// whose Copy failed with err: "failed" when it never reached the
// clipboard, "not cleared" when it did but the clearer did not start.
func FailureOutcome(err error) string {
	if errors.Is(err, ErrUnavailable) {
		return "failed"
	}
	return "not cleared"
}
