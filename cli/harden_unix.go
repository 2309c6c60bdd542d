//go:build unix && !linux

package cli

import "golang.org/x/sys/unix"

// harden switches off core dumps (RLIMIT_CORE 0), so values in memory never
// land on disk.
func harden() []string {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return []string{"could not switch off core dumps: " + err.Error()}
	}
	return nil
}
