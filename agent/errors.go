package agent

import (
	"errors"
	"fmt"
)

var (
	// ErrNotRunning means no agent answers at the socket: the socket or
	// its directory does not exist, nobody listens on it, or the agent went
	// away (idle lock, `ward lock`) while the connection was open. It is
	// the normal state when nobody ran `ward unlock`; callers fall back to
	// unlocking the store themselves, silently.
	ErrNotRunning = errors.New("no ward agent is running")
	// ErrNotHeld means the agent runs but holds nothing for that store.
	ErrNotHeld = errors.New("the ward agent holds nothing for this store")
	// ErrAlreadyRunning is returned by Serve when another agent already
	// serves the socket.
	ErrAlreadyRunning = errors.New("a ward agent is already running")
	// ErrUnsafe means the socket directory (or the agent at the other end)
	// could be reached or controlled by another user, so the agent refuses
	// to use it. The wrapping UnsafeError says what and how to fix it.
	ErrUnsafe = errors.New("unsafe agent socket")
	// ErrUnsupported is returned on systems without unix sockets and
	// process sessions (Windows).
	ErrUnsupported = errors.New("the ward agent is not supported on this system")
)

// UnsafeError explains why a socket directory or agent was refused. It wraps
// ErrUnsafe.
type UnsafeError struct {
	Path   string // the directory or socket
	Reason string // one sentence, with the fix where there is one
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("unsafe agent socket location %s: %s", e.Path, e.Reason)
}

func (e *UnsafeError) Unwrap() error { return ErrUnsafe }

// ServerError is an error the agent reported for a request, other than
// "not held". Code is the protocol's error code (see the package
// documentation).
type ServerError struct {
	Op      string
	Code    string
	Message string
}

func (e *ServerError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("agent %s: %s", e.Op, e.Code)
	}
	return fmt.Sprintf("agent %s: %s: %s", e.Op, e.Code, e.Message)
}
