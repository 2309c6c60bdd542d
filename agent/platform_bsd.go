//go:build unix && !linux

package agent

import (
	"net"
	"syscall"
)

// peerUID is not checked outside Linux: the socket is 0600 in a 0700
// directory owned by the user, which is what ssh-agent relies on too.
func peerUID(*net.UnixConn) (int, bool, error) { return 0, false, nil }

// harden disables core dumps. Memory locking and PR_SET_DUMPABLE are Linux
// only here.
func harden() []string {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return []string{"cannot disable core dumps: " + err.Error()}
	}
	return nil
}

const peerChecked = false
