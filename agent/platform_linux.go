package agent

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerUID returns the uid of the process at the other end of c, as the
// kernel recorded it when the connection was made (SO_PEERCRED): it cannot
// be forged by the peer.
func peerUID(c *net.UnixConn) (int, bool, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	var cred *unix.Ucred
	var serr error
	if err := rc.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, false, err
	}
	if serr != nil {
		return 0, false, fmt.Errorf("read peer credentials: %w", serr)
	}
	return int(cred.Uid), true, nil
}

// harden keeps what the agent holds out of core dumps, out of other
// processes' reach through ptrace and /proc/PID/mem (PR_SET_DUMPABLE 0 makes
// /proc/PID owned by root), and out of swap (mlockall). It reports what it
// could not do; none of it is fatal.
func harden() []string {
	var notes []string
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		notes = append(notes, "cannot disable core dumps: "+err.Error())
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		notes = append(notes, "cannot clear PR_SET_DUMPABLE: "+err.Error())
	}
	if n := lockMemory(); n != "" {
		notes = append(notes, n)
	}
	return notes
}

// lockMemory calls mlockall so no page of the agent is ever written to swap.
//
// MCL_ONFAULT (Linux 4.4) locks pages as they are first touched instead of
// faulting in every mapping at once: the Go runtime maps its heap arenas in
// 64 MiB steps, and without it each would become resident in full.
//
// With a finite RLIMIT_MEMLOCK and no CAP_IPC_LOCK, MCL_FUTURE is a trap:
// once the locked total reaches the limit, the runtime's next mmap fails and
// the process dies. The kernel already refuses MCL_CURRENT when the mapped
// total exceeds the limit, which is the usual case for a Go program; the
// check below also skips the rare case where it would fit today but not
// tomorrow.
func lockMemory() string {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err == nil &&
		lim.Cur != unix.RLIM_INFINITY && unix.Geteuid() != 0 {
		return fmt.Sprintf("memory not locked: RLIMIT_MEMLOCK is %d bytes (raise it to unlimited, or the agent's pages may be swapped)", lim.Cur)
	}
	err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE | unix.MCL_ONFAULT)
	if err == unix.EINVAL { // kernel older than 4.4
		err = unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE)
	}
	if err != nil {
		return "memory not locked: mlockall: " + err.Error()
	}
	return ""
}

// peerChecked says whether peerUID really checks (for tests).
const peerChecked = true
