//go:build unix

package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

const supported = true

// ownerOf returns the uid owning a file.
func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// detached makes a child the leader of a new session: no controlling
// terminal, so closing the terminal (SIGHUP) or Ctrl-C in the shell that ran
// `ward unlock` does not reach the agent.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// lockDir takes an exclusive, non-blocking flock on dir/agent.lock and keeps
// the file open for as long as the agent runs. Two agents racing for the
// same socket serialise here, so the loser never unlinks the winner's
// socket. The kernel drops the lock when the process dies.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open agent lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("lock agent lock file: %w", err)
	}
	return f, nil
}

// setUmask makes every file the agent creates private to its user.
func setUmask() { syscall.Umask(0o077) }

// refused reports whether a dial error means nobody listens (a stale socket
// file left by a killed agent) rather than a real failure.
func refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist)
}
