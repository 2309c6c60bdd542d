//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// openFile is os.OpenFile without the runtime's poller. os.OpenFile offers
// every file it opens to epoll (which refuses regular files), and the
// first offer sets the poller up: an epoll instance, an eventfd, and
// five system calls per file opened after. A `ward get` opens only
// regular files, so it needs none of that.
func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), name), nil
		}
		if !errors.Is(err, syscall.EINTR) {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}
