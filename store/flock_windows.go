//go:build windows

package store

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

var errLockTimeout = errors.New("timed out waiting for the lock")

func lockFile(f *os.File, timeout time.Duration) error {
	return lockEx(f, windows.LOCKFILE_EXCLUSIVE_LOCK, timeout)
}

func rlockFile(f *os.File, timeout time.Duration) error { return lockEx(f, 0, timeout) }

// lockEx polls LockFileEx without waiting: a waiting one cannot be given up
// on. The lock goes with the file's close.
func lockEx(f *os.File, flags uint32, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	wait := 100 * time.Microsecond
	for {
		ol := new(windows.Overlapped)
		err := windows.LockFileEx(windows.Handle(f.Fd()), flags|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return nil
		}
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return err
		}
		if time.Now().After(deadline) {
			return errLockTimeout
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}
