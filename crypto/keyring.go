package crypto

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name under which ward keeps identities.
const KeyringService = "ward"

// KeyringTimeout bounds every keyring call: a Secret Service whose
// collection is locked may wait forever on a prompt nobody can see
// (the same reason gh's internal/keyring has one).
var KeyringTimeout = 3 * time.Second

var (
	// ErrKeyringUnavailable means no usable OS keyring: none running, no
	// D-Bus session, locked, or not answering in time.
	ErrKeyringUnavailable = errors.New("no usable OS keyring")
	// ErrKeyringNotFound means the keyring works but holds no such item.
	ErrKeyringNotFound = errors.New("not in the OS keyring")
)

// KeyringError explains why the keyring could not be used, in one sentence,
// without the backend's raw error text (a D-Bus error is no help to a user).
type KeyringError struct {
	Op     string // "read", "write", "delete"
	Reason string
	Err    error // the backend's error, for -v debugging; never shown by Error
}

func (e *KeyringError) Error() string {
	return fmt.Sprintf("OS keyring %s failed: %s", e.Op, e.Reason)
}

func (e *KeyringError) Unwrap() error { return ErrKeyringUnavailable }

func keyringCall[T any](op string, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	var zero T
	select {
	case r := <-ch:
		if r.err == nil {
			return r.v, nil
		}
		if errors.Is(r.err, keyring.ErrNotFound) {
			return zero, ErrKeyringNotFound
		}
		return zero, &KeyringError{Op: op, Reason: describeKeyringError(r.err), Err: r.err}
	case <-time.After(KeyringTimeout):
		return zero, &KeyringError{Op: op, Reason: fmt.Sprintf("no answer within %s (is the keyring locked?)", KeyringTimeout)}
	}
}

func describeKeyringError(err error) string {
	msg := err.Error()
	switch {
	case containsAny(msg, "DBUS_SESSION_BUS_ADDRESS", "dbus-launch", "X11", "connection refused", "no such file"):
		return "no D-Bus session bus to reach it (a headless or SSH session?)"
	case containsAny(msg, "org.freedesktop.secrets", "ServiceUnknown", "not provided by any .service"):
		return "no Secret Service (such as gnome-keyring) is running"
	case containsAny(msg, "locked", "prompt", "dismissed"):
		return "the keyring is locked"
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return "the value is too big for this keyring"
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return "this platform has no supported keyring"
	default:
		return "the keyring refused the request"
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// KeyringGet reads the item for user under KeyringService.
func KeyringGet(user string) (string, error) {
	return keyringCall("read", func() (string, error) { return keyring.Get(KeyringService, user) })
}

// KeyringSet writes the item for user under KeyringService.
func KeyringSet(user, value string) error {
	_, err := keyringCall("write", func() (struct{}, error) {
		return struct{}{}, keyring.Set(KeyringService, user, value)
	})
	return err
}

// KeyringDelete removes the item for user; a missing item is not an error.
func KeyringDelete(user string) error {
	_, err := keyringCall("delete", func() (struct{}, error) {
		return struct{}{}, keyring.Delete(KeyringService, user)
	})
	if errors.Is(err, ErrKeyringNotFound) {
		return nil
	}
	return err
}
