//go:build linux

package cli

import "golang.org/x/sys/unix"

// harden switches off core dumps (RLIMIT_CORE 0) and marks the process not
// dumpable (PR_SET_DUMPABLE 0: no core, no ptrace or /proc/PID/mem by other
// processes of the user), so values in memory never land on disk. It
// returns warnings for what could not be done.
func harden() []string {
	var warn []string
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		warn = append(warn, "could not switch off core dumps: "+err.Error())
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		warn = append(warn, "could not mark the process not dumpable: "+err.Error())
	}
	return warn
}
