package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/opsward/ward/store"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrLoginAgain means the token was refused as a whole (expired,
	// revoked, unknown): every request would fail the same way, so the
	// sync stops. The error's text tells the operator what to run.
	ErrLoginAgain = errors.New("log in again")
	// ErrNoToken means no token was found for the remote: not in the OS
	// keyring, not in VAULT_TOKEN, not in ~/.vault-token.
	ErrNoToken = errors.New("no token")
	// ErrUnreachable means the server did not answer (connection refused
	// or cut, timeouts) after the retries.
	ErrUnreachable = errors.New("server unreachable")
	// ErrStopped means the caller stopped an apply (ApplyOptions.Stop)
	// before every path was attempted; the next sync does the rest.
	ErrStopped = errors.New("asked to stop; the next sync does the rest")
	// ErrNotKVv2 means the mount is not a KV version 2 engine.
	ErrNotKVv2 = errors.New("not a KV version 2 mount")
	// ErrRedirect means the server redirected to another host, which
	// ward refuses: the token would go with it.
	ErrRedirect = errors.New("redirect to another host refused")
	// ErrBadResponse means the server's answer was not the JSON the API
	// documents (an HTML error page from a proxy, a cut body).
	ErrBadResponse = errors.New("unexpected response")
	// ErrDenied means the server refused one path (403 from a policy).
	ErrDenied = errors.New("permission denied")
	// ErrConflict means the path changed on both sides, or changed on
	// the server after the plan (a check-and-set refusal).
	ErrConflict = errors.New("conflict")
	// ErrNoRemote means no remote of that name is configured.
	ErrNoRemote = errors.New("no such remote")
	// ErrRemoteExists means a remote of that name is already configured.
	ErrRemoteExists = errors.New("remote already exists")
	// ErrUnrepresentable means a remote secret cannot be held in the
	// local store as it is (a path or field name the store does not
	// allow, no fields).
	ErrUnrepresentable = errors.New("cannot be represented locally")
)

// LoginError says which remote needs a new login.
type LoginError struct {
	Remote string
	Reason string // "token expired or revoked", …
}

func (e *LoginError) Error() string {
	r := e.Reason
	if r == "" {
		r = "the server refused the token"
	}
	return fmt.Sprintf("remote %s: %s: log in again: ward remote login %s", e.Remote, r, e.Remote)
}

func (e *LoginError) Unwrap() error { return ErrLoginAgain }

// RemoteError is a failed request: which remote and server, which
// operation on which path, and the status and the server's own messages.
// It never holds a secret value: request bodies are not kept, and server
// messages are only those of the documented error envelope.
type RemoteError struct {
	Remote string
	Addr   string
	Op     string // "read metadata", "write", "list", …
	Path   string // API path, without /v1/
	Status int    // 0 when there was no HTTP answer
	Errors []string
	Err    error // the sentinel or transport error
}

func (e *RemoteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "remote %s (%s): %s %s", e.Remote, e.Addr, e.Op, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	msg := serverMessage(e.Errors)
	if msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	if e.Err != nil && e.Err.Error() != msg {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// serverMessage is the server's errors on one line, without the
// go-multierror framing the real server wraps many of them in ("1 error
// occurred:\n\t* permission denied\n\n" reads "permission denied"),
// cut at 200 bytes.
func serverMessage(errs []string) string {
	var parts []string
	for _, e := range errs {
		if rest, ok := cutMultiErrHead(e); ok {
			for _, line := range strings.Split(rest, "\n") {
				if item, ok := strings.CutPrefix(strings.TrimSpace(line), "* "); ok {
					parts = append(parts, item)
				}
			}
			continue
		}
		parts = append(parts, e)
	}
	msg := strings.Join(strings.Fields(strings.Join(parts, "; ")), " ")
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	return printable(msg)
}

// printable escapes what a terminal would act on in text a server sent
// (its error messages end up in ward's own): control and bidi characters
// become \xNN or \uNNNN, bytes that are not UTF-8 \xNN.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, store.IsTerminalControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// cutMultiErrHead strips "N error(s) occurred:" (no regexp: the sync
// package is linked into every ward command, and start-up time counts).
func cutMultiErrHead(e string) (string, bool) {
	i := 0
	for i < len(e) && e[i] >= '0' && e[i] <= '9' {
		i++
	}
	if i == 0 {
		return "", false
	}
	for _, head := range []string{" error occurred:", " errors occurred:"} {
		if rest, ok := strings.CutPrefix(e[i:], head); ok {
			return rest, true
		}
	}
	return "", false
}

func (e *RemoteError) Unwrap() error { return e.Err }

// MountError says what the mount is when it is not KV v2.
type MountError struct {
	Remote, Mount string
	Type          string // "kv", "transit", … ("" when unknown)
	Version       string // KV version, "1" or "2"
}

func (e *MountError) Error() string {
	switch {
	case e.Type == "kv" && e.Version != "2":
		return fmt.Sprintf("remote %s: mount %q is KV version 1; ward syncs KV version 2 only (upgrade it with: vault kv enable-versioning %s)", e.Remote, e.Mount, e.Mount)
	case e.Type == "":
		return fmt.Sprintf("remote %s: mount %q not found, or the token may not use it", e.Remote, e.Mount)
	default:
		return fmt.Sprintf("remote %s: mount %q is a %s engine, not KV version 2", e.Remote, e.Mount, e.Type)
	}
}

func (e *MountError) Unwrap() error { return ErrNotKVv2 }

// RedirectError names both hosts of a refused redirect.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("server %s redirected to another host, %s: refused, the token would go with it (point the remote's --addr at the active node or the load balancer)", e.From, e.To)
}

func (e *RedirectError) Unwrap() error { return ErrRedirect }

// PathError is one path's failure in a plan or an apply.
type PathError struct {
	Path string `json:"path"`
	Op   string `json:"op"` // plan, push, pull, delete-remote, …
	Err  error  `json:"-"`
}

func (e *PathError) Error() string { return e.Path + ": " + e.Op + ": " + e.Err.Error() }

func (e *PathError) Unwrap() error { return e.Err }

// MarshalJSON writes {"path","op","error"}.
func (e *PathError) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		Path  string `json:"path"`
		Op    string `json:"op"`
		Error string `json:"error"`
	}{e.Path, e.Op, e.Err.Error()})
}

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }
