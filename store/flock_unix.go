//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"
)

var errLockTimeout = errors.New("timed out waiting for the lock")

// lockFile takes an exclusive advisory lock on f, waiting up to timeout.
func lockFile(f *os.File, timeout time.Duration) error { return flock(f, syscall.LOCK_EX, timeout) }

// rlockFile takes a shared advisory lock on f, waiting up to timeout.
func rlockFile(f *os.File, timeout time.Duration) error { return flock(f, syscall.LOCK_SH, timeout) }

// flock polls a non-blocking flock: a blocking one cannot be given up on.
// The lock goes with the file's close.
func flock(f *os.File, how int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	wait := 100 * time.Microsecond
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if time.Now().After(deadline) {
			return errLockTimeout
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}
