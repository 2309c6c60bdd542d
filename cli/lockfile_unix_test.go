//go:build unix

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// lockFileMain holds an exclusive flock on os.Args[1] (as a bbolt writer
// does), creates the file os.Args[2] once it has it, and holds it until
// killed.
func lockFileMain() {
	f, err := os.OpenFile(os.Args[1], os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ward-test-lockfile:", err)
		os.Exit(1)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		fmt.Fprintln(os.Stderr, "ward-test-lockfile:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "ward-test-lockfile:", err)
		os.Exit(1)
	}
	select {}
}
